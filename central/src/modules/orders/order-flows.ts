import { AppError, ConflictError } from '@storefleet/shared';
import type { Db, Queryable } from '../../db/db.js';
import type { OrderSaga } from './order-saga.js';
import { OrderRepository } from './repository.js';
import { compensationsWithoutHold } from './saga-rules.js';
import { REFUND_PROVIDER_DOWN, REFUND_RETRY_AFTER_MS } from './refund-retry.js';
import type { CustomerDirectory } from '../../kernel/ports/customers.js';
import type { Order } from './types.js';

/**
 * What the orders module lets the hub's cross-module flows (central/src/workflows/) do to an order, provided as
 * the port `ORDER_FLOWS`. Every method but `finish` runs in the caller's transaction (the one that changes the order's hold)
 * and locks the order's row; external parties (the payment provider) are called only after that transaction
 * commits, by the saga's runner and the capture runner, so a rolled-back change never moves money.
 */
export class OrderFlows {
  constructor(
    readonly deps: {
      readonly saga: () => OrderSaga;
      readonly customers: () => Pick<CustomerDirectory, 'linkStore'>;
      /** Asks the capture runner to run now (it also runs every second). */
      readonly captureSoon: () => void;
      readonly now: () => number;
    },
  ) {}

  /** The order standing on the hold, locked; undefined for a hold no order placed (a reservation from the API). */
  byHold(tx: Queryable, reservationId: string): Promise<Order | undefined> {
    return new OrderRepository(tx).lockByReservation(reservationId);
  }

  /** The order as it is (no lock). */
  get(q: Queryable, orderId: string): Promise<Order | undefined> {
    return new OrderRepository(q).get(orderId);
  }

  /** The order, locked. */
  lock(tx: Queryable, orderId: string): Promise<Order | undefined> {
    return new OrderRepository(tx).lock(orderId);
  }

  /** A line in the order's timeline. */
  note(tx: Queryable, orderId: string, kind: string, detail: unknown): Promise<void> {
    return new OrderRepository(tx).addEvent(orderId, kind, detail, this.deps.now());
  }

  /**
   * A confirmed order's goods were handed over at `storeId` at `at`: PICKED_UP, in its timeline, and its authorised
   * payment captured once this transaction commits. Undefined (nothing changed) when the order was not CONFIRMED.
   * A DELIVERY order's goods are handed over to the driver who collects them (the store hands its hold over at the
   * delivery desk): the same status and capture — the goods left the store, as a card is charged when goods ship —
   * and its timeline says HANDED_TO_DRIVER.
   */
  async pickedUp(
    tx: Queryable,
    order: Order,
    where: { readonly storeId: string; readonly at: number },
  ): Promise<Order | undefined> {
    const repo = new OrderRepository(tx);
    const done = await repo.markPickedUp(order.id, where.storeId, where.at, this.deps.now());
    if (!done) return undefined;
    await repo.addEvent(
      order.id,
      order.fulfilment.type === 'DELIVERY' ? 'HANDED_TO_DRIVER' : 'PICKED_UP',
      { storeId: where.storeId, at: where.at },
      this.deps.now(),
    );
    tx.afterCommit(this.deps.captureSoon);
    return done;
  }

