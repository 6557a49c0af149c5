import type { HubContext } from '../kernel/module-contract.js';
import { provide, type PortDeclarations, type Provision } from '../kernel/ports.js';
import { RESERVATIONS } from '../kernel/ports/reservations.js';
import { DELIVERY_DESK } from '../kernel/ports/delivery.js';
import { BOOKING_HOOKS } from '../modules/booking/index.js';
import { DELIVERY_HOOKS } from '../modules/delivery/index.js';
import { ORDER_CANCELLATION, ORDER_FLOWS, REFUND_INCIDENTS, type OrderFlows } from '../modules/orders/index.js';
import { HOLD_HOOKS, type HoldHooks } from '../modules/reservations/index.js';
import { bookingNotices } from './booking-notices.js';
import { CancelOrderFlow } from './cancel-order.js';
import { DeliveryToOrder } from './delivery-to-order.js';
import { notifierFor } from './notice-senders.js';
import { NOTIFICATIONS_SENDER, NotificationOutbox } from './notifications.js';
import { PickupToOrder } from './pickup-to-order.js';
import { RepairToOrder } from './repair-to-order.js';
import { refundIncidents } from './refund-incidents.js';
import { defineReplayJob, REPLAY_PORTS } from './replay/replay-job.js';

export {
  NOTIFICATIONS_SENDER,
  NoticeDeferredError,
  NoticeRefusedError,
  SimulatedNotifier,
  type CustomerNotifier,
} from './notifications.js';
export { HttpCustomerNotifier, notifierFor } from './notice-senders.js';
export { WorkflowRepository, type CustomerNotification, type WorkflowIncident } from './repository.js';
export { workflowRoutes } from './routes.js';
export { IncidentDesk, type IncidentView } from './incidents.js';
export { REPLAY_JOB, replaySources, runReplay } from './replay/replay-job.js';
export { describeReplay, replayCheck, type ReplayReport } from './replay/replay-check.js';

/**
 * The hub's cross-module flows (issue #15): what must happen to an order when its hold changes, and the cancel that
 * races a store's hand-over. Each flow is one file with its tests in tests/:
 *   pickup-to-order.ts   a hand-over completes the order (PICKED_UP, payment captured); a no-show or expiry cancels it
 *                        (payment voided or refunded); a hand-over of a hold the hub had ended raises an incident
 *   repair-to-order.ts   oversell repair moved the hold: the order's pickup store follows, the customer is told;
 *                        repair cancelled the hold: the order is cancelled and refunded, the customer is told
 *   cancel-order.ts      cancel releases the hold under its row lock before the payment is voided; a hand-over wins;
 *                        a DELIVERY order's delivery is cancelled first (refused, 409, once the driver has the goods)
 *   delivery-to-order.ts the order follows its delivery: who brings it (timeline), no carrier took it (cancelled,
 *                        hold released, payment voided, customer told), delivered, failed, returned (refunded once)
 *   booking-notices.ts   the booking module's hooks (BOOKING_HOOKS): the customer hears of a booking confirmed, a booking
 *                        cancelled (and what is refunded), and seats offered from a waitlist (held until when)
 *   notifications.ts     the customer notifications outbox and its sender (an external party, simulator beside it)
 *   notice-senders.ts    the sender NOTIFICATIONS_SENDER names: the simulator, or http (POST with Idempotency-Key)
 *   incidents.ts         what a flow could not put right, for staff (a hand-over after the hold ended, a notice the
 *                        sender refused for good, a refund the provider kept refusing — refund-incidents.ts):
 *                        listed with a sentence, resolved with a note
 *                        (routes.ts: `/api/workflows/incidents`, ADMIN or the store's manager; the console's Order
 *                        incidents page)
 *   routes.ts            also `POST /api/orders/:id/refund`: a picked-up order's payment back, once (the console's
 *                        Orders page asks first)
 *
 * How the flows hear of hold changes — one mechanism: the reservations module calls typed hooks (`HoldHooks` in
 * modules/reservations/types.ts: handedOver, ended, moved) inside the transaction that changes the hold, with the
 * hold's row locked; the hub registers this layer as the port `HOLD_HOOKS` (hub.ts). The delivery module does the
 * same with `DELIVERY_HOOKS` (modules/delivery/ports.ts), the delivery's row locked. What a flow
 * writes (the order's new state and timeline, a notice, an incident) commits or rolls back with the hold's change;
 * nothing external is called inside it: the payment is voided or captured and the notice sent after the commit
 * (durable to-dos: the order's row, the outbox row), so a hub that dies in between finishes them on restart.
 *
 * How the flows reach modules: through the ports they provide only (`ORDER_FLOWS`, `RESERVATIONS`), never their
 * files; modules never import this layer (the orders module asks for the port `ORDER_CANCELLATION`).
 * Lock order, everywhere: a hold's row before its order's row.
 */
