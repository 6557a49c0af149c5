import type { Queryable } from '../../db/db.js';
import type { Compensation, OrderStatus, Step } from './saga-rules.js';
import type { Order, OrderCoupon, OrderEvent, OrderFulfilment, OrderLine, OrderPromotion } from './types.js';

interface Row {
  id: string;
  order_number: string;
  customer_id: string;
  customer_name: string;
  place_key: string;
  placed_store_id: string | null;
  status: OrderStatus;
  step: Step | 'DONE';
  compensations: Compensation[];
  end_status: 'FAILED' | 'CANCELLED' | null;
  fulfilment: OrderFulfilment;
  lines: OrderLine[];
  from_cart: boolean;
  subtotal_minor: number;
  tax_minor: number;
  total_minor: number;
  discount_minor: number;
  promotions: OrderPromotion[] | null;
  coupons: OrderCoupon[] | null;
  currency: string;
  reservation_id: string | null;
  payment_attempted: boolean;
  payment_ref: string | null;
  fulfilment_ref: string | null;
  failure: string | null;
  picked_up_at: number | null;
  picked_up_store_id: string | null;
  payment_captured_at: number | null;
  created_at: number;
  updated_at: number;
  lease_epoch: number;
}

const toOrder = (r: Row): Order => ({
  id: r.id,
  orderNumber: r.order_number,
  customerId: r.customer_id,
  customerName: r.customer_name,
  placeKey: r.place_key,
  placedStoreId: r.placed_store_id,
  status: r.status,
  step: r.step,
  compensations: r.compensations,
  endStatus: r.end_status,
  fulfilment: r.fulfilment,
  lines: r.lines,
  fromCart: r.from_cart,
  subtotalMinor: Number(r.subtotal_minor),
  taxMinor: Number(r.tax_minor),
  totalMinor: Number(r.total_minor),
  discountMinor: Number(r.discount_minor ?? 0),
  promotions: r.promotions ?? [],
  coupons: r.coupons ?? [],
  currency: r.currency,
  reservationId: r.reservation_id,
  paymentAttempted: r.payment_attempted,
  paymentRef: r.payment_ref,
  fulfilmentRef: r.fulfilment_ref,
  failure: r.failure,
  pickedUp:
    r.picked_up_at === null || r.picked_up_store_id === null
      ? null
      : { at: Number(r.picked_up_at), storeId: r.picked_up_store_id },
  paymentCapturedAt: r.payment_captured_at === null ? null : Number(r.payment_captured_at),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** How long a retry round holds the refunds it took (far longer than a provider call's time limit). */
export const REFUND_CLAIM_MS = 5 * 60_000;

/** What a step or compensation changes on the order (only the named fields). */
export type OrderPatch = Partial<{
  status: OrderStatus;
  step: Step | 'DONE';
  compensations: Compensation[];
  endStatus: 'FAILED' | 'CANCELLED' | null;
  fulfilment: OrderFulfilment;
  reservationId: string;
  paymentAttempted: boolean;
  paymentRef: string;
  fulfilmentRef: string | null;
  failure: string;
}>;

const COLUMNS: Record<keyof OrderPatch, [string, string]> = {
  status: ['status', 'text'],
  step: ['step', 'text'],
  compensations: ['compensations', 'jsonb'],
  endStatus: ['end_status', 'text'],
  fulfilment: ['fulfilment', 'jsonb'],
  reservationId: ['reservation_id', 'uuid'],
  paymentAttempted: ['payment_attempted', 'boolean'],
  paymentRef: ['payment_ref', 'text'],
  fulfilmentRef: ['fulfilment_ref', 'text'],
  failure: ['failure', 'text'],
};

/** One saga step's outcome: the order's changed fields, its timeline lines, and its lease from now on. */
export interface StepRecord {
  readonly id: string;
  readonly patch: OrderPatch;
  readonly events: readonly { kind: string; detail?: unknown }[];
  readonly now: number;
  readonly leaseUntil: number;
  /** The lease epoch its runner claimed: the record is refused (the order left as it is) under any other. */
  readonly epoch: number;
}

/** An order as its saga's runner claimed it: the lease's epoch fences every record it writes. */
export interface Claimed {
  readonly order: Order;
  readonly epoch: number;
}

/**
 * The seq the order's next timeline line follows, read under the order's row lock (inside an UPDATE of `alias`):
 * event_seq, or for an order whose timeline predates it (0), its highest seq, hot or archived.
 */
const lastSeq = (alias: string) =>
  `CASE WHEN ${alias}.event_seq > 0 THEN ${alias}.event_seq ELSE (SELECT coalesce(max(s.seq), 0) FROM
     (SELECT seq FROM order_events WHERE order_id = ${alias}.id UNION ALL SELECT seq FROM order_events_archive WHERE order_id = ${alias}.id) s) END`;

/**
 * JSON for a jsonb parameter. Text from external parties (a payment provider's decline reason, a warehouse's shipment
 * ref) may hold U+0000, which Postgres cannot store: it is replaced by U+FFFD, so the record that carries it is not
 * refused (a refused failure record left the order PENDING, retried and refused every second, its hold kept).
 */
const storable = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD') : v));

/** All SQL of orders and their timeline. */
export class OrderRepository {
  constructor(readonly db: Queryable) {}

  /** Inserts a new order, or returns the one already placed with this key (`created` tells which). */
  /** The new order is born leased to its placer (`leaseUntil`), so the resumer does not race the request that placed it. */
  async insertOrGet(
    o: Omit<
      Order,
      | 'orderNumber'
      | 'compensations'
      | 'endStatus'
      | 'paymentAttempted'
      | 'paymentRef'
      | 'fulfilmentRef'
      | 'failure'
      | 'pickedUp'
      | 'paymentCapturedAt'
      | 'discountMinor'
      | 'promotions'
      | 'coupons'
    > &
      Partial<Pick<Order, 'discountMinor' | 'promotions' | 'coupons'>>,
    leaseUntil: number,
    placed: unknown,
  ): Promise<{ order: Order; created: boolean; epoch: number }> {
    // One statement, one commit: the order and the first line of its timeline; its placer holds lease epoch 1.
    const { rows } = await this.db.query<Row>(
      `WITH o AS (
         INSERT INTO orders (id, customer_id, place_key, status, step, fulfilment, lines, from_cart, subtotal_minor, tax_minor, total_minor, currency, created_at, updated_at, lease_until, reservation_id, customer_name, placed_store_id, lease_epoch, event_seq, discount_minor, promotions, coupons)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $17, $18, 1, 1, $19, $20, $21) ON CONFLICT (place_key) DO NOTHING RETURNING *),
       e AS (INSERT INTO order_events (order_id, seq, at, kind, detail) SELECT id, 1, $13, 'PLACED', $16 FROM o)
       SELECT * FROM o`,
      [
        o.id,
        o.customerId,
        o.placeKey,
        o.status,
        o.step,
        JSON.stringify(o.fulfilment),
        JSON.stringify(o.lines),
        o.fromCart,
        o.subtotalMinor,
        o.taxMinor,
        o.totalMinor,
        o.currency,
        o.createdAt,
        leaseUntil,
        o.reservationId,
        JSON.stringify(placed),
        o.customerName,
        o.placedStoreId,
        o.discountMinor ?? 0,
        JSON.stringify(o.promotions ?? []),
        JSON.stringify(o.coupons ?? []),
      ],
    );
    if (rows[0]) return { order: toOrder(rows[0]), created: true, epoch: Number(rows[0].lease_epoch) };
    const existing = await this.db.query<Row>('SELECT * FROM orders WHERE place_key = $1', [o.placeKey]);
    return { order: toOrder(existing.rows[0]!), created: false, epoch: Number(existing.rows[0]!.lease_epoch) };
  }

  async byPlaceKey(placeKey: string): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE place_key = $1', [placeKey]);
    return rows[0] && toOrder(rows[0]);
  }

  /** The order with this number (`SF-10482`, as `normaliseOrderNumber` spells it). */
  async byNumber(orderNumber: string): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE order_number = $1', [orderNumber]);
    return rows[0] && toOrder(rows[0]);
  }

  async get(id: string): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE id = $1', [id]);
    return rows[0] && toOrder(rows[0]);
  }

  /** Takes the saga's lease under a new epoch; undefined when another runner holds it or the saga is over. */
  async claim(id: string, now: number, leaseMs: number): Promise<Claimed | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE orders SET lease_until = $2 + $3, lease_epoch = lease_epoch + 1
       WHERE id = $1 AND status IN ('PENDING', 'COMPENSATING') AND lease_until < $2 RETURNING *`,
      [id, now, leaseMs],
    );
    return rows[0] && { order: toOrder(rows[0]), epoch: Number(rows[0].lease_epoch) };
  }

  /** Extends the lease of the runner holding `epoch`; false when it lost the lease (or the saga is over). */
  async renewLease(id: string, epoch: number, leaseUntil: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE orders SET lease_until = $3 WHERE id = $1 AND lease_epoch = $2 AND status IN ('PENDING', 'COMPENSATING') AND lease_until > 0`,
      [id, epoch, leaseUntil],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Gives the lease up (a resumer may take it at once), if `epoch` still holds it. */
  async releaseLease(id: string, epoch: number): Promise<void> {
    await this.db.query('UPDATE orders SET lease_until = 0 WHERE id = $1 AND lease_epoch = $2', [id, epoch]);
  }

  async update(id: string, patch: OrderPatch, now: number): Promise<Order> {
    const keys = Object.keys(patch) as (keyof OrderPatch)[];
    const sets = keys.map((k, i) => `${COLUMNS[k][0]} = $${i + 3}::${COLUMNS[k][1]}`);
    const values = keys.map((k) => (COLUMNS[k][1] === 'jsonb' ? JSON.stringify(patch[k]) : patch[k]));
    const { rows } = await this.db.query<Row>(
      `UPDATE orders SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING *`,
      [id, now, ...values],
    );
    return toOrder(rows[0]!);
  }

  /**
   * Saga steps' outcomes (of different orders) in one statement, one commit: each order's new state, its lease
   * (renewed while the saga runs, 0 when it ends) and the step's lines in its timeline, numbered on from event_seq
   * under the order's row lock. Answers in the input's order; undefined for a record whose epoch no longer holds the
   * lease (nothing of it is written).
   */
  async recordMany(steps: readonly StepRecord[]): Promise<(Order | undefined)[]> {
    const sets = (Object.keys(COLUMNS) as (keyof OrderPatch)[]).map((k) => {
      const [col, type] = COLUMNS[k];
      const value = type === 'jsonb' ? `p.patch -> '${k}'` : `(p.patch ->> '${k}')::${type}`;
      return `${col} = CASE WHEN p.patch ? '${k}' THEN ${value} ELSE o.${col} END`;
    });
    const { rows } = await this.db.query<Row>(
      `WITH p AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS p(id uuid, patch jsonb, events jsonb, at bigint, lease bigint, epoch bigint)),
       o AS (UPDATE orders o SET ${[...sets, 'updated_at = p.at', 'lease_until = p.lease', `event_seq = ${lastSeq('o')} + jsonb_array_length(p.events)`].join(', ')}
             FROM p WHERE o.id = p.id AND o.lease_epoch = p.epoch RETURNING o.*),
       e AS (INSERT INTO order_events (order_id, seq, at, kind, detail)
             SELECT o.id, o.event_seq - jsonb_array_length(p.events) + x.n, p.at, x.e ->> 'kind', x.e -> 'detail'
             FROM o JOIN p ON p.id = o.id, jsonb_array_elements(p.events) WITH ORDINALITY AS x(e, n))
       SELECT * FROM o`,
      [
        storable(
          steps.map((s) => ({
            id: s.id,
            patch: s.patch,
            events: s.events.map((e) => ({ kind: e.kind, detail: e.detail ?? null })),
            at: s.now,
            lease: s.leaseUntil,
            epoch: s.epoch,
          })),
        ),
      ],
    );
    const byId = new Map(rows.map((r) => [r.id, toOrder(r)]));
    return steps.map((s) => byId.get(s.id));
  }

  /**
   * The order whose hold moved to `toStoreId` (oversell repair), now fulfilled from there: its location, and for a
   * store fulfilment its store, follow the hold. Undefined when no order has that hold.
   */
  async followHold(reservationId: string, toStoreId: string, now: number): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE orders SET fulfilment = fulfilment || jsonb_build_object('locationId', $2::text)
         || CASE WHEN fulfilment ->> 'type' <> 'SHIP' THEN jsonb_build_object('storeId', $2::text) ELSE '{}'::jsonb END,
         updated_at = $3
       WHERE reservation_id = $1 RETURNING *`,
      [reservationId, toStoreId, now],
    );
    return rows[0] && toOrder(rows[0]);
  }

  /** The order standing on this hold, its row locked for the rest of the transaction (flows that follow a hold). */
  async lockByReservation(reservationId: string): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE reservation_id = $1 FOR UPDATE', [
      reservationId,
    ]);
    return rows[0] && toOrder(rows[0]);
  }

  async lock(id: string): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] && toOrder(rows[0]);
  }

  /** A confirmed order whose goods a store handed over: PICKED_UP, when and where. Undefined when it was not CONFIRMED. */
  async markPickedUp(id: string, storeId: string, at: number, now: number): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE orders SET status = 'PICKED_UP', picked_up_at = $3, picked_up_store_id = $2, updated_at = $4 WHERE id = $1 AND status = 'CONFIRMED' RETURNING *`,
      [id, storeId, at, now],
    );
    return rows[0] && toOrder(rows[0]);
  }

  /**
   * Turns a confirmed order back: COMPENSATING towards CANCELLED with `compensations` to run, its lease free so a
   * runner takes it at once. Undefined when it was not CONFIRMED.
   */
  async beginCancel(
    id: string,
    compensations: readonly Compensation[],
    reason: string | null,
    now: number,
  ): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE orders SET status = 'COMPENSATING', end_status = 'CANCELLED', compensations = $2::jsonb, failure = $3, lease_until = 0,
         lease_epoch = lease_epoch + 1, updated_at = $4
       WHERE id = $1 AND status = 'CONFIRMED' RETURNING *`,
      [id, JSON.stringify(compensations), reason, now],
    );
    return rows[0] && toOrder(rows[0]);
  }

  /**
   * Turns back an order whose saga is still running: COMPENSATING towards FAILED with `compensations` and `reason`,
   * its lease taken from the runner (a new epoch: the runner's next record is refused and it waits for this outcome)
   * and left free, so a runner takes it at once. Undefined when it was not PENDING.
   */
  async beginFail(
    id: string,
    compensations: readonly Compensation[],
    reason: string,
    now: number,
  ): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE orders SET status = 'COMPENSATING', end_status = 'FAILED', compensations = $2::jsonb, failure = $3, lease_until = 0,
         lease_epoch = lease_epoch + 1, updated_at = $4
       WHERE id = $1 AND status = 'PENDING' RETURNING *`,
      [id, JSON.stringify(compensations), reason.replaceAll('\u0000', '\uFFFD'), now],
    );
    return rows[0] && toOrder(rows[0]);
  }

  /**
   * Schedules the `orders.retry-refunds` job's first try at a refund just requested (its row in
   * order_refund_retries, due at `firstTryAt`); written in the request's transaction. A second call changes nothing.
   */
  async scheduleRefund(id: string, amountMinor: number, currency: string, firstTryAt: number): Promise<void> {
    await this.db.query(
      `INSERT INTO order_refund_retries (order_id, amount_minor, currency, next_try_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (order_id) DO NOTHING`,
      [id, amountMinor, currency, firstTryAt],
    );
  }

  /** The refund was made (REFUNDED recorded): the job has nothing more to do for it. */
  async refundMade(id: string): Promise<void> {
    await this.db.query('DELETE FROM order_refund_retries WHERE order_id = $1', [id]);
  }

  /**
   * Up to `limit` refunds requested and not made whose next try is due at `now`, the longest due first, with how
   * often the provider was asked already; refunds the job gave up on are not among them. Reads the partial index
   * `order_refund_retries_due` only. Claims what it returns for `REFUND_CLAIM_MS` (its next try moves past the claim),
   * so two rounds at once — a scheduled one and one enqueued, or two hubs — never ask the provider twice; a failure
   * sets the next try by the backoff, a refund made deletes the row, and a round that died leaves the claim to run out.
   */
  async refundsDue(
    now: number,
    limit: number,
  ): Promise<{ id: string; amountMinor: number; currency: string; attempts: number }[]> {
    const { rows } = await this.db.query<{
      order_id: string;
      amount_minor: number | string;
      currency: string;
      attempts: number;
    }>(
      `UPDATE order_refund_retries SET next_try_at = $1::bigint + $3::bigint
       WHERE order_id IN (SELECT order_id FROM order_refund_retries
                          WHERE gave_up_at IS NULL AND next_try_at <= $1 ORDER BY next_try_at, order_id LIMIT $2
                          FOR UPDATE SKIP LOCKED)
       RETURNING order_id, amount_minor, currency, attempts`,
      [now, limit, REFUND_CLAIM_MS],
    );
    rows.sort((a, b) => (a.order_id < b.order_id ? -1 : a.order_id > b.order_id ? 1 : 0));
    return rows.map((r) => ({
      id: r.order_id,
      amountMinor: Number(r.amount_minor),
      currency: r.currency,
      attempts: Number(r.attempts),
    }));
  }

  /**
   * Counts a failed try at a refund: the next one at `nextTryAt`, or none (`gaveUpAt` set) when the job gives up.
   * Only a try the row still waits for is counted (another hub's round may have counted it or made the refund).
   */
  async refundFailed(
    id: string,
    attempts: number,
    error: string,
    next: { nextTryAt: number } | { gaveUpAt: number },
  ): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE order_refund_retries SET attempts = $2::int, last_error = $3, next_try_at = COALESCE($4::bigint, next_try_at),
         gave_up_at = $5::bigint
       WHERE order_id = $1 AND attempts = $2::int - 1 AND gave_up_at IS NULL`,
      [id, attempts, error, 'nextTryAt' in next ? next.nextTryAt : null, 'gaveUpAt' in next ? next.gaveUpAt : null],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * Claims up to `limit` picked-up orders whose authorised payment is not captured yet, oldest hand-over first, until
   * `now + claimMs`: orders another process claimed (and whose claim has not run out) or is claiming this instant are
   * skipped, so one order's capture is asked of the provider by one process at a time. A claim further ahead than
   * `claimMs` was made by a clock that has since stepped back, and counts as run out.
   */
  async claimCaptures(now: number, claimMs: number, limit: number): Promise<Order[]> {
    const { rows } = await this.db.query<Row>(
      `UPDATE orders SET capture_claimed_until = $1::bigint + $2::bigint WHERE id IN (
         SELECT id FROM orders WHERE status = 'PICKED_UP' AND payment_captured_at IS NULL AND payment_attempted
           AND (capture_claimed_until IS NULL OR capture_claimed_until < $1 OR capture_claimed_until > $1::bigint + $2::bigint)
         ORDER BY picked_up_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, claimMs, limit],
    );
    return rows.map(toOrder);
  }

  /** Gives a claim back after a failed capture, so the next round tries again instead of waiting for it to run out. */
  async releaseCapture(id: string): Promise<void> {
    await this.db.query(
      'UPDATE orders SET capture_claimed_until = NULL WHERE id = $1 AND payment_captured_at IS NULL',
      [id],
    );
  }

  /** Records the capture and its line in the timeline, in one statement; once (a second call changes nothing). */
  async markCaptured(id: string, now: number): Promise<void> {
    await this.db.query(
      `WITH o AS (UPDATE orders o SET payment_captured_at = $2, updated_at = $2, event_seq = ${lastSeq('o')} + 1
                  WHERE id = $1 AND payment_captured_at IS NULL RETURNING id, event_seq)
       INSERT INTO order_events (order_id, seq, at, kind, detail) SELECT o.id, o.event_seq, $2, 'PAYMENT_CAPTURED', NULL FROM o`,
      [id, now],
    );
  }

  /** A line in the order's timeline, its seq taken under the order's row lock (a racing step record waits for it). */
  async addEvent(orderId: string, kind: string, detail: unknown, at: number): Promise<void> {
    await this.db.query(
      `WITH o AS (UPDATE orders o SET event_seq = ${lastSeq('o')} + 1 WHERE id = $1 RETURNING id, event_seq)
       INSERT INTO order_events (order_id, seq, at, kind, detail) SELECT o.id, o.event_seq, $2, $3, $4 FROM o`,
      [orderId, at, kind, storable(detail ?? null)],
    );
  }

  /** The order's timeline: hot, or in the archive once it ended long ago (retention), unless that month was detached. */
  async events(orderId: string): Promise<OrderEvent[]> {
    const { rows } = await this.db.query<OrderEvent>(
      `SELECT seq, at, kind, detail FROM order_events WHERE order_id = $1
       UNION ALL SELECT seq, at, kind, detail FROM order_events_archive WHERE order_id = $1 ORDER BY seq`,
      [orderId],
    );
    return rows;
  }

  /**
   * The timelines of many orders in one statement (GraphQL lists orders with theirs: one read, not one per order),
   * hot or archived as `events` reads them; an order with none (or an id that is no order) maps to an empty list.
   */
  async eventsOf(orderIds: readonly string[]): Promise<Map<string, OrderEvent[]>> {
    const byOrder = new Map<string, OrderEvent[]>(orderIds.map((id) => [id, []]));
    if (!orderIds.length) return byOrder;
    const { rows } = await this.db.query<OrderEvent & { order_id: string }>(
      `SELECT order_id, seq, at, kind, detail FROM order_events WHERE order_id = ANY($1::uuid[])
       UNION ALL SELECT order_id, seq, at, kind, detail FROM order_events_archive WHERE order_id = ANY($1::uuid[])
       ORDER BY order_id, seq`,
      [orderIds],
    );
    for (const { order_id, ...event } of rows) byOrder.get(order_id)?.push(event);
    return byOrder;
  }

  /** Many orders by id in one statement (those that exist; the caller matches them up by id). */
  async getMany(ids: readonly string[]): Promise<Order[]> {
    if (!ids.length) return [];
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE id = ANY($1::uuid[])', [ids]);
    return rows.map(toOrder);
  }

  async stale(now: number, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM orders WHERE status IN ('PENDING', 'COMPENSATING') AND lease_until < $1 ORDER BY created_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The newest orders (of one status when given), for the console. */
  async list(status: string | null, limit: number): Promise<Order[]> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM orders WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC LIMIT $2',
      [status, limit],
    );
    return rows.map(toOrder);
  }

  /** A store's newest orders (those it placed or fulfils, see `storesOf`), of one status or any. */
  async listForStore(storeId: string, status: string | null, limit: number): Promise<Order[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM orders WHERE ($2::text IS NULL OR status = $2)
         AND (placed_store_id = $1 OR (fulfilment ->> 'type' <> 'SHIP' AND fulfilment ->> 'storeId' = $1::text))
       ORDER BY created_at DESC LIMIT $3`,
      [storeId, status, limit],
    );
    return rows.map(toOrder);
  }

  /** A customer's newest orders; with `storeId`, only those that store placed or fulfils (see `storesOf`). */
  async byCustomer(customerId: string, limit: number, storeId: string | null = null): Promise<Order[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM orders WHERE customer_id = $1
         AND ($3::uuid IS NULL OR placed_store_id = $3 OR (fulfilment ->> 'type' <> 'SHIP' AND fulfilment ->> 'storeId' = $3::text))
       ORDER BY created_at DESC LIMIT $2`,
      [customerId, limit, storeId],
    );
    return rows.map(toOrder);
  }
}
