import { uuidv7 } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../../../db/db.js';
import type { FeedWriter } from '../../../kernel/feed-writer.js';
import { storeCopy } from '../feed-copy.js';
import type { DeliveryHooks } from '../ports.js';
import { shiftsFrom } from '../promise.js';
import { DeliveryRepository } from '../repository.js';
import type { VrptwProblem, VrptwSolution } from '../solver/types.js';
import { depotPlan, depotProblem, type DepotPlan, type StoredStop } from './depot-plan.js';
import { type DepotSnapshot, onlyThePlanChanged, RouteRepository } from './route-repository.js';

/**
 * One depot's re-plan: read what its vans carry, solve off the request path, write the routes and the deliveries'
 * ETAs and collection times in one transaction — only if nothing the plan was made from changed meanwhile (else
 * read and solve again). Two hubs re-planning one depot take turns on an advisory lock; a delivery is written only at
 * the version the plan saw.
 */
export interface ReplanDeps {
  readonly db: Db;
  readonly now: () => number;
  readonly log: Logger;
  readonly feed: FeedWriter;
  readonly hooks: () => DeliveryHooks | undefined;
  readonly budgetMs: number;
  /** Solves off the request path (solver/worker.ts). */
  readonly solve: (
    problem: VrptwProblem,
    budgetMs: number,
    signal: AbortSignal | undefined,
    maxIterations: number,
  ) => Promise<VrptwSolution>;
  /** Hands a delivery no van can fit back to the assignment, to be offered to other carriers. */
  readonly reoffer?: (deliveryId: string, carrierId: string, reason: string) => Promise<unknown>;
}

export interface ReplanResult {
  /**
   * The depot's inputs as this plan left them (`inputsKey`), or null when something else changed while it was written:
   * the sweep skips a depot while its inputs are still these, and re-plans one it has no key for.
   */
  readonly inputsKey: string | null;
  readonly routes: number;
  readonly planned: number;
  readonly unfit: number;
  readonly later: number;
}

class StalePlan extends Error {}
const ATTEMPTS = 3;
const NO_SOLUTION: VrptwSolution = {
  routes: [],
  vehiclesUsed: 0,
  distance: 0,
  unserved: [],
  objective: 'distance',
  stats: { iterations: 0, elapsedMs: 0, construction: { distance: 0, vehicles: 0 } },
};

/**
 * What a depot's plan depends on: its snapshot's fingerprint and when each van on duty next starts a shift (a shift
 * that begins changes the plan though no row did).
 */
export function inputsKey(snap: DepotSnapshot, now: number): string {
  const shifts = snap.inputs.vans.filter((v) => v.active).map((v) => shiftsFrom(v, now, 1)[0]!.from);
  return `${snap.fingerprint}|${JSON.stringify(shifts)}`;
}

export async function replanDepot(
  deps: ReplanDeps,
  depotId: string,
  signal?: AbortSignal,
): Promise<ReplanResult | null> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const now = deps.now();
    const snap = await new RouteRepository(deps.db).snapshot(depotId, now);
    if (!snap) return null;
    const built = depotProblem(snap.inputs);
    const n = built.problem.customers.length;
    // Small problems need few rounds: the iteration cap ends them well before the budget.
    const solution = n ? await deps.solve(built.problem, deps.budgetMs, signal, 1000 + 300 * n) : NO_SOLUTION;
    const plan = depotPlan(snap.inputs, built, solution);
    const reoffers: { deliveryId: string; vanId: string; reason: string }[] = [];
    let inputsKeyAfter: string | null = null;
    try {
      await deps.db.transaction(async (tx) => {
        const repo = new RouteRepository(tx);
        await repo.lockDepot(depotId);
        const again = await repo.snapshot(depotId, now);
        if (!again || again.fingerprint !== snap.fingerprint) throw new StalePlan();
        await writeRoutes(repo, depotId, snap, plan, now);
        await writeDeliveries(deps, tx, snap, plan, now);
        for (const u of plan.unfit) {
          const last = await repo.lastEvent(u.deliveryId);
          if (last?.kind !== 'NO_VAN_FITS' || last.text !== u.reason) {
            const van = snap.inputs.vans.find((v) => v.id === u.vanId);
            await new DeliveryRepository(tx).addEvent(u.deliveryId, now, 'NO_VAN_FITS', {
              carrier: van?.code ?? null,
              text: u.reason,
            });
          }
          reoffers.push(u);
        }
        // Read inside the transaction, after the writes: a delivery another caller committed since the plan's read
        // shows here too (read committed), and must not be taken as planned.
        const after = await repo.snapshot(depotId, now);
        const wrote = new Set(plan.planned.map((p) => p.deliveryId)); // unfit ones get an event, not a write
        if (after && onlyThePlanChanged(again, after, wrote)) inputsKeyAfter = inputsKey(after, now);
      });
    } catch (err) {
      if (err instanceof StalePlan) {
        deps.log.debug({ depotId, attempt }, 'depot changed while its vans were re-planned; planning again');
        continue;
      }
      throw err;
    }
    for (const u of reoffers)
      await deps
        .reoffer?.(u.deliveryId, u.vanId, u.reason)
        .catch((err: unknown) =>
          deps.log.warn({ err, deliveryId: u.deliveryId }, 'a delivery no van can fit could not be offered again'),
        );
    return {
      inputsKey: inputsKeyAfter,
      routes: plan.routes.length,
      planned: plan.planned.length,
      unfit: plan.unfit.length,
      later: plan.later.length,
    };
  }
  throw new Error(`depot ${depotId} kept changing while its vans were re-planned (${ATTEMPTS} tries)`);
}

