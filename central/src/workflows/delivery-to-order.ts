import { formatMoney, money, NotFoundError } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/db.js';
import type { Reservation, Reservations } from '../kernel/ports/reservations.js';
import type { DeliveryHooks, DeliveryOutcome } from '../modules/delivery/index.js';
import type { Order, OrderFlows } from '../modules/orders/index.js';
import type { NotificationOutbox } from './notifications.js';
import { WorkflowRepository } from './repository.js';

/**
 * The order follows its delivery (the delivery module calls these hooks, the port `DELIVERY_HOOKS`, inside the
 * transaction that changes the delivery, its row locked):
 *   assigned    a line in the order's timeline: who brings it and when ("VAN-S001-1 (in-house van) brings it, ETA 14:30")
 *   unassigned  no carrier took it: the hold is released under its row lock and the order turned back — a confirmed
 *               order CANCELLED (payment voided, the customer told), one whose saga is still running FAILED with the
 *               reason (the checkout answers the customer)
 *   delivered   a line in the timeline, with the proof
 *   failed      a line in the timeline (the goods are on their way back to the store)
 *   returned    the goods are back in the store's stock: the order is refunded in full, once, and the customer told
 * The goods leave the store when the store hands the order's hold over at its delivery desk (`reservation.picked-up`):
 * PickupToOrder then makes the order PICKED_UP (HANDED_TO_DRIVER in its timeline) and its payment is captured.
 *
 * Lock order: the delivery's row (its caller's), then the hold's, then the order's. What is written here commits or
 * rolls back with the delivery's change; the payment is voided or refunded and the notice sent after the commit.
 */
export class DeliveryToOrder {
  constructor(
    readonly deps: {
      readonly db: Db;
      readonly orders: () => OrderFlows | undefined;
      readonly holds: () => Pick<Reservations, 'releaseUnlessPickedUp'> | undefined;
      readonly outbox: NotificationOutbox;
      readonly log: Logger;
    },
  ) {}

  readonly assigned: DeliveryHooks['assigned'] = async (tx, d) => {
    const eta = d.eta === null ? null : clockTime(d.eta, await new WorkflowRepository(tx).storeZone(d.storeId));
    await this.deps.orders()?.note(tx, d.orderId, 'DELIVERY_ASSIGNED', {
      deliveryId: d.deliveryId,
      carrier: d.carrier,
      eta: d.eta,
      says: eta ? `${d.carrier} brings it, ETA ${eta}` : `${d.carrier} brings it`,
    });
  };

