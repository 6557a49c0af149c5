import { partitionByPayload } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { AppliedEvent, HandlerResult } from '../../kernel/event-handlers.js';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { PickupCodes, TypedCodes } from './pickup-codes.js';
import { reservationRoutes } from './routes.js';
import { ReservationService } from './service.js';
import { provide } from '../../kernel/ports.js';
import { INVENTORY_HOLDS, INVENTORY_INCIDENTS } from '../../kernel/ports/inventory.js';
import { PICKUP_CODES, RESERVATIONS } from '../../kernel/ports/reservations.js';
import { pickupCodeLookup } from './pickup-code-lookup.js';
import { HOLD_HOOKS } from './types.js';
import { OversellRepair } from './oversell-repair.js';
import { holdSnapshot } from './hold-snapshot.js';
import { holdBootstrap } from './hold-bootstrap.js';
import { backfillTypedCodes } from './typed-code-backfill.js';

export {
  HOLD_HOOKS,
  type Reservation,
  type ReservationStatus,
  type ReservationLine,
  type HoldHooks,
  type HoldEnd,
} from './types.js';
export type { ReservationService } from './service.js';

const SWEEP_EVERY_MS = 1000;
/** The flows that follow hold changes across modules: the hub provides them (central/src/workflows/). */
const hooksOf = (ctx: HubContext) => () => ctx.services.find(HOLD_HOOKS);
export const repairOf = (ctx: HubContext) =>
  new OversellRepair(
    ctx.db,
    ctx.services.get(INVENTORY_HOLDS),
    ctx.services.get(INVENTORY_INCIDENTS),
    ctx.feed,
    ctx.now,
    hooksOf(ctx),
  );
const serviceOf = (ctx: HubContext) =>
  new ReservationService(
    ctx.db,
    ctx.services.get(INVENTORY_HOLDS),
    ctx.feed,
    ctx.now,
    hooksOf(ctx),
    ctx.settings.tuning.holdBatches,
  );

/** `handle` applied to the events whose payload conforms to the shared schema of `type`; each of the rest is refused alone. */
const checked =
  (
    type: 'reservation.picked-up' | 'reservation.no-show',
    handle: (tx: Queryable, events: readonly AppliedEvent[]) => Promise<HandlerResult>,
  ) =>
  async (tx: Queryable, events: readonly AppliedEvent[]): Promise<HandlerResult> => {
    const { valid, refused } = partitionByPayload(type, events);
    const applied = valid.length ? await handle(tx, valid) : {};
    return { rejected: [...refused, ...(applied.rejected ?? [])].sort((x, y) => x.seq - y.seq) };
  };

/**
 * BOPIS reservations: 15-minute holds granted by conditional updates in one transaction, confirmed, released, expired
 * by a sweep each second (a job: one run per period across hub replicas), fulfilled by the store's pickup event; oversells
 * detected by inventory are repaired every two seconds (re-sourced nearby or cancelled). Every change goes to the
 * stores' feeds at once; a store's feed rebased after a hub restore gets the holds it has now (hold-snapshot.ts).
 */
export const hubModule: HubModule = {
  name: 'reservations',
  migrations: new URL('./schema/', import.meta.url),
  console: {
    dir: new URL('./console/', import.meta.url),
    // a store's manager sees their own store's holds
    pages: [
      { path: 'reservations', title: 'Reservations', script: 'reservations.js', roles: ['ADMIN', 'STORE_MANAGER'] },
    ],
  },
  needs: [INVENTORY_HOLDS, INVENTORY_INCIDENTS],
  uses: [HOLD_HOOKS],
  provides: (ctx) => [
    provide(RESERVATIONS, serviceOf(ctx)),
    provide(PICKUP_CODES, pickupCodeLookup(ctx.db, serviceOf(ctx), ctx.now)),
  ],
  routes: (ctx) => {
    const codes = PickupCodes.load(ctx.db, ctx.now());
    codes.catch((err: unknown) => ctx.log.error({ err }, 'could not load the pickup signing key'));
    const typed = TypedCodes.load(ctx.db, ctx.now());
    typed.catch((err: unknown) => ctx.log.error({ err }, 'could not load the typed pickup-code key'));
    return reservationRoutes(serviceOf(ctx), codes, typed);
  },
  // A new store disk (or one whose feed skipped entries retention removed) gets the open holds it lacks.
  bootstrap: () => ({ holds: holdBootstrap }),
  eventHandlers: (ctx) => ({
    'reservation.picked-up': checked('reservation.picked-up', (tx, events) => serviceOf(ctx).applyPickups(tx, events)),
    'reservation.no-show': checked('reservation.no-show', (tx, events) => serviceOf(ctx).applyNoShows(tx, events)),
  }),
  async start(ctx) {
    ctx.feed.reconcileWith('reservations', holdSnapshot);
    const service = serviceOf(ctx);
    // On the hub's job runner: one sweep per period across hub processes; a failed one is logged and its next
    // period is its retry. Both stop with the runner (the hub stops it before the modules).
    ctx.jobs.define({
      name: 'reservations.expire-holds',
      run: async (job) => {
        let expired = 0;
        for (let n = 500; n === 500 && !job.signal.aborted; expired += n) n = await service.expireDue(500);
        if (expired) ctx.log.debug({ expired }, 'holds expired');
      },
    });
    const repair = repairOf(ctx);
    ctx.jobs.define({ name: 'reservations.repair-oversells', run: async () => void (await repair.repairOpen()) });
    // Holds granted before typed pickup codes get one (once after the upgrade; a start with none to do costs a query).
    ctx.jobs.define({
      name: 'reservations.typed-code-backfill',
      run: async (job) => {
        const codes = await TypedCodes.load(ctx.db, ctx.now());
        let given = 0;
        for (let n = 500; n === 500 && !job.signal.aborted; given += n)
          n = await backfillTypedCodes(ctx.db, ctx.feed, codes, ctx.now);
        if (given) ctx.log.info({ given }, 'open holds given typed pickup codes');
      },
    });
    await ctx.jobs.enqueue('reservations.typed-code-backfill');
    await ctx.jobs.schedule('reservations.expire-holds', { everyMs: SWEEP_EVERY_MS });
    await ctx.jobs.schedule('reservations.repair-oversells', { everyMs: 2 * SWEEP_EVERY_MS });
  },
};
