import type { HubContext } from '../../../kernel/module-contract.js';
import { DELIVERY_HOOKS } from '../ports.js';
import { solveInWorker } from '../solver/worker.js';
import { inputsKey, type ReplanDeps, replanDepot } from './replan.js';
import { RouteRepository } from './route-repository.js';

/**
 * Route planning (issue #18): the in-house vans' runs, solved off the request path by the VRPTW solver (`solver/`) on a
 * worker and re-planned incrementally when deliveries arrive or a driver drops out.
 *
 * Two ways in, both hub jobs: `replanSoon(depotId)` enqueues `delivery.replan` for that depot (asks within 100 ms
 * make one run), and `delivery.replan-sweep` looks at every depot whose vans carry something each
 * `DELIVERY_REPLAN_EVERY_MS` (60 s), re-planning the ones whose inputs changed since this process last planned them
 * (a change another hub made, a shift that began, a missed ask). Runs for one depot never overlap in a process; across
 * processes replan.ts takes turns and writes only what is still current.
 */
export interface RoutePlanner {
  /** Asks for a re-plan of the vans of this depot (a store or DC) soon; several asks in a row make one run. */
  replanSoon(depotId: string): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface PlannerOptions {
  /** Hands a delivery no van can fit back to the assignment (offered to other carriers); unset, it is only reported. */
  readonly reoffer?: (deliveryId: string, carrierId: string, reason: string) => Promise<unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COALESCE_MS = 100;

export function routePlanner(ctx: HubContext, options: PlannerOptions = {}): RoutePlanner {
  const deps: ReplanDeps = {
    db: ctx.db,
    now: ctx.now,
    log: ctx.log,
    feed: ctx.feed,
    hooks: () => ctx.services.find(DELIVERY_HOOKS),
    budgetMs: ctx.settings.tuning.deliveryReplanBudgetMs,
    solve: (problem, budgetMs, signal, maxIterations) =>
      solveInWorker(problem, budgetMs, signal, { seed: 1, maxIterations, objective: 'distance' }),
    reoffer: options.reoffer,
  };
  let started = false;
  const asked = new Map<string, NodeJS.Timeout>();
  const early = new Set<string>();
  /** Each depot's run in this process, so the job and the sweep never solve one depot twice at once. */
  const running = new Map<string, Promise<unknown>>();
  /** What each depot's inputs were after this process last planned it; the sweep skips it while they still are. */
  const planned = new Map<string, string>();

  const keyOf = async (depotId: string): Promise<string | null> => {
    const now = ctx.now();
    const snap = await new RouteRepository(ctx.db).snapshot(depotId, now);
    return snap ? inputsKey(snap, now) : null;
  };

  const plan = (depotId: string, signal: AbortSignal | undefined): Promise<unknown> => {
    const run = (running.get(depotId) ?? Promise.resolve())
      .catch(() => {})
      .then(async () => {
        const result = await replanDepot(deps, depotId, signal); // its key as its own transaction left the depot
        if (result?.inputsKey) planned.set(depotId, result.inputsKey);
        else planned.delete(depotId);
        if (result) {
          const { routes, planned: count, unfit, later } = result;
          ctx.log.debug({ depotId, routes, planned: count, unfit, later }, 'van routes re-planned');
        }
      });
    running.set(depotId, run);
    const forget = () => {
      if (running.get(depotId) === run) running.delete(depotId);
    };
    run.then(forget, forget);
    return run;
  };

  const enqueue = (depotId: string) =>
    void ctx.jobs
      .enqueue('delivery.replan', { depotId })
      .catch((err: unknown) => ctx.log.warn({ err, depotId }, 'a van re-plan could not be queued'));

  return {
    replanSoon(depotId) {
      if (!UUID.test(depotId)) return;
      if (!started) {
        early.add(depotId);
        return;
      }
      if (asked.has(depotId)) return;
      asked.set(
        depotId,
        setTimeout(() => {
          asked.delete(depotId);
          enqueue(depotId);
        }, COALESCE_MS),
      );
    },
    async start() {
      ctx.jobs.define<{ depotId?: unknown }>({
        name: 'delivery.replan',
        maxAttempts: 3,
        run: async (job) => {
          const depotId = job.payload?.depotId;
          if (typeof depotId !== 'string' || !UUID.test(depotId)) return;
          await plan(depotId, job.signal);
        },
      });
      ctx.jobs.define({
        name: 'delivery.replan-sweep',
        run: async (job) => {
          for (const depotId of await new RouteRepository(ctx.db).depotsToLookAt(1000)) {
            if (job.signal.aborted) return;
            const key = await keyOf(depotId);
            if (!key || planned.get(depotId) === key) continue;
            await plan(depotId, job.signal).catch((err: unknown) =>
              ctx.log.warn({ err, depotId }, 'the sweep could not re-plan a depot; the next sweep tries again'),
            );
          }
        },
      });
      await ctx.jobs.schedule('delivery.replan-sweep', {
        everyMs: ctx.settings.tuning.deliveryReplanEveryMs,
        jitter: 0.2,
      });
      started = true;
      for (const depotId of early) enqueue(depotId);
      early.clear();
    },
    async stop() {
      started = false;
      for (const t of asked.values()) clearTimeout(t);
      asked.clear();
      await Promise.allSettled([...running.values()]);
    },
  };
}
