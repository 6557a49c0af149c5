import { createHash } from 'node:crypto';
import {
  AppError,
  applyRatePpm,
  cartDocId,
  cartQty,
  ConflictError,
  DEFAULT_TAX_RATES_PPM,
  money,
  NotFoundError,
  setCartQty,
  uuidv7,
  type CartDoc,
  type UserId,
} from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../../db/db.js';
import type { HubDocs } from '../../kernel/module-contract.js';
import { PaymentTimeoutError, type PaymentProvider } from './payments.js';
import { OrderRepository, type Claimed, type OrderPatch, type StepRecord } from './repository.js';
import { LeaseLostError, SagaLease } from './saga-lease.js';
import { CallBatcher } from '../../kernel/call-batcher.js';
import { compensationsFor, nextStep, type Compensation, type Step } from './saga-rules.js';
import type { Reservations } from '../../kernel/ports/reservations.js';
import type { DeliveryDesk } from '../../kernel/ports/delivery.js';
import type { HubPricer } from '../../kernel/ports/pricing.js';
import type { Order, OrderFulfilment, OrderLine, Warehouse } from './types.js';

const LEASE_MS = 5000;
const HOLD_TTL_MS = 15 * 60_000;
const SYSTEM = {
  kind: 'user',
  userId: '00000000-0000-7000-8000-000000000000' as UserId,
  role: 'ADMIN',
  storeId: null,
} as const;

/**
 * The id of an order's hold, derived from the order's id: after a crash the saga finds the hold it may have been
 * granted without having had to record anything first.
 */
