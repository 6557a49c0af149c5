import type { Logger } from 'pino';
import type { Queryable } from '../db/db.js';
import type { OrderFlows } from '../modules/orders/index.js';
import type { HoldHooks, Reservation } from '../modules/reservations/index.js';
import { WorkflowRepository } from './repository.js';

/**
 * The order follows its pickup. A hold a store handed over completes its confirmed order (PICKED_UP, when and at which
 * store; the orders module captures the authorised payment once the hand-over commits). A hold that ends unused (the
 * store marked a no-show, or it expired) cancels its confirmed order, whose payment is then voided or refunded. A
 * hand-over of a hold the hub had already ended (cancelled or expired: the store did not know yet, being offline)
 * stands — the goods left — and raises an incident for staff, noted in the order's timeline.
 *
 * Runs inside the transaction that changes the hold (see index.ts), the hold's row locked before the order's.
 */
export class PickupToOrder {
  constructor(
    readonly orders: () => OrderFlows | undefined,
    readonly log: Logger,
    readonly now: () => number,
  ) {}

  readonly handedOver: HoldHooks['handedOver'] = async (tx, e) => {
    const flows = this.orders();
    const order = await flows?.byHold(tx, e.hold.id);
    if (e.endedBefore) return this.#afterEnd(tx, e.hold, e.storeId, e.at, e.endedBefore, order);
    if (!flows || !order) return;
    if (order.status === 'CONFIRMED') await flows.pickedUp(tx, order, { storeId: e.storeId, at: e.at });
    // Handed over before its saga confirmed it: the saga confirms the fulfilled hold and the timeline tells what happened.
    else await flows.note(tx, order.id, 'HANDED_OVER', { storeId: e.storeId, at: e.at, orderStatus: order.status });
  };

  /** NO_SHOW and EXPIRED (a repair's cancellation is RepairToOrder's). */
  async ended(tx: Queryable, hold: Reservation, how: 'NO_SHOW' | 'EXPIRED', storeId: string): Promise<void> {
    const flows = this.orders();
    const order = await flows?.byHold(tx, hold.id);
    // A saga still running finds its hold ended at CONFIRM and turns back by itself.
    if (!flows || order?.status !== 'CONFIRMED') return;
    await flows.cancel(
      tx,
      order,
      how === 'NO_SHOW'
        ? {
            kind: 'NO_SHOW',
            detail: { storeId },
            // a delivery's hold is collected by its driver, not its customer
            reason:
              order.fulfilment.type === 'DELIVERY'
                ? 'no driver came to collect it'
                : 'the customer did not come to collect it',
          }
        : { kind: 'HOLD_EXPIRED', detail: { storeId }, reason: 'its pickup window ran out' },
    );
  }

  async #afterEnd(
    tx: Queryable,
    hold: Reservation,
    storeId: string,
    at: number,
    endedAs: string,
    order: { id: string; status: string } | undefined,
  ): Promise<void> {
    const detail = { holdEndedAs: endedAs, handedOverAt: at, orderStatus: order?.status ?? null };
    await new WorkflowRepository(tx).raiseIncident({
      kind: 'PICKUP_AFTER_END',
      storeId,
      reservationId: hold.id,
      orderId: order?.id ?? null,
      detail,
      raisedAt: this.now(),
    });
    if (order) await this.orders()!.note(tx, order.id, 'HANDED_OVER_AFTER_END', { storeId, at, holdEndedAs: endedAs });
    this.log.warn(
      { storeId, reservationId: hold.id, orderId: order?.id, endedAs },
      'a store handed over a hold the hub had already ended; incident raised',
    );
  }
}