const sameStops = (a: readonly StoredStop[], b: readonly StoredStop[]) => JSON.stringify(a) === JSON.stringify(b);

/** Each van's live route: re-planned in place, ended (and a new run begun), or left as the driver has it. */
async function writeRoutes(repo: RouteRepository, depotId: string, snap: DepotSnapshot, plan: DepotPlan, now: number) {
  const planned = new Map(plan.routes.map((r) => [r.vanId, r]));
  for (const van of snap.inputs.vans) {
    const live = snap.routes.find((r) => r.carrierId === van.id);
    // The stops behind the van keep their times; a cancelled one leaves the route.
    const done = (live?.stops ?? [])
      .filter((s) => snap.stopStates.get(s.deliveryId) === 'DONE')
      .map((s) => ({ ...s, state: 'DONE' as const }));
    const route = van.active ? planned.get(van.id) : undefined;
    if (route) {
      const underWay = route.stops.some((s) => s.state === 'UNDER_WAY');
      if (live && !underWay && done.length) {
        // The last run is over: it ends as driven, and the new one is a route of its own.
        await repo.updateRoute(live.id, 'DONE', done, live.distanceKm, now);
        await repo.insertRoute({
          id: uuidv7(),
          carrierId: van.id,
          depotId,
          status: 'PLANNED',
          stops: route.stops,
          distanceKm: route.distanceKm,
          now,
        });
      } else if (live) {
        const stops = [...done, ...route.stops];
        if (!sameStops(stops, live.stops) || Math.abs(live.distanceKm - route.distanceKm) > 1e-9)
          await repo.updateRoute(
            live.id,
            underWay || done.length ? 'UNDER_WAY' : 'PLANNED',
            stops,
            route.distanceKm,
            now,
          );
      } else {
        await repo.insertRoute({
          id: uuidv7(),
          carrierId: van.id,
          depotId,
          status: underWay ? 'UNDER_WAY' : 'PLANNED',
          stops: route.stops,
          distanceKm: route.distanceKm,
          now,
        });
      }
      continue;
    }
    if (!live) continue;
    // Off duty, or nothing left to plan: what is on board stays as the driver has it; the rest leaves the route.
    const onBoard = van.active
      ? []
      : live.stops
          .filter((s) => snap.stopStates.get(s.deliveryId) === 'UNDER_WAY')
          .map((s) => ({ ...s, state: 'UNDER_WAY' as const }));
    const keep = [...done, ...onBoard];
    if (onBoard.length) {
      if (!sameStops(keep, live.stops)) await repo.updateRoute(live.id, 'UNDER_WAY', keep, live.distanceKm, now);
    } else await repo.updateRoute(live.id, done.length ? 'DONE' : 'ABANDONED', keep, live.distanceKm, now);
  }
}

/** ETAs and collection times; a delivery moved off a van taken off duty gets its new van and driver, told everywhere. */
async function writeDeliveries(deps: ReplanDeps, tx: Queryable, snap: DepotSnapshot, plan: DepotPlan, now: number) {
  const repo = new RouteRepository(tx);
  const deliveries = new DeliveryRepository(tx);
  const vans = new Map(snap.inputs.vans.map((v) => [v.id, v]));
  for (const p of plan.planned) {
    const before = snap.before.get(p.deliveryId)!;
    const van = vans.get(p.vanId)!;
    const moved = before.carrierId !== p.vanId;
    const driver = moved ? { name: van.name.slice(0, 100), vehicle: van.code.slice(0, 40) } : null;
    const outcome = await repo.writeDelivery(
      p.deliveryId,
      snap.versions.get(p.deliveryId)!,
      { carrierId: p.vanId, driver, eta: p.eta, collectBy: p.collectBy },
      now,
    );
    if (outcome === 'stale') throw new StalePlan();
    if (outcome === 'same' || (!moved && before.collectBy === p.collectBy)) continue;
    const d = (await deliveries.delivery(p.deliveryId))!;
    if (moved) {
      const from = vans.get(before.carrierId);
      await deliveries.addEvent(d.id, now, 'MOVED', {
        from: from?.code ?? null,
        carrier: van.code,
        text: `moved to ${van.code}${from ? `: ${from.code} is off duty` : ''}`,
      });
      await deps.hooks()?.assigned(tx, {
        deliveryId: d.id,
        orderId: d.orderId,
        orderNumber: d.orderNumber,
        storeId: d.storeId,
        at: now,
        carrier: van.code,
        eta: p.eta,
      });
    }
    // The store's desk shows who collects and by when.
    await deps.feed.append(tx, d.storeId, [storeCopy(d, { kind: 'VAN', name: van.name })]);
  }
}