export const workflowMigrations = new URL('./schema/', import.meta.url);
const NOTICE_SWEEP_MS = 1_000;

export interface Workflows {
  /** The ports the layer fills for modules. */
  readonly provisions: readonly Provision[];
  readonly outbox: NotificationOutbox;
  /** What the layer's routes may do to an order (refund it), when the orders module is there. */
  readonly orders: () => OrderFlows | undefined;
  /** Schedules the notification sender on the hub's job runner (every second; also after each commit with a notice). */
  start(): Promise<void>;
  /**
   * Stops sending notices: the running drain (the job's or one after a commit) is aborted, its request to the sender
   * too, and awaited. The hub calls it after stopping its job runner and before closing the database.
   */
  stop(): Promise<void>;
}

/** What the flows ask for: all optional (found lazily: absent modules make the flows do nothing). */
export const workflowPorts: PortDeclarations = {
  uses: [ORDER_FLOWS, RESERVATIONS, NOTIFICATIONS_SENDER, DELIVERY_DESK, ...REPLAY_PORTS],
};

/** Builds the flows over the hub's modules; `ctx.services` is the layer's own (`workflowPorts`). */
export function createWorkflows(ctx: HubContext): Workflows {
  const orders = () => ctx.services.find(ORDER_FLOWS);
  // Configured like the other external parties: the sender the hub was given, else the one its settings name (the
  // simulator in demo/test mode when none is); with none, notices wait and the hub warned at start (hub-settings.ts).
  const notifier = ctx.services.find(NOTIFICATIONS_SENDER) ?? notifierFor(ctx.settings.notifications);
  const outbox = new NotificationOutbox(ctx.db, notifier, ctx.log, ctx.now);
  const pickups = new PickupToOrder(orders, ctx.log, ctx.now);
  const repairs = new RepairToOrder(orders, outbox);
  const hooks: HoldHooks = {
    handedOver: pickups.handedOver,
    moved: repairs.moved,
    ended: (tx, hold, end) =>
      end.how === 'CANCELLED_BY_REPAIR'
        ? repairs.cancelled(tx, hold, end.notice)
        : pickups.ended(tx, hold, end.how, end.how === 'NO_SHOW' ? end.storeId : hold.storeId),
  };
  const cancel = new CancelOrderFlow(
    ctx.db,
    () => ctx.services.get(ORDER_FLOWS),
    () => ctx.services.get(RESERVATIONS),
    ctx.log,
    () => ctx.services.find(DELIVERY_DESK),
  );
  const deliveries = new DeliveryToOrder({
    db: ctx.db,
    orders,
    holds: () => ctx.services.find(RESERVATIONS),
    outbox,
    log: ctx.log,
  });
  return {
    provisions: [
      provide(HOLD_HOOKS, hooks),
      provide(DELIVERY_HOOKS, deliveries),
      // the customers' booking notices: confirmed, cancelled (with the refund), seats offered from the waitlist
      provide(BOOKING_HOOKS, bookingNotices(outbox)),
      provide(ORDER_CANCELLATION, cancel),
      provide(REFUND_INCIDENTS, refundIncidents()),
    ],
    outbox,
    orders,
    async start() {
      // Notices due again (a send that failed, a hub that died after its commit) go out within a second, from one
      // hub process at a time; a commit that wrote a notice still sends it at once from its own process (drainSoon).
      ctx.jobs.define({
        name: 'workflows.send-notices',
        run: async (job) => void (await outbox.drain({ signal: job.signal })),
      });
      await ctx.jobs.schedule('workflows.send-notices', { everyMs: NOTICE_SWEEP_MS });
      // issue #27: the replay check, a one-off job `POST /api/replay/check` enqueues (replay/replay-job.ts)
      defineReplayJob(ctx);
    },
    stop: () => outbox.stop(),
  };
}
