import type { Queryable } from '../../db/db.js';
import type { Reservation, ReservationLine, ReservationStatus } from './types.js';

interface Row {
  id: string;
  store_id: string;
  customer_ref: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  expires_at: number;
  created_at: number;
  updated_at: number;
  order_number: string | null;
  pickup_code_hash: string | null;
}

const toReservation = (r: Row): Reservation => ({
  id: r.id,
  storeId: r.store_id,
  customerRef: r.customer_ref,
  status: r.status,
  lines: r.lines,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  orderNumber: r.order_number,
  pickupCodeHash: r.pickup_code_hash,
});

/** All SQL of the reservations module. */
export class ReservationRepository {
  constructor(readonly db: Queryable) {}

  async insertMany(list: readonly Reservation[]): Promise<void> {
    const col = <K extends keyof Reservation>(k: K) => list.map((r) => r[k]);
    await this.db.query(
      `INSERT INTO reservations (id, store_id, customer_ref, status, lines, expires_at, created_at, updated_at, order_number, pickup_code_hash)
       SELECT i, s, c, st, l, e, t, t, o, h FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::bigint[], $7::bigint[], $8::text[], $9::text[])
         AS x(i, s, c, st, l, e, t, o, h)`,
      [
        col('id'),
        col('storeId'),
        col('customerRef'),
        col('status'),
        list.map((r) => JSON.stringify(r.lines)),
        col('expiresAt'),
        col('createdAt'),
        col('orderNumber'),
        col('pickupCodeHash'),
      ],
    );
  }

  /** Ends many reservations in one statement (expiry sweeps). */
  async setStatusMany(ids: readonly string[], status: ReservationStatus, now: number): Promise<Reservation[]> {
    const { rows } = await this.db.query<Row>(
      'UPDATE reservations SET status = $2, updated_at = $3 WHERE id = ANY($1::uuid[]) RETURNING *',
      [ids, status, now],
    );
    return rows.map(toReservation);
  }

