import type { Queryable } from '../db/db.js';
import type { OrderFlows } from '../modules/orders/index.js';
import type { HoldHooks, Reservation } from '../modules/reservations/index.js';
import type { NotificationOutbox } from './notifications.js';
import { WorkflowRepository } from './repository.js';

/**
 * Oversell repair → orders. A hold the repair moved to another store moves its order's pickup store with it (that
 * store reads and checks in the order and may see its customer from now on), and the customer is told where to
 * collect it. A hold the repair cancelled (no store near had the goods) cancels its confirmed order, whose payment
 * is then voided or refunded, and the customer is told why: never an order left CONFIRMED and charged with no goods.
 *
 * Runs inside the repair's transaction (see index.ts); the notice is written in it and sent after it commits.
 */
export class RepairToOrder {
  constructor(
    readonly orders: () => OrderFlows | undefined,
    readonly outbox: NotificationOutbox,
  ) {}

  readonly moved: HoldHooks['moved'] = async (tx, e) => {
    const order = await this.orders()?.followHold(tx, {
      reservationId: e.hold.id,
      fromStoreId: e.fromStoreId,
      toStoreId: e.toStoreId,
    });
    if (order?.status !== 'CONFIRMED') return; // a saga still running is told nothing yet: its checkout answers
    const repo = new WorkflowRepository(tx);
    const [from, to] = [await repo.storeLabel(e.fromStoreId), await repo.storeLabel(e.toStoreId)];
    const message = `${from} sold out of an item of your order, so it is now waiting for you at ${to}, ${e.distanceKm} km away. Nothing else changes.`;
    await this.outbox.enqueue(tx, { customerId: order.customerId, orderId: order.id, kind: 'PICKUP_MOVED', message });
  };

  async cancelled(tx: Queryable, hold: Reservation, notice: string): Promise<void> {
    const flows = this.orders();
    const order = await flows?.byHold(tx, hold.id);
    if (!flows || order?.status !== 'CONFIRMED') return; // a saga still running fails at CONFIRM and refunds by itself
    await flows.cancel(tx, order, {
      kind: 'HOLD_CANCELLED',
      detail: { storeId: hold.storeId, notice },
      reason: notice,
    });
    const message = `${notice[0]!.toUpperCase()}${notice.slice(1)}. Your payment of ${(order.totalMinor / 100).toFixed(2)} ${order.currency} is refunded in full.`;
    await this.outbox.enqueue(tx, {
      customerId: order.customerId,
      orderId: order.id,
      kind: 'ORDER_CANCELLED',
      message,
    });
  }
}
