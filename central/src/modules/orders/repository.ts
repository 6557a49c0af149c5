import type { Queryable } from '../../db/db.js';
import type { Compensation, OrderStatus, Step } from './saga-rules.js';
import type { Order, OrderEvent, OrderFulfilment, OrderLine } from './types.js';

interface Row {
  id: string;
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
}

const toOrder = (r: Row): Order => ({
  id: r.id,
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
  currency: r.currency,
  reservationId: r.reservation_id,
  paymentAttempted: r.payment_attempted,
  paymentRef: r.payment_ref,
  fulfilmentRef: r.fulfilment_ref,
  failure: r.failure,
  pickedUp: r.picked_up_at === null || r.picked_up_store_id === null ? null : { at: Number(r.picked_up_at), storeId: r.picked_up_store_id },
  paymentCapturedAt: r.payment_captured_at === null ? null : Number(r.payment_captured_at),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

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
}

/** All SQL of orders and their timeline. */
export class OrderRepository {
  constructor(readonly db: Queryable) {}

  /** Inserts a new order, or returns the one already placed with this key (`created` tells which). */
  /** The new order is born leased to its placer (`leaseUntil`), so the resumer does not race the request that placed it. */
  async insertOrGet(
    o: Omit<Order, 'compensations' | 'endStatus' | 'paymentAttempted' | 'paymentRef' | 'fulfilmentRef' | 'failure' | 'pickedUp' | 'paymentCapturedAt'>,
    leaseUntil: number,
    placed: unknown,
  ): Promise<{ order: Order; created: boolean }> {
    // One statement, one commit: the order and the first line of its timeline.
    const { rows } = await this.db.query<Row>(
      `WITH o AS (
         INSERT INTO orders (id, customer_id, place_key, status, step, fulfilment, lines, from_cart, subtotal_minor, tax_minor, total_minor, currency, created_at, updated_at, lease_until, reservation_id, customer_name, placed_store_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $17, $18) ON CONFLICT (place_key) DO NOTHING RETURNING *),
       e AS (INSERT INTO order_events (order_id, seq, at, kind, detail) SELECT id, 1, $13, 'PLACED', $16 FROM o)
       SELECT * FROM o`,
      [o.id, o.customerId, o.placeKey, o.status, o.step, JSON.stringify(o.fulfilment), JSON.stringify(o.lines), o.fromCart, o.subtotalMinor, o.taxMinor, o.totalMinor, o.currency, o.createdAt, leaseUntil, o.reservationId, JSON.stringify(placed), o.customerName, o.placedStoreId],
    );
    if (rows[0]) return { order: toOrder(rows[0]), created: true };
    const existing = await this.db.query<Row>('SELECT * FROM orders WHERE place_key = $1', [o.placeKey]);
    return { order: toOrder(existing.rows[0]!), created: false };
  }

  async byPlaceKey(placeKey: string): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE place_key = $1', [placeKey]);
    return rows[0] && toOrder(rows[0]);
  }

  async get(id: string): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE id = $1', [id]);
    return rows[0] && toOrder(rows[0]);
  }

  /** Takes the saga's lease; undefined when another runner holds it or the saga is over. */
  async claim(id: string, now: number, leaseMs: number): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE orders SET lease_until = $2 + $3 WHERE id = $1 AND status IN ('PENDING', 'COMPENSATING') AND lease_until < $2 RETURNING *`,
      [id, now, leaseMs],
    );
    return rows[0] && toOrder(rows[0]);
  }

  async releaseLease(id: string): Promise<void> {
    await this.db.query('UPDATE orders SET lease_until = 0 WHERE id = $1', [id]);
  }

  async update(id: string, patch: OrderPatch, now: number): Promise<Order> {
    const keys = Object.keys(patch) as (keyof OrderPatch)[];
    const sets = keys.map((k, i) => `${COLUMNS[k][0]} = $${i + 3}::${COLUMNS[k][1]}`);
    const values = keys.map((k) => (COLUMNS[k][1] === 'jsonb' ? JSON.stringify(patch[k]) : patch[k]));
    const { rows } = await this.db.query<Row>(`UPDATE orders SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING *`, [id, now, ...values]);
    return toOrder(rows[0]!);
  }

  /**
   * Saga steps' outcomes (of different orders) in one statement, one commit: each order's new state, its lease
   * (renewed while the saga runs, 0 when it ends) and the step's lines in its timeline. Answers in the input's order.
   */
  async recordMany(steps: readonly StepRecord[]): Promise<Order[]> {
    const sets = (Object.keys(COLUMNS) as (keyof OrderPatch)[]).map((k) => {
      const [col, type] = COLUMNS[k];
      const value = type === 'jsonb' ? `p.patch -> '${k}'` : `(p.patch ->> '${k}')::${type}`;
      return `${col} = CASE WHEN p.patch ? '${k}' THEN ${value} ELSE o.${col} END`;
    });
    const { rows } = await this.db.query<Row>(
      `WITH p AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS p(id uuid, patch jsonb, events jsonb, at bigint, lease bigint)),
       o AS (UPDATE orders o SET ${[...sets, 'updated_at = p.at', 'lease_until = p.lease'].join(', ')} FROM p WHERE o.id = p.id RETURNING o.*),
       e AS (INSERT INTO order_events (order_id, seq, at, kind, detail)
             SELECT p.id, coalesce((SELECT max(seq) FROM order_events WHERE order_id = p.id), 0) + x.n, p.at, x.e ->> 'kind', x.e -> 'detail'
             FROM p, jsonb_array_elements(p.events) WITH ORDINALITY AS x(e, n))
       SELECT * FROM o`,
      [JSON.stringify(steps.map((s) => ({ id: s.id, patch: s.patch, events: s.events.map((e) => ({ kind: e.kind, detail: e.detail ?? null })), at: s.now, lease: s.leaseUntil })))],
    );
    const byId = new Map(rows.map((r) => [r.id, toOrder(r)]));
    return steps.map((s) => {
      const o = byId.get(s.id);
      if (!o) throw new Error(`order ${s.id} vanished while its saga ran`);
      return o;
    });
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
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE reservation_id = $1 FOR UPDATE', [reservationId]);
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
  async beginCancel(id: string, compensations: readonly Compensation[], reason: string | null, now: number): Promise<Order | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE orders SET status = 'COMPENSATING', end_status = 'CANCELLED', compensations = $2::jsonb, failure = $3, lease_until = 0, updated_at = $4
       WHERE id = $1 AND status = 'CONFIRMED' RETURNING *`,
      [id, JSON.stringify(compensations), reason, now],
    );
    return rows[0] && toOrder(rows[0]);
  }

  /** Picked-up orders whose authorised payment is not captured yet, oldest hand-over first. */
  async captureDue(limit: number): Promise<Order[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM orders WHERE status = 'PICKED_UP' AND payment_captured_at IS NULL AND payment_attempted ORDER BY picked_up_at LIMIT $1`,
      [limit],
    );
    return rows.map(toOrder);
  }

  /** Records the capture and its line in the timeline, in one statement; once (a second call changes nothing). */
  async markCaptured(id: string, now: number): Promise<void> {
    await this.db.query(
      `WITH o AS (UPDATE orders SET payment_captured_at = $2, updated_at = $2 WHERE id = $1 AND payment_captured_at IS NULL RETURNING id)
       INSERT INTO order_events (order_id, seq, at, kind, detail)
       SELECT o.id, coalesce((SELECT max(seq) FROM order_events WHERE order_id = o.id), 0) + 1, $2, 'PAYMENT_CAPTURED', NULL FROM o`,
      [id, now],
    );
  }

  async addEvent(orderId: string, kind: string, detail: unknown, at: number): Promise<void> {
    await this.db.query(
      `INSERT INTO order_events (order_id, seq, at, kind, detail)
       SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4
       FROM (SELECT seq FROM order_events WHERE order_id = $1 UNION ALL SELECT seq FROM order_events_archive WHERE order_id = $1) s`,
      [orderId, at, kind, JSON.stringify(detail ?? null)],
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

  async stale(now: number, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM orders WHERE status IN ('PENDING', 'COMPENSATING') AND lease_until < $1 ORDER BY created_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The newest orders (of one status when given), for the console. */
  async list(status: string | null, limit: number): Promise<Order[]> {
    const { rows } = await this.db.query<Row>('SELECT * FROM orders WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC LIMIT $2', [status, limit]);
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