  /** The reservation, locked for the rest of the transaction when `lock` (status changes go through here). */
  async get(id: string, lock = false): Promise<Reservation | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT * FROM reservations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    return rows[0] && toReservation(rows[0]);
  }

  /** Confirms, in one statement, those of the holds that are still HELD and unexpired (the caller looks why not). */
  async confirmIfHeld(ids: readonly string[], expiresAt: number, now: number): Promise<Reservation[]> {
    const { rows } = await this.db.query<Row>(
      `UPDATE reservations SET status = 'CONFIRMED', expires_at = $2, updated_at = $3
       WHERE id = ANY($1::uuid[]) AND status = 'HELD' AND expires_at > $3 RETURNING *`,
      [ids, expiresAt, now],
    );
    return rows.map(toReservation);
  }

  async setStatus(id: string, status: ReservationStatus, expiresAt: number, now: number): Promise<Reservation> {
    const { rows } = await this.db.query<Row>(
      'UPDATE reservations SET status = $2, expires_at = $3, updated_at = $4 WHERE id = $1 RETURNING *',
      [id, status, expiresAt, now],
    );
    return toReservation(rows[0]!);
  }

  /** Held reservations past their expiry, locked; rows another sweeper holds are skipped, so sweepers never collide. */
  async lockDue(now: number, limit: number): Promise<Reservation[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM reservations WHERE status = 'HELD' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows.map(toReservation);
  }

  async byStore(
    storeId: string,
    status: ReservationStatus | undefined,
    limit: number,
    orderNumber?: string,
  ): Promise<Reservation[]> {
    // `orderNumber` is part of the number, any case (the route lets through letters, digits and hyphens only)
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM reservations WHERE store_id = $1 AND ($2::text IS NULL OR status = $2)
         AND ($4::text IS NULL OR strpos(upper(order_number), upper($4)) > 0)
       ORDER BY created_at DESC LIMIT $3`,
      [storeId, status ?? null, limit, orderNumber ?? null],
    );
    return rows.map(toReservation);
  }

  /** Open holds at a store that include `sku`, newest first, locked: the ones an oversell repair moves first. */
  async lockHoldingSku(storeId: string, sku: string): Promise<Reservation[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM reservations WHERE store_id = $1 AND status IN ('HELD', 'CONFIRMED') AND lines @> $2::jsonb
       ORDER BY created_at DESC FOR UPDATE`,
      [storeId, JSON.stringify([{ sku }])],
    );
    return rows.map(toReservation);
  }

  /** Moves the hold to `storeId`, with its typed code's hash under that store's key. */
  async moveToStore(id: string, storeId: string, pickupCodeHash: string | null, now: number): Promise<Reservation> {
    const { rows } = await this.db.query<Row>(
      'UPDATE reservations SET store_id = $2, updated_at = $3, pickup_code_hash = $4 WHERE id = $1 RETURNING *',
      [id, storeId, now, pickupCodeHash],
    );
    return toReservation(rows[0]!);
  }

  /** Ids of the store's open holds (HELD or CONFIRMED), sorted as text (as the store compares them). */
  async activeIds(storeId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id::text AS id FROM reservations WHERE store_id = $1 AND status IN ('HELD', 'CONFIRMED') ORDER BY id::text COLLATE "C"`,
      [storeId],
    );
    return rows.map((r) => r.id);
  }

  /** How many open holds (HELD or CONFIRMED) the store has: the size of its `holds` bootstrap section. */
  async activeCount(storeId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM reservations WHERE store_id = $1 AND status IN ('HELD', 'CONFIRMED')`,
      [storeId],
    );
    return rows[0]!.n;
  }

  /** The store's open holds with ids after `after` (compared as text, as `activeIds` sorts them), at most `limit`. */
  async activePage(storeId: string, after: string | null, limit: number): Promise<Reservation[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM reservations WHERE store_id = $1 AND status IN ('HELD', 'CONFIRMED') AND ($2::text IS NULL OR id::text COLLATE "C" > $2::text COLLATE "C")
       ORDER BY id::text COLLATE "C" LIMIT $3`,
      [storeId, after, limit],
    );
    return rows.map(toReservation);
  }

  /** Open holds without a typed code (granted before typed codes), oldest first, locked; others' locks skipped. */
  async lockWithoutCode(limit: number): Promise<Reservation[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM reservations WHERE pickup_code_hash IS NULL AND status IN ('HELD', 'CONFIRMED')
       ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map(toReservation);
  }

  /** Gives holds their typed code's hash, in one statement; each is a new version of the hold (`updated_at`). */
  async setCodeHashes(codes: readonly { id: string; hash: string }[], now: number): Promise<Reservation[]> {
    const { rows } = await this.db.query<Row>(
      `UPDATE reservations r SET pickup_code_hash = c.h, updated_at = greatest(r.updated_at + 1, $3)
       FROM unnest($1::uuid[], $2::text[]) AS c(i, h) WHERE r.id = c.i RETURNING r.*`,
      [codes.map((c) => c.id), codes.map((c) => c.hash), now],
    );
    return rows.map(toReservation);
  }

  /** Which of these (store, typed-code hash) pairs an open hold of that store already has, as `store/hash`. */
  async openCodeHashes(pairs: readonly { storeId: string; hash: string }[]): Promise<Set<string>> {
    if (!pairs.length) return new Set();
    const { rows } = await this.db.query<{ k: string }>(
      `SELECT r.store_id::text || '/' || r.pickup_code_hash AS k FROM reservations r
         JOIN unnest($1::uuid[], $2::text[]) AS p(s, h) ON r.store_id = p.s AND r.pickup_code_hash = p.h
       WHERE r.status IN ('HELD', 'CONFIRMED')`,
      [pairs.map((p) => p.storeId), pairs.map((p) => p.hash)],
    );
    return new Set(rows.map((r) => r.k));
  }

  async storeKinds(storeIds: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.db.query<{ id: string; kind: string }>(
      'SELECT id, kind FROM locations WHERE id = ANY($1::uuid[])',
      [storeIds],
    );
    return new Map(rows.map((r) => [r.id, r.kind]));
  }
}
