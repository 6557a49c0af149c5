import { AppError, ConflictError, NotFoundError } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/db.js';
import type { Order, OrderCancellation, OrderFlows } from '../modules/orders/index.js';
import type { Reservations } from '../kernel/ports/reservations.js';
import type { DeliveryDesk } from '../kernel/ports/delivery.js';
import { WorkflowRepository } from './repository.js';

/** What cancelling needs of the reservations module (the port `RESERVATIONS`). */
export type HoldRelease = Pick<Reservations, 'releaseUnlessPickedUp'>;

/** Tries of the release-and-turn-back transaction before the cancel answers an error (nothing changed then). */
const TRIES = 3;

/**
 * A customer's (or staff's) cancellation of a confirmed order, racing a hand-over the store may have done offline.
 * The hand-over wins: the goods left. In one transaction, the hold is released under its row lock and then the order
 * (locked after it, the order every flow locks in) turns back; only after that commits is the payment voided. So a
 * store's pickup event is applied either before (the hold is FULFILLED: the cancel is refused, 409 "already picked
 * up at <store> at <time>; start a return instead") or after (the hold was released: the pickup raises an incident,
 * see PickupToOrder) — never between a void and a release. A release that fails rolls the whole cancel back and is
 * tried again; nothing is swallowed. A DELIVERY order's delivery is cancelled in that same transaction, through the
 * delivery desk, after the hold's and the order's rows are locked (the lock order of the store's hand-over, whose
 * `reservation.picked-up` locks the hold, then the order, then its `delivery.handed-to-driver` the delivery): either
 * the hand-over is applied first (the hold FULFILLED: refused, the delivery untouched and on its way), or the cancel
 * commits first (hold released, delivery cancelled, together) and a hand-over arriving after it is the store's
 * mistake to undo (an incident; the delivery comes back, see hand-over.ts). One the driver has already taken is
 * refused (409) and the release rolled back with it: the order is kept as it is.
 */
export class CancelOrderFlow implements OrderCancellation {
  constructor(
    readonly db: Db,
    readonly orders: () => OrderFlows,
    readonly holds: () => HoldRelease,
    readonly log: Logger,
    readonly delivery: () => Pick<DeliveryDesk, 'cancel'> | undefined = () => undefined,
  ) {}

  async cancel(orderId: string): Promise<Order> {
    const seen = await this.orders().get(this.db, orderId);
    if (!seen) throw new NotFoundError('order', orderId);
    if (seen.status === 'CANCELLED') return seen;
    if (seen.status === 'PICKED_UP') throw await this.#pickedUp(seen, seen.pickedUp!.storeId, seen.pickedUp!.at);
    if (seen.status !== 'CONFIRMED')
      throw new ConflictError(`order ${orderId} is ${seen.status}; only confirmed orders can be cancelled`, {
        status: seen.status,
      });
    const outcome = await this.#releaseThenTurnBack(seen);
    if (outcome.refused) throw await this.#pickedUp(outcome.refused.order, outcome.refused.storeId, outcome.refused.at);
    return this.orders().finish(orderId);
  }

  async #releaseThenTurnBack(seen: Order): Promise<{ refused?: { order: Order; storeId: string; at: number } }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async (tx) => {
          const hold = seen.reservationId
            ? await this.holds().releaseUnlessPickedUp(tx, seen.reservationId)
            : undefined;
          const order = (await this.orders().lock(tx, seen.id))!;
          if (order.status === 'PICKED_UP')
            return { refused: { order, storeId: order.pickedUp!.storeId, at: order.pickedUp!.at } };
          if (hold?.status === 'FULFILLED') return { refused: { order, storeId: hold.storeId, at: hold.updatedAt } };
          if (order.status !== 'CONFIRMED') return {}; // another cancel turned it back first: wait for its outcome
          if (order.fulfilment.type === 'DELIVERY') await this.#cancelDelivery(tx, order);
          await this.orders().cancel(tx, order, {
            kind: 'CANCEL_REQUESTED',
            detail: { holdReleased: hold?.id ?? null },
          });
          return {};
        });
      } catch (err) {
        if (err instanceof AppError || attempt >= TRIES) throw err;
        this.log.warn(
          { err, orderId: seen.id, attempt },
          'releasing the hold of a cancelled order failed; trying again',
        );
      }
    }
  }

  /**
   * The order's delivery cancelled in the transaction that released its hold (the saga's CANCEL_FULFILMENT repeats it
   * harmlessly): a delivery whose goods the driver already has is refused by the desk, and so is the cancel — the
   * throw rolls the release back, nothing changed.
   */
  async #cancelDelivery(tx: Queryable, order: Order): Promise<void> {
    try {
      await this.delivery()?.cancel(order.id, tx);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const storeId = order.fulfilment.locationId ?? order.fulfilment.storeId;
      const store = storeId ? await new WorkflowRepository(tx).storeLabel(storeId) : 'the store';
      throw new ConflictError(
        `order ${order.orderNumber} has left ${store} with its driver and can no longer be cancelled: the customer may refuse it at the door`,
        { status: order.status, delivery: err.message },
      );
    }
  }

  async #pickedUp(order: Order, storeId: string, at: number): Promise<ConflictError> {
    const store = await new WorkflowRepository(this.db).storeLabel(storeId);
    if (order.fulfilment.type === 'DELIVERY')
      return new ConflictError(
        `order ${order.orderNumber} was already handed to the driver at ${store} at ${new Date(at).toISOString()}; it can no longer be cancelled: the customer may refuse it at the door`,
        { status: 'PICKED_UP', pickedUp: { storeId, at } },
      );
    return new ConflictError(
      `order ${order.id} was already picked up at ${store} at ${new Date(at).toISOString()}; start a return instead`,
      {
        status: 'PICKED_UP',
        pickedUp: { storeId, at },
      },
    );
  }
}
