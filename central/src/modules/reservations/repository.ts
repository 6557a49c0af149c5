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
});

/** All SQL of the reservations module. */
export class ReservationRepository {
  constructor(readonly db: Queryable) {}

  async insert(r: Reservation): Promise<void> {
    await this.db.query(
      `INSERT INTO reservations (id, store_id, customer_ref, status, lines, expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
      [r.id, r.storeId, r.customerRef, r.status, JSON.stringify(r.lines), r.expiresAt, r.createdAt],
    );
  }

  /** The reservation, locked for the rest of the transaction when `lock` (status changes go through here). */
  async get(id: string, lock = false): Promise<Reservation | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT * FROM reservations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] && toReservation(rows[0]);
  }

  async setStatus(id: string, status: ReservationStatus, expiresAt: number, now: number): Promise<Reservation> {
    const { rows } = await this.db.query<Row>('UPDATE reservations SET status = $2, expires_at = $3, updated_at = $4 WHERE id = $1 RETURNING *', [
      id,
      status,
      expiresAt,
      now,
    ]);
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

  async byStore(storeId: string, status: ReservationStatus | undefined, limit: number): Promise<Reservation[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM reservations WHERE store_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC LIMIT $3`,
      [storeId, status ?? null, limit],
    );
    return rows.map(toReservation);
  }

  async storeKind(storeId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ kind: string }>('SELECT kind FROM locations WHERE id = $1', [storeId]);
    return rows[0]?.kind;
  }
}