export function holdIdOf(orderId: string): string {
  const h = createHash('sha256').update(`order-hold:${orderId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The group commit of saga step records (the hub's one batcher): records of concurrent orders share commits, one
 * order's records never share a batch, and a record the database refuses fails its own order alone.
 */
export function stepRecords(
  db: Db,
  batches: number,
  inConfirmCommit?: SagaDeps['inConfirmCommit'],
): CallBatcher<StepRecord, Order | undefined> {
  const record = async (steps: readonly StepRecord[]) => {
    if (!inConfirmCommit || !steps.some((s) => s.patch.status === 'CONFIRMED'))
      return new OrderRepository(db).recordMany(steps);
    // A batch that confirms orders: their records and what follows a confirmation in the database share one commit.
    return db.transaction(async (tx) => {
      const orders = await new OrderRepository(tx).recordMany(steps);
      const confirmed = orders.filter((o, i): o is Order => !!o && steps[i]!.patch.status === 'CONFIRMED');
      if (confirmed.length) await inConfirmCommit(tx, confirmed);
      return orders;
    });
  };
  return new CallBatcher(record, {
    concurrency: batches,
    maxBatch: 128,
    clash: (a, b) => a.id === b.id,
  });
}

/** An order's totals from its lines' unit prices (a hub without a pricing module): no discounts. */
function catalogTotals(
  lines: readonly OrderLine[],
  currency: string,
): { subtotalMinor: number; taxMinor: number; totalMinor: number; discountMinor: number } {
  const subtotal = lines.reduce((n, l) => n + l.unitPriceMinor * l.qty, 0);
  const tax = lines.reduce(
    (n, l) => n + applyRatePpm(money(l.unitPriceMinor * l.qty, currency), DEFAULT_TAX_RATES_PPM[l.taxClass] ?? 0).minor,
    0,
  );
  return { subtotalMinor: subtotal, taxMinor: tax, totalMinor: subtotal + tax, discountMinor: 0 };
}

/** A step that cannot succeed: the saga compensates and the order ends FAILED with this reason. */
class StepFailed extends Error {}

export interface SagaDeps {
  readonly db: Db;
  readonly reservations: () => Reservations;
  readonly payments: PaymentProvider;
  readonly warehouse: Warehouse;
  /** The last-mile desk DELIVERY orders are handed to (the delivery module); undefined in a hub without one. */
  readonly delivery?: (() => DeliveryDesk | undefined) | undefined;
  /**
   * The pricer (issue #25) that gives an order's coupons back when it ends FAILED or CANCELLED; undefined in a hub
   * without pricing (whose orders hold no coupons).
   */
  readonly pricing?: (() => Pick<HubPricer, 'release'> | undefined) | undefined;
  readonly availability: () => {
    dcsCovering(lines: readonly { sku: string; qty: number }[]): Promise<{ id: string }[]>;
  };
  readonly docs: HubDocs;
  readonly log: Logger;
  readonly now: () => number;
  /**
   * Told once an order is confirmed (by its placer or a runner that resumed it), before `place` answers: the orders
   * module links the order's stores to its customer here. A throw is logged; the order stays confirmed.
   */
  readonly onConfirmed?: ((order: Order) => Promise<void>) | undefined;
  /**
   * Told in the transaction that records orders as CONFIRMED (the step records' group commit), with those orders: the
   * orders module records their purchases for recommendations there, so a confirmation and its purchases commit
   * together (a rolled-back batch records none; a confirmation recorded again records nothing twice). It must not
   * throw for anything an order may hold: a throw refuses the record.
   */
  readonly inConfirmCommit?: ((tx: Queryable, orders: readonly Order[]) => Promise<void>) | undefined;
  /** Step-record batches in flight at once (ORDER_RECORD_BATCHES_IN_FLIGHT, default 1; see `npm run bench -- orders`). */
  readonly recordBatches?: number | undefined;
  /** How long a runner's lease lasts unrenewed (default 5 s); it is renewed every third of that while the runner works. */
  readonly leaseMs?: number | undefined;
  /** Fault injection for the crash tests (the harness's `testHooks`): the process SIGKILLs itself right after persisting this step. */
  readonly crashAfter?: string | undefined;
}

export interface NewOrder {
  readonly customerId: string;
  readonly customerName: string;
  readonly placeKey: string;
  /** The store whose lane or kiosk places it (null for the web, apps and head office). */
  readonly placedStoreId: string | null;
  readonly lines: OrderLine[];
  readonly fulfilment: Omit<OrderFulfilment, 'locationId'>;
  readonly fromCart: boolean;
  readonly currency: string;
  /**
   * The basket as PRICING priced it (issue #25): its net totals replace the catalog sum (the lines carry their unit
   * price and discount). Absent in a hub without a pricing module.
   */
  readonly priced?: {
    readonly subtotalMinor: number;
    readonly taxMinor: number;
    readonly totalMinor: number;
    readonly discountMinor: number;
    readonly promotions: Order['promotions'];
    readonly coupons: Order['coupons'];
  };
  /**
   * Runs in the transaction that inserts a NEW order (its coupons are redeemed there): a throw refuses the order
   * (nothing created). Not run when the place key found an order placed before.
   */
  readonly inInsert?: (tx: Queryable, orderId: string, now: number) => Promise<void>;
}

/**
 * The order saga: RESERVE (a hold at the store, or at a distribution centre for SHIP) → AUTHORISE (the payment
 * provider, keyed by the order id) → FULFIL (a shipment, a store pickup, or a delivery handed to the delivery desk) →
 * CONFIRM (the hold becomes a pickup, or for a delivery what the driver collects). Step outcomes are committed under a lease, so a hub that dies mid-saga leaves an order that any
 * replica resumes; each step is idempotent by the order's own keys (the hold's id is derived from the order's; the
 * payment and the shipment are keyed by the order id), which lets a step share the next one's commit where repeating
 * it after a crash is harmless (`#joinsCommit`). A failure compensates what was done, newest first.
 */
export class OrderSaga {
  /** Step records of concurrent orders share commits (one order's records still commit in order). */
  readonly #records: CallBatcher<StepRecord, Order | undefined>;
  readonly #leaseMs: number;

  constructor(readonly deps: SagaDeps) {
    this.#leaseMs = deps.leaseMs ?? LEASE_MS;
    this.#records = stepRecords(deps.db, deps.recordBatches ?? 1, deps.inConfirmCommit);
  }

  /** Records a step under the runner's lease epoch; throws LeaseLostError (nothing written) when another runner took over. */
  async #record(
    lease: SagaLease,
    patch: OrderPatch,
    events: StepRecord['events'],
    now: number,
    leaseUntil: number,
  ): Promise<Order> {
    const order = await this.#records.call({ id: lease.orderId, patch, events, now, leaseUntil, epoch: lease.epoch });
    if (!order) throw new LeaseLostError(lease.orderId);
    return order;
  }

  get #repo(): OrderRepository {
    return new OrderRepository(this.deps.db);
  }

  async place(input: NewOrder): Promise<{ order: Order; created: boolean }> {
    const now = this.deps.now();
    const totals = input.priced ?? catalogTotals(input.lines, input.currency);
    const id = uuidv7(now);
    const insert = (repo: OrderRepository) =>
      repo.insertOrGet(
        {
          id,
          customerName: input.customerName,
          reservationId: holdIdOf(id),
          customerId: input.customerId,
          placeKey: input.placeKey,
          placedStoreId: input.placedStoreId,
          status: 'PENDING',
          step: 'RESERVE',
          fulfilment: { ...input.fulfilment, locationId: null },
          lines: input.lines,
          fromCart: input.fromCart,
          subtotalMinor: totals.subtotalMinor,
          taxMinor: totals.taxMinor,
          totalMinor: totals.totalMinor,
          discountMinor: totals.discountMinor,
          promotions: input.priced?.promotions ?? [],
          coupons: input.priced?.coupons ?? [],
          currency: input.currency,
          createdAt: now,
          updatedAt: now,
        },
        now + this.#leaseMs,
        { customerName: input.customerName, total: totals.totalMinor },
      );
    const inInsert = input.inInsert;
    const { order, created, epoch } = inInsert
      ? await this.deps.db.transaction(async (tx) => {
          const placed = await insert(new OrderRepository(tx));
          if (placed.created) await inInsert(tx, placed.order.id, now);
          return placed;
        })
      : await insert(this.#repo);
    if (!created) return { order: await this.settled(order.id), created };
    return { order: await this.drive(order.id, { order, epoch }, true), created };
  }

  /** A repeated `place` while the first is still running: wait (a little) for its outcome. */
  async settled(id: string): Promise<Order> {
    for (let i = 0; ; i++) {
      const o = (await this.#repo.get(id))!;
      if ((o.status !== 'PENDING' && o.status !== 'COMPENSATING') || i >= 100) return o;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Runs the saga to its end if no other runner holds it (`owned`: the order as its placer holds it; `fresh`: just
   * inserted by this runner, so no step of it can have run before).
   */
  async drive(id: string, owned?: Claimed, fresh = false): Promise<Order> {
    const claimed = owned ?? (await this.#repo.claim(id, this.deps.now(), this.#leaseMs));
    if (!claimed) return (await this.#repo.get(id))!;
    const lease = new SagaLease(id, claimed.epoch, {
      repo: () => this.#repo,
      leaseMs: this.#leaseMs,
      now: this.deps.now,
      log: this.deps.log,
    }).start();
    let order = claimed.order;
    try {
      while (order.status === 'PENDING' || order.status === 'COMPENSATING') {
        lease.held();
        order =
          order.status === 'PENDING' ? await this.#forward(order, lease, fresh) : await this.#compensate(order, lease);
        fresh = false;
      }
    } catch (err) {
      await lease.stop();
      if (err instanceof LeaseLostError) {
        // Another runner took the order over after this one's lease expired: its outcome is the order's.
        this.deps.log.warn({ orderId: id, epoch: lease.epoch }, err.message);
        return this.settled(id);
      }
      await this.#repo.releaseLease(id, lease.epoch).catch(() => undefined); // let a resumer retry at once
      throw err;
    }
    await lease.stop();
    return order;
  }

  /**
   * An order turned back outside its saga (a cancellation, a no-show: central/src/workflows/): runs what it owes now if
   * no other runner took it first, else waits a little for that runner's outcome.
   */
  async finish(id: string): Promise<Order> {
    const order = await this.drive(id);
    return order.status === 'COMPENSATING' ? this.settled(id) : order;
  }

  /**
   * Orders whose runner died (lease expired): resumed here, one after another, the next not begun once `signal`
   * aborts (the hub is stopping). The orders module's `orders.resume-sagas` job calls it each second.
   */
  async resumeStale(limit = 20, signal?: AbortSignal): Promise<number> {
    const ids = await this.#repo.stale(this.deps.now(), limit);
    let resumed = 0;
    for (const id of ids) {
      if (signal?.aborted) break;
      resumed++;
      await this.drive(id).catch((err: unknown) =>
        this.deps.log.error({ err, orderId: id }, 'order saga could not resume'),
      );
    }
    return resumed;
  }

  /**
   * The provider's callback (early, late or duplicated): an approval for an order that has turned back (compensating,
   * failed or cancelled) is voided. A PENDING order is left to its saga, whose authorisation may still be in flight
   * (its outcome is recorded only with the next commit): it keeps the payment, or voids it by key if it turns back.
   */
  async paymentCallback(key: string, status: string): Promise<void> {
    const order = await this.#repo.get(key);
    if (!order || status !== 'APPROVED') return;
    if (order.status !== 'PENDING' && order.status !== 'CONFIRMED' && order.status !== 'PICKED_UP') {
      await this.deps.payments.void(key);
      await this.#repo.addEvent(key, 'LATE_PAYMENT_VOIDED', null, this.deps.now());
    }
  }

  async #forward(order: Order, lease: SagaLease, fresh: boolean): Promise<Order> {
    let step = order.step as Step | 'DONE';
    if (step === 'DONE')
      return this.#confirmed(
        await this.#record(lease, { status: 'CONFIRMED' }, [{ kind: 'CONFIRMED' }], this.deps.now(), 0),
      );
    let patch: OrderPatch = {};
    const done: { kind: string; detail: OrderPatch & { tookMs?: number } }[] = [];
    try {
      for (let prev: Step | undefined; step !== 'DONE' && (!prev || this.#joinsCommit(prev, step, order)); ) {
        lease.held();
        const started = performance.now();
        const p = await this.#run(step, { ...order, ...patch } as Order, fresh);
        // how long the step took (the console's timeline shows it: "RESERVE 120 ms"); steps sharing a commit share `at`
        done.push({ kind: step, detail: { ...p, tookMs: Math.round(performance.now() - started) } });
        patch = { ...patch, ...p };
        prev = step;
        step = nextStep(step);
        // A step whose outcome waits for the next one's commit: a crash here leaves it done but unrecorded.
        if (step !== 'DONE' && this.#joinsCommit(prev, step, order)) this.#maybeCrash(prev);
      }
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err; // unexpected (database down…): the lease is released, a runner retries
      const now = this.deps.now();
      const failed = await this.#record(
        lease,
        {
          ...patch,
          status: 'COMPENSATING',
          endStatus: 'FAILED',
          failure: err.message,
          compensations: compensationsFor({
            at: step as Step,
            fulfilmentRef: patch.fulfilmentRef ?? order.fulfilmentRef,
          }),
        },
        [...done, { kind: `${step}_FAILED`, detail: { reason: err.message } }],
        now,
        now + this.#leaseMs,
      );
      this.#maybeCrash(`${step}_FAILED`);
      return failed;
    }
    const now = this.deps.now();
    // The last step and the confirmation share one commit.
    const over = step === 'DONE';
    const recorded = await this.#record(
      lease,
      { ...patch, step, ...(over ? { status: 'CONFIRMED' as const } : {}) },
      [...done, ...(over ? [{ kind: 'CONFIRMED' }] : [])],
      now,
      over ? 0 : now + this.#leaseMs,
    );
    this.#maybeCrash(done.at(-1)!.kind);
    if (!over) return recorded;
    if (order.fromCart) await this.#takeFromCart(recorded);
    return this.#confirmed(recorded);
  }

  async #confirmed(order: Order): Promise<Order> {
    await this.deps
      .onConfirmed?.(order)
      .catch((err: unknown) =>
        this.deps.log.warn(
          { err, orderId: order.id },
          'an order was confirmed but what follows its confirmation failed',
        ),
      );
    return order;
  }

  /**
   * Whether `next` may run before `prev`'s outcome is committed, the two sharing one commit. A crash between them must
   * then repeat nothing harmful: true after RESERVE (a resumed saga finds the hold by its derived id rather than take
   * a second), and before a step that only computes (a store pickup is only recorded). Every other step commits its
   * outcome before the next begins: a shipment or a delivery (offered to carriers at once) is only asked for once the
   * payment's approval is committed, so an order that turns back after a crash knows to cancel it.
   */
  #joinsCommit(prev: Step, next: Step, order: Order): boolean {
    return (
      prev === 'RESERVE' ||
      (next === 'FULFIL' && (order.fulfilment.type === 'PICKUP' || order.fulfilment.type === 'CURBSIDE'))
    );
  }

  async #run(step: Step, order: Order, fresh: boolean): Promise<OrderPatch> {
    const d = this.deps;
    switch (step) {
      case 'RESERVE': {
        const lines = order.lines.map((l) => ({ sku: l.sku, qty: l.qty }));
        const reservationId = order.reservationId!;
        // Granted before a crash? The hold's id is derived from the order's, so it is found rather than doubled.
        const existing = fresh
          ? undefined
          : await d
              .reservations()
              .get(reservationId)
              .catch((err: unknown) => {
                if (err instanceof NotFoundError) return undefined; // never granted: ask for it now
                throw err;
              });
        if (existing) return { fulfilment: { ...order.fulfilment, locationId: existing.storeId } };
        let location = order.fulfilment.storeId;
        if (order.fulfilment.type === 'SHIP') {
          location = (await d.availability().dcsCovering(lines))[0]?.id ?? null;
          if (!location) throw new StepFailed('out of stock: no distribution centre can ship every line');
        }
        try {
          await d.reservations().reserve({
            id: reservationId,
            storeId: location!,
            customerRef: order.customerName || 'customer',
            orderNumber: order.orderNumber,
            lines,
            ttlMs: HOLD_TTL_MS,
            fromDistributionCentre: order.fulfilment.type === 'SHIP',
          });
        } catch (err) {
          if (err instanceof AppError) throw new StepFailed(`out of stock: ${err.message}`);
          throw err;
        }
        return { fulfilment: { ...order.fulfilment, locationId: location } };
      }
      case 'AUTHORISE': {
        let result: Awaited<ReturnType<PaymentProvider['authorise']>>;
        try {
          result = await d.payments.authorise({
            key: order.id,
            amountMinor: order.totalMinor,
            currency: order.currency,
          });
        } catch (err) {
          if (err instanceof PaymentTimeoutError) throw new StepFailed(`payment timed out: ${err.message}`);
          throw err;
        }
        if (!result.approved) throw new StepFailed(`payment declined: ${result.reason}`);
        return { paymentRef: result.ref, paymentAttempted: true };
      }
      case 'FULFIL': {
        const type = order.fulfilment.type;
        if (type === 'SHIP') {
          try {
            return {
              fulfilmentRef: (
                await d.warehouse.createShipment({
                  key: order.id,
                  dcId: order.fulfilment.locationId!,
                  lines: order.lines,
                })
              ).ref,
            };
          } catch (err) {
            throw new StepFailed(`the warehouse refused the shipment: ${(err as Error).message}`);
          }
        }
        if (type === 'DELIVERY') return this.#requestDelivery(order);
        // PICKUP and CURBSIDE: the hold is already in the store's BOPIS list (its feed).
        return { fulfilmentRef: `store-pickup:${order.reservationId}` };
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

  /**
   * FULFIL for DELIVERY: the delivery desk creates the order's delivery (or finds the one a crashed runner created) and
   * starts offering it to carriers. The route checked the promise before placing; a promise lost since (the last van
   * filled up, a drone grounded) fails the step with the desk's sentence, and the saga compensates.
   */
  async #requestDelivery(order: Order): Promise<OrderPatch> {
    const desk = this.deps.delivery?.();
    if (!desk) throw new StepFailed('this hub delivers nothing (it runs without a delivery module)');
    const request = order.fulfilment.delivery;
    if (!request) throw new StepFailed('the order has no delivery details (speed and address)');
    try {
      const made = await desk.request({
        orderId: order.id,
        orderNumber: order.orderNumber,
        storeId: order.fulfilment.locationId ?? order.fulfilment.storeId!,
        reservationId: order.reservationId!,
        customerName: order.customerName,
        request,
        lines: order.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
      });
      return {
        fulfilmentRef: `delivery:${made.deliveryId}`,
        fulfilment: { ...order.fulfilment, promisedWindow: { from: made.window.from, to: made.window.to } },
      };
    } catch (err) {
      if (err instanceof AppError) throw new StepFailed(err.message);
      throw err;
    }
  }

  /**
   * CANCEL_FULFILMENT for DELIVERY: the delivery is cancelled (offers withdrawn, the carrier told). One the driver has
   * already taken cannot be (the cancel route refuses such an order before it turns back; this is a hand-over that
   * raced it): the timeline says so and the compensation goes on, as a refused shipment cancel would.
   */
  async #cancelDelivery(order: Order): Promise<void> {
    const desk = this.deps.delivery?.();
    if (!desk) return; // no delivery module: nothing was handed to one
    try {
      await desk.cancel(order.id);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      await this.#repo.addEvent(
        order.id,
        'DELIVERY_NOT_CANCELLED',
        { reason: err.message, fulfilmentRef: order.fulfilmentRef },
        this.deps.now(),
      );
    }
  }

  async #compensate(order: Order, lease: SagaLease): Promise<Order> {
    const [first, ...rest] = order.compensations;
    const now = this.deps.now();
    if (!first) {
      await this.#releaseCoupons(order);
      return this.#record(
        lease,
        { status: order.endStatus ?? 'FAILED' },
        [{ kind: order.endStatus ?? 'FAILED', detail: { reason: order.failure } }],
        now,
        0,
      );
    }
    await this.#undo(first, order);
    const next = await this.#record(
      lease,
      { compensations: rest, ...(first === 'CANCEL_FULFILMENT' ? { fulfilmentRef: null } : {}) },
      [{ kind: first }],
      this.deps.now(),
      this.deps.now() + this.#leaseMs,
    );
    this.#maybeCrash(first);
    return next;
  }

  /**
   * The last compensation of every order that turns back (failed or cancelled): the coupons it redeemed are given
   * back, so the customer may use them again and stores hear it. Repeating it (a runner that died before recording the
   * end) releases nothing twice: only coupons this order still holds are released.
   */
  async #releaseCoupons(order: Order): Promise<void> {
    if (!order.coupons.length) return;
    const pricer = this.deps.pricing?.();
    if (!pricer)
      throw new Error(`order ${order.id} holds coupons but this hub has no pricing module to give them back`);
    const ids = order.coupons.map((c) => c.couponId);
    await this.deps.db.transaction(async (tx) => {
      const released = await pricer.release(tx, ids, order.id);
      if (released.length)
        await new OrderRepository(tx).addEvent(order.id, 'COUPONS_RELEASED', { couponIds: released }, this.deps.now());
    });
  }

  async #undo(c: Compensation, order: Order): Promise<void> {
    switch (c) {
      case 'CANCEL_FULFILMENT':
        if (order.fulfilment.type === 'SHIP') await this.deps.warehouse.cancelShipment(order.id);
        else if (order.fulfilment.type === 'DELIVERY') await this.#cancelDelivery(order);
        return;
      case 'VOID_PAYMENT':
        return this.deps.payments.void(order.id);
      case 'RELEASE_HOLD':
        await this.deps
          .reservations()
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
      .catch((err: unknown) =>
        this.deps.log.warn({ err, orderId: order.id }, 'the ordered lines could not be taken out of the cart'),
      );
  }

  #maybeCrash(point: string): void {
    if (this.deps.crashAfter === point) process.kill(process.pid, 'SIGKILL');
  }
}