  readonly unassigned: DeliveryHooks['unassigned'] = async (tx, d) => {
    await this.#turnBack(tx, d, 'DELIVERY_UNASSIGNED', d.reason, (o) => {
      const amount = formatMoney(money(o.totalMinor, o.currency));
      return `${sentence(d.reason)} The order is cancelled and your payment of ${amount} is voided: you have not been charged.`;
    });
  };

  readonly delivered: DeliveryHooks['delivered'] = async (tx, d) => {
    await this.deps.orders()?.note(tx, d.orderId, 'DELIVERED', { deliveryId: d.deliveryId, at: d.at, proof: d.proof });
  };

  readonly failed: DeliveryHooks['failed'] = async (tx, d) => {
    await this.deps.orders()?.note(tx, d.orderId, 'DELIVERY_FAILED', { deliveryId: d.deliveryId, reason: d.reason });
  };

  readonly returned: DeliveryHooks['returned'] = async (tx, d) => {
    const flows = this.deps.orders();
    const order = await flows?.get(tx, d.orderId);
    if (!flows || !order) return;
    const store = await new WorkflowRepository(tx).storeLabel(d.storeId);
    if (order.status !== 'PICKED_UP') {
      // The store's hand-over of the hold never reached the hub: nothing was captured, so the order is cancelled.
      await this.#turnBack(
        tx,
        d,
        'DELIVERY_RETURNED',
        `the delivery failed and the goods are back at ${store}`,
        (o) => {
          const amount = formatMoney(money(o.totalMinor, o.currency));
          return `Your delivery could not be completed and the goods are back at ${store}. The order is cancelled and your payment of ${amount} is voided.`;
        },
      );
      return;
    }
    await flows.note(tx, order.id, 'DELIVERY_RETURNED', { deliveryId: d.deliveryId, storeId: d.storeId });
    const asked = await flows.requestRefund(tx, order.id, {
      reason: 'the delivery failed; the goods are back in stock',
      deliveryId: d.deliveryId,
    });
    if (!asked) return; // refunded (or being refunded) already: once
    const amount = formatMoney(money(asked.totalMinor, asked.currency));
    await this.deps.outbox.enqueue(tx, {
      customerId: asked.customerId,
      orderId: asked.id,
      kind: 'DELIVERY_RETURNED',
      message: `Your delivery could not be completed and the goods are back at ${store}. Your payment of ${amount} is refunded in full.`,
    });
    // The provider is asked after the commit; a failure (or a capture still under way) is the retry job's to finish.
    tx.afterCommit(() => void this.#refund(asked.id));
  };

  /**
   * The order of a delivery that will not happen: its hold released under its row lock (no store hands it to a driver
   * any more), then the order, locked after it, turned back — a confirmed one cancelled and its customer told, one
   * whose saga is still running failed with `reason` (its checkout answers). An order already handed over or ended
   * gets only the timeline line.
   */
  async #turnBack(
    tx: Queryable,
    d: DeliveryOutcome,
    kind: string,
    reason: string,
    notice: (o: Order) => string,
  ): Promise<void> {
    const flows = this.deps.orders();
    const seen = await flows?.get(tx, d.orderId);
    if (!flows || !seen) return;
    const detail = { deliveryId: d.deliveryId, reason };
    if (seen.status !== 'CONFIRMED' && seen.status !== 'PENDING') return flows.note(tx, seen.id, kind, detail);
    const hold = await this.#release(tx, seen.reservationId);
    const order = (await flows.lock(tx, seen.id))!;
    const released = { ...detail, holdReleased: hold?.status === 'RELEASED' ? hold.id : null };
    if (hold?.status === 'FULFILLED') return flows.note(tx, order.id, kind, released); // the goods left after all
    if (order.status === 'PENDING') {
      await flows.failPending(tx, order, { kind, detail: released, reason });
      return;
    }
    if (order.status !== 'CONFIRMED' || !(await flows.cancel(tx, order, { kind, detail: released, reason })))
      return flows.note(tx, order.id, kind, released);
    await this.deps.outbox.enqueue(tx, {
      customerId: order.customerId,
      orderId: order.id,
      kind: 'ORDER_CANCELLED',
      message: notice(order),
    });
  }

  /** The hold released in the caller's transaction under its row lock; undefined for none (never granted). */
  async #release(tx: Queryable, reservationId: string | null): Promise<Reservation | undefined> {
    const holds = this.deps.holds();
    if (!holds || !reservationId) return undefined;
    try {
      return await holds.releaseUnlessPickedUp(tx, reservationId);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async #refund(orderId: string): Promise<void> {
    try {
      await this.deps.orders()?.refund(this.deps.db, orderId, null);
    } catch (err) {
      this.deps.log.warn(
        { err, orderId },
        'the refund of a returned delivery was not made now; the refund retry job finishes it',
      );
    }
  }
}

/** `14:30` at `ms` in the store's time zone (UTC for a store without a zone the runtime knows). */
export function clockTime(ms: number, zone: string | null): string {
  const format = (timeZone: string) =>
    new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
  try {
    return format(zone ?? 'UTC');
  } catch {
    return format('UTC');
  }
}

/** A reason as the first sentence of a notice: capitalised, ending with a full stop. */
const sentence = (reason: string): string => {
  const s = reason.trim();
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;
};
