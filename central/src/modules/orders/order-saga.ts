import { AppError, applyRatePpm, cartDocId, cartQty, ConflictError, DEFAULT_TAX_RATES_PPM, money, NotFoundError, setCartQty, uuidv7, type CartDoc, type UserId } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import type { HubDocs } from '../../sync/docs/hub-docs.js';
import { PaymentTimeoutError, type PaymentProvider } from './payments.js';
import { OrderRepository, type OrderPatch } from './repository.js';
import { compensationsFor, nextStep, type Compensation, type Step } from './saga-rules.js';
import type { Order, OrderFulfilment, OrderLine, Reservations, Warehouse } from './types.js';

const LEASE_MS = 5000;
const HOLD_TTL_MS = 15 * 60_000;
const SYSTEM = { kind: 'user', userId: '00000000-0000-7000-8000-000000000000' as UserId, role: 'ADMIN', storeId: null } as const;

/** A step that cannot succeed: the saga compensates and the order ends FAILED with this reason. */
class StepFailed extends Error {}

export interface SagaDeps {
  readonly db: Db;
  readonly reservations: () => Reservations;
  readonly payments: PaymentProvider;
  readonly warehouse: Warehouse;
  readonly availability: () => { dcsCovering(lines: readonly { sku: string; qty: number }[]): Promise<{ id: string }[]> };
  readonly docs: HubDocs;
  readonly log: Logger;
  readonly now: () => number;
  /** Fault injection for the crash tests: the process SIGKILLs itself right after persisting this step. */
  readonly crashAfter?: string | undefined;
}

export interface NewOrder {
  readonly customerId: string;
  readonly customerName: string;
  readonly placeKey: string;
  readonly lines: OrderLine[];
  readonly fulfilment: Omit<OrderFulfilment, 'locationId'>;
  readonly fromCart: boolean;
  readonly currency: string;
}

/**
 * The order saga: RESERVE (a hold at the store, or at a distribution centre for SHIP) → AUTHORISE (the payment
 * provider, keyed by the order id) → FULFIL (a shipment, a store pickup, or a delivery request) → CONFIRM (the hold
 * becomes a pickup). Each step's outcome is committed before the next begins, under a lease, so a hub that dies
 * mid-saga leaves an order that any replica resumes; each step is idempotent by the order's own keys (the hold's id
 * is written before it is asked for; the payment and the shipment are keyed by the order id). A failure compensates
 * what was done, newest first.
 */
export class OrderSaga {
  constructor(readonly deps: SagaDeps) {}