  /**
   * Cancels a confirmed order whose hold has already ended (released under its lock by the caller, expired, cancelled
   * by repair): `kind` and `detail` go in its timeline, and once this transaction commits the saga's runner voids or
   * refunds the payment (and cancels a shipment) and ends it CANCELLED. Undefined when the order was not CONFIRMED.
   */
  async cancel(
    tx: Queryable,
    order: Order,
    why: { readonly kind: string; readonly detail?: unknown; readonly reason?: string },
  ): Promise<Order | undefined> {
    const repo = new OrderRepository(tx);
    const turned = await repo.beginCancel(
      order.id,
      compensationsWithoutHold(order.fulfilmentRef),
      why.reason ?? null,
      this.deps.now(),
    );
    if (!turned) return undefined;
    await repo.addEvent(order.id, why.kind, why.detail ?? null, this.deps.now());
    tx.afterCommit(() => this.#driveSoon(order.id));
    return turned;
  }

  /**
   * Refunds a picked-up order's captured payment in full, once. The request is written first (`REFUND_REQUESTED`,
   * with who asked and the amount, under the order's row lock) and committed; only then is the provider asked to refund
   * by the order's key (idempotent), and `REFUNDED` recorded. A provider call that fails leaves the request standing and
   * answers 503 (`REFUND_PROVIDER_DOWN`): the `orders.retry-refunds` job finishes it after a minute, and the same refund
   * asked again calls the provider again, never a second refund. Refused (ConflictError) for an order that
   * is not picked up, whose payment is not captured yet, or that was refunded already; undefined for no such order.
   */
  async refund(db: Db, orderId: string, by: string | null): Promise<Order | undefined> {
    const asked = await db.transaction(async (tx) => {
      const repo = new OrderRepository(tx);
      const order = await repo.lock(orderId);
      if (!order) return undefined;
      if (order.status === 'CONFIRMED')
        throw new ConflictError(`order ${orderId} is CONFIRMED, not handed over yet: cancel it instead`, {
          status: order.status,
        });
      if (order.status !== 'PICKED_UP')
        throw new ConflictError(`order ${orderId} is ${order.status}; only a picked-up order is refunded`, {
          status: order.status,
        });
      if (order.paymentCapturedAt === null)
        throw new ConflictError(`the payment of order ${orderId} is still being captured; try again in a minute`);
      const events = await repo.events(orderId);
      const refunded = events.find((e) => e.kind === 'REFUNDED');
      if (refunded)
        throw new ConflictError(`order ${orderId} was already refunded at ${new Date(refunded.at).toISOString()}`, {
          refundedAt: refunded.at,
        });
      if (!events.some((e) => e.kind === 'REFUND_REQUESTED')) await this.#askRefund(repo, order, { by });
      return order;
    });
    if (!asked) return undefined;
    try {
      await this.deps.saga().deps.payments.void(orderId);
    } catch (err) {
      // The request stands (committed above): the `orders.retry-refunds` job finishes it; the caller is told so.
      throw new AppError('unavailable', REFUND_PROVIDER_DOWN, { orderId, refundRequested: true }, { cause: err });
    }
    await db.transaction(async (tx) => {
      const repo = new OrderRepository(tx);
      await repo.lock(orderId);
      if (!(await repo.events(orderId)).some((e) => e.kind === 'REFUNDED'))
        await repo.addEvent(
          orderId,
          'REFUNDED',
          { amountMinor: asked.totalMinor, currency: asked.currency },
          this.deps.now(),
        );
      await repo.refundMade(orderId);
    });
    return new OrderRepository(db).get(orderId);
  }

  /**
   * Turns back an order whose saga is still running (PENDING) because what it waits on ended outside it (its delivery
   * found no carrier before the saga confirmed it): COMPENSATING towards FAILED with `reason`, `kind` and `detail` in
   * its timeline. The running saga is fenced off (its next record is refused; it answers this outcome), and once this
   * transaction commits a runner cancels the fulfilment (asked for, perhaps, before its record committed) and voids the
   * payment; the caller released the hold under its lock. Undefined when the order was not PENDING.
   */
  async failPending(
    tx: Queryable,
    order: Order,
    why: { readonly kind: string; readonly detail?: unknown; readonly reason: string },
  ): Promise<Order | undefined> {
    const repo = new OrderRepository(tx);
    const turned = await repo.beginFail(order.id, ['CANCEL_FULFILMENT', 'VOID_PAYMENT'], why.reason, this.deps.now());
    if (!turned) return undefined;
    await repo.addEvent(order.id, why.kind, why.detail ?? null, this.deps.now());
    tx.afterCommit(() => this.#driveSoon(order.id));
    return turned;
  }

  /** The saga's runner, after a commit that turned the order back; a failure is retried by the resume job. */
  #driveSoon(orderId: string): void {
    void this.deps
      .saga()
      .drive(orderId)
      .catch((err: unknown) =>
        this.deps
          .saga()
          .deps.log.warn({ err, orderId }, 'a turned-back order could not be finished now; its runner retries'),
      );
  }

  /**
   * A refund asked for by a flow, in its transaction (a failed delivery's goods are back at the store: the workflows'
   * `returned` hook): under the order's row lock, REFUND_REQUESTED is written and the retry job's first try scheduled,
   * as the refund route writes them; after the commit the caller runs `refund` (or leaves it to the job), which asks
   * the provider. Once per order: undefined, nothing written, when a refund was asked for or made before, or the order
   * was never handed over (PICKED_UP). A payment still being captured is refunded by the job after it.
   */
  async requestRefund(
    tx: Queryable,
    orderId: string,
    why: { readonly reason: string; readonly deliveryId?: string },
  ): Promise<Order | undefined> {
    const repo = new OrderRepository(tx);
    const order = await repo.lock(orderId);
    if (order?.status !== 'PICKED_UP') return undefined;
    const events = await repo.events(orderId);
    if (events.some((e) => e.kind === 'REFUND_REQUESTED' || e.kind === 'REFUNDED')) return undefined;
    await this.#askRefund(repo, order, { by: null, ...why });
    return order;
  }

  /** The refund's request in the order's timeline and the retry job's first try, under the order's row lock. */
  async #askRefund(repo: OrderRepository, order: Order, detail: Record<string, unknown>): Promise<void> {
    const at = this.deps.now();
    await repo.addEvent(
      order.id,
      'REFUND_REQUESTED',
      { amountMinor: order.totalMinor, currency: order.currency, ...detail },
      at,
    );
    // the job's first try, should the provider call that follows fail or this process die before it
    await repo.scheduleRefund(order.id, order.totalMinor, order.currency, at + REFUND_RETRY_AFTER_MS);
  }

  /** Runs what a cancelled order owes (after `cancel` committed) and answers the order as it ends. */
  finish(orderId: string): Promise<Order> {
    return this.deps.saga().finish(orderId);
  }

  /**
   * Oversell repair moved the order's hold: the order is fulfilled from `toStoreId` from now on (its pickup store for
   * a store fulfilment), that store may see its customer, and its timeline says so. Undefined when no order has the hold.
   */
  async followHold(
    tx: Queryable,
    move: { readonly reservationId: string; readonly fromStoreId: string; readonly toStoreId: string },
  ): Promise<Order | undefined> {
    const repo = new OrderRepository(tx);
    const order = await repo.followHold(move.reservationId, move.toStoreId, this.deps.now());
    if (!order) return undefined;
    await repo.addEvent(
      order.id,
      'HOLD_MOVED',
      { fromStoreId: move.fromStoreId, toStoreId: move.toStoreId },
      this.deps.now(),
    );
    if (order.fulfilment.type !== 'SHIP')
      await this.deps.customers().linkStore(order.customerId, move.toStoreId, 'order', tx);
    return order;
  }
}