  get #repo(): OrderRepository {
    return new OrderRepository(this.deps.db);
  }

  async place(input: NewOrder): Promise<{ order: Order; created: boolean }> {
    const now = this.deps.now();
    const subtotal = input.lines.reduce((n, l) => n + l.unitPriceMinor * l.qty, 0);
    const tax = input.lines.reduce((n, l) => n + applyRatePpm(money(l.unitPriceMinor * l.qty, input.currency), DEFAULT_TAX_RATES_PPM[l.taxClass] ?? 0).minor, 0);
    const { order, created } = await this.#repo.insertOrGet({
      id: uuidv7(now),
      customerId: input.customerId,
      placeKey: input.placeKey,
      status: 'PENDING',
      step: 'RESERVE',
      fulfilment: { ...input.fulfilment, locationId: null },
      lines: input.lines,
      fromCart: input.fromCart,
      subtotalMinor: subtotal,
      taxMinor: tax,
      totalMinor: subtotal + tax,
      currency: input.currency,
      createdAt: now,
      updatedAt: now,
    }, now + LEASE_MS);
    if (!created) return { order: await this.settled(order.id), created };
    await this.#repo.addEvent(order.id, 'PLACED', { customerName: input.customerName, total: subtotal + tax }, now);
    return { order: await this.drive(order.id, input.customerName, true), created };
  }

  /** A repeated `place` while the first is still running: wait (a little) for its outcome. */
  async settled(id: string): Promise<Order> {
    for (let i = 0; ; i++) {
      const o = (await this.#repo.get(id))!;
      if ((o.status !== 'PENDING' && o.status !== 'COMPENSATING') || i >= 100) return o;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs the saga to its end if no other runner holds it (`owned`: this caller holds the lease); returns the order. */
  async drive(id: string, customerName = 'customer', owned = false): Promise<Order> {
    let order = await this.#repo.claim(id, this.deps.now(), LEASE_MS, owned);
    if (!order) return (await this.#repo.get(id))!;
    try {
      while (order.status === 'PENDING' || order.status === 'COMPENSATING') {
        order = (await this.#repo.claim(id, this.deps.now(), LEASE_MS, true)) ?? order;
        if (order.status === 'PENDING') order = await this.#forward(order, customerName);
        else order = await this.#compensate(order);
      }
    } finally {
      await this.#repo.releaseLease(id);
    }
    return order;
  }

  /** A customer's cancellation before pickup: compensations run, the order ends CANCELLED. */
  async cancel(id: string): Promise<Order> {
    const order = await this.#repo.get(id);
    if (!order) throw new NotFoundError('order', id);
    if (order.status === 'CANCELLED') return order;
    if (order.status !== 'CONFIRMED') throw new ConflictError(`order ${id} is ${order.status}; only confirmed orders can be cancelled`);
    if (order.reservationId) {
      const hold = await this.deps.reservations().get(order.reservationId);
      if (hold.status === 'FULFILLED') throw new ConflictError(`order ${id} was picked up; return it at a store instead`);
    }
    const now = this.deps.now();
    await this.#repo.update(id, { status: 'COMPENSATING', endStatus: 'CANCELLED', compensations: compensationsFor(order) }, now);
    await this.#repo.addEvent(id, 'CANCEL_REQUESTED', null, now);
    return this.drive(id);
  }

  /** Orders whose runner died (lease expired): resumed here. */
  async resumeStale(limit = 20): Promise<number> {
    const ids = await this.#repo.stale(this.deps.now(), limit);
    for (const id of ids) await this.drive(id).catch((err: unknown) => this.deps.log.error({ err, orderId: id }, 'order saga could not resume'));
    return ids.length;
  }

  /** The provider's callback (late or duplicated): an approval for an order that is no longer waiting is voided. */
  async paymentCallback(key: string, status: string): Promise<void> {
    const order = await this.#repo.get(key);
    if (!order || status !== 'APPROVED') return;
    const waiting = order.status === 'PENDING' && order.step === 'AUTHORISE';
    const kept = order.status === 'CONFIRMED' || (order.status === 'PENDING' && order.paymentRef);
    if (!waiting && !kept) {
      await this.deps.payments.void(key);
      await this.#repo.addEvent(key, 'LATE_PAYMENT_VOIDED', null, this.deps.now());
    }
  }

  async #forward(order: Order, customerName: string): Promise<Order> {
    const step = order.step as Step | 'DONE';
    const now = this.deps.now();
    if (step === 'DONE') {
      const done = await this.#repo.update(order.id, { status: 'CONFIRMED' }, now);
      await this.#repo.addEvent(order.id, 'CONFIRMED', null, now);
      if (order.fromCart) await this.#takeFromCart(order);
      return done;
    }
    let patch: OrderPatch;
    try {
      patch = await this.#run(step, order, customerName);
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err; // unexpected (database down…): the lease lapses, a runner retries
      const fresh = (await this.#repo.get(order.id))!;
      const failed = await this.#repo.update(order.id, { status: 'COMPENSATING', endStatus: 'FAILED', failure: err.message, compensations: compensationsFor(fresh) }, this.deps.now());
      await this.#repo.addEvent(order.id, `${step}_FAILED`, { reason: err.message }, this.deps.now());
      this.#maybeCrash(`${step}_FAILED`);
      return failed;
    }
    const next = await this.#repo.update(order.id, { ...patch, step: nextStep(step) }, this.deps.now());
    await this.#repo.addEvent(order.id, step, patch, this.deps.now());
    this.#maybeCrash(step);
    return next;
  }

  async #run(step: Step, order: Order, customerName: string): Promise<OrderPatch> {
    const d = this.deps;
    switch (step) {
      case 'RESERVE': {
        const lines = order.lines.map((l) => ({ sku: l.sku, qty: l.qty }));
        let location = order.fulfilment.locationId ?? order.fulfilment.storeId;
        if (order.fulfilment.type === 'SHIP' && !order.fulfilment.locationId) {
          location = (await d.availability().dcsCovering(lines))[0]?.id ?? null;
          if (!location) throw new StepFailed('out of stock: no distribution centre can ship every line');
        }
        // The hold's id is committed before the hold is asked for, so a crash in between is found again, not doubled.
        const reservationId = order.reservationId ?? uuidv7(d.now());
        if (!order.reservationId || !order.fulfilment.locationId) {
          await this.#repo.update(order.id, { reservationId, fulfilment: { ...order.fulfilment, locationId: location } }, d.now());
        }
        const existing = await d.reservations().get(reservationId).catch(() => undefined);
        if (!existing) {
          try {
            await d.reservations().reserve({ id: reservationId, storeId: location!, customerRef: customerName, lines, ttlMs: HOLD_TTL_MS, fromDistributionCentre: order.fulfilment.type === 'SHIP' });
          } catch (err) {
            if (err instanceof AppError) throw new StepFailed(`out of stock: ${err.message}`);
            throw err;
          }
        }
        return {};
      }
      case 'AUTHORISE': {
        if (!order.paymentAttempted) await this.#repo.update(order.id, { paymentAttempted: true }, d.now());
        let result;
        try {
          result = await d.payments.authorise({ key: order.id, amountMinor: order.totalMinor, currency: order.currency });
        } catch (err) {
          if (err instanceof PaymentTimeoutError) throw new StepFailed(`payment timed out: ${err.message}`);
          throw err;
        }
        if (!result.approved) throw new StepFailed(`payment declined: ${result.reason}`);
        return { paymentRef: result.ref };
      }
      case 'FULFIL': {
        const type = order.fulfilment.type;
        if (type === 'SHIP') {
          try {
            return { fulfilmentRef: (await d.warehouse.createShipment({ key: order.id, dcId: order.fulfilment.locationId!, lines: order.lines })).ref };
          } catch (err) {
            throw new StepFailed(`the warehouse refused the shipment: ${(err as Error).message}`);
          }
        }
        // PICKUP and CURBSIDE: the hold is already in the store's BOPIS list (its feed); DELIVERY is recorded as a
        // request until a delivery module takes it.
        return { fulfilmentRef: type === 'DELIVERY' ? `delivery-request:${order.id}` : `store-pickup:${order.reservationId}` };
      }
      case 'CONFIRM': {
        try {
          await d.reservations().confirm(order.reservationId!);
        } catch (err) {
          if (err instanceof AppError) throw new StepFailed(`the hold could not be confirmed: ${err.message}`);
          throw err;
        }
        return {};
      }
    }
  }

  async #compensate(order: Order): Promise<Order> {
    const [first, ...rest] = order.compensations;
    const now = this.deps.now();
    if (!first) {
      const end = await this.#repo.update(order.id, { status: order.endStatus ?? 'FAILED' }, now);
      await this.#repo.addEvent(order.id, end.status, { reason: order.failure }, now);
      return end;
    }
    await this.#undo(first, order);
    const next = await this.#repo.update(order.id, { compensations: rest, ...(first === 'CANCEL_FULFILMENT' ? { fulfilmentRef: null } : {}) }, this.deps.now());
    await this.#repo.addEvent(order.id, first, null, this.deps.now());
    this.#maybeCrash(first);
    return next;
  }

  async #undo(c: Compensation, order: Order): Promise<void> {
    switch (c) {
      case 'CANCEL_FULFILMENT':
        if (order.fulfilment.type === 'SHIP') await this.deps.warehouse.cancelShipment(order.id);
        return;
      case 'VOID_PAYMENT':
        return this.deps.payments.void(order.id);
      case 'RELEASE_HOLD':
        await this.deps.reservations()
          .release(order.reservationId!)
          .catch((err: unknown) => {
            // Never granted, already expired or released: nothing is held.
            if (!(err instanceof AppError)) throw err;
          });
    }
  }

  async #takeFromCart(order: Order): Promise<void> {
    await this.deps.docs
      .change<CartDoc>(SYSTEM, cartDocId(order.customerId), (d) => {
        for (const l of order.lines) setCartQty(d, l.sku, cartQty(d, l.sku) - l.qty);
      })
      .catch((err: unknown) => this.deps.log.warn({ err, orderId: order.id }, 'the ordered lines could not be taken out of the cart'));
  }

  #maybeCrash(point: string): void {
    if (this.deps.crashAfter === point) process.kill(process.pid, 'SIGKILL');
  }
}
