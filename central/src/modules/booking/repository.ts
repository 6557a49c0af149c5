import type { Hold, HoldStatus } from './types.js';
import { VenueRepository } from './venue-repository.js';

export { seatLabel, type SeatColumns } from './venue-repository.js';

/** How many expired holds one sweep statement ends (one transaction per batch). */
export const EXPIRE_BATCH = 500;

/** Postgres refused a second row for a unique key; `constraint` names which (the seat claims', the one live hold). */
export function uniqueViolation(err: unknown): string | null {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e?.code !== '23505') return null;
  if (typeof e.constraint === 'string') return e.constraint;
  const m = String(e.message ?? '');
  if (m.includes('booking_holds_one_live')) return 'booking_holds_one_live';
  if (m.includes('booking_seat_claims_pkey')) return 'booking_seat_claims_pkey';
  return 'unknown';
}
export const ONE_LIVE = 'booking_holds_one_live';
export const SEAT_TAKEN = 'booking_seat_claims_pkey';

interface HoldRow {
  id: string;
  show_id: string;
  customer_id: string;
  status: HoldStatus;
  origin: Hold['origin'];
  seat_nos: number[];
  places: number;
  amount_minor: number;
  currency: string;
  expires_at: number;
  created_at: number;
  created_by: string;
  confirmed_at: number | null;
  ended_at: number | null;
  ended_reason: string | null;
  refund_minor: number | null;
  refund_state: Hold['refundState'];
}
const HOLD_COLUMNS = `id, show_id, customer_id, status, origin, seat_nos, places, amount_minor, currency, expires_at,
  created_at, created_by, confirmed_at, ended_at, ended_reason, refund_minor, refund_state`;
const toHold = (r: HoldRow): Hold => ({
  id: r.id,
  showId: r.show_id,
  customerId: r.customer_id,
  status: r.status,
  origin: r.origin,
  seatNos: [...r.seat_nos].sort((a, b) => a - b),
  places: r.places,
  amountMinor: r.amount_minor,
  currency: r.currency,
  expiresAt: Number(r.expires_at),
  createdAt: Number(r.created_at),
  createdBy: r.created_by,
  confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
  endedAt: r.ended_at === null ? null : Number(r.ended_at),
  endedReason: r.ended_reason,
  refundMinor: r.refund_minor,
  refundState: r.refund_state,
});
/** A new hold as the service decided it. */
export interface NewHold {
  readonly id: string;
  readonly showId: string;
  readonly customerId: string;
  readonly origin: Hold['origin'];
  readonly seatNos: readonly number[];
  readonly places: number;
  readonly amountMinor: number;
  readonly currency: string;
  readonly expiresAt: number;
  readonly createdBy: string;
  readonly now: number;
}

/**
 * All of the booking module's SQL for holds, on top of its venues', shows' and seats' (venue-repository.ts); Postgres
 * and PGlite run the same text.
 */
export class BookingRepository extends VenueRepository {
  // ---- holds --------------------------------------------------------------------------------------------------

  /**
   * A SEATED hold and all its seat claims in one statement, only while the show is on sale and not started: the
   * seat claims' primary key refuses a seat another hold has (23505, nothing written), the one-live index a second
   * live hold of the customer. Undefined when the show was not on sale (nothing written). One hold, one statement:
   * the service holds seats through `insertSeatHolds` (a batch); the benchmark measures this one beside it.
   */
  async insertSeatHold(h: NewHold): Promise<Hold | undefined> {
    const { rows } = await this.q.query<HoldRow>(
      `WITH h AS (
         INSERT INTO booking_holds (id, show_id, customer_id, status, origin, seat_nos, places, amount_minor, currency,
           expires_at, created_at, created_by, updated_at, payment_key)
         SELECT $1, s.id, $3, 'HELD', $4, $5::int[], $6, $7, $8, $9, $10, $11, $10, 'booking:' || $1::uuid::text
         FROM booking_shows s WHERE s.id = $2 AND s.status = 'ON_SALE' AND s.starts_at > $10
         RETURNING ${HOLD_COLUMNS}
       ), c AS (
         INSERT INTO booking_seat_claims (show_id, seat_no, hold_id)
         SELECT h.show_id, n, h.id FROM h, unnest($5::int[]) AS n
       )
       SELECT * FROM h`,
      [
        h.id,
        h.showId,
        h.customerId,
        h.origin,
        h.seatNos,
        h.places,
        h.amountMinor,
        h.currency,
        h.expiresAt,
        h.now,
        h.createdBy,
      ],
    );
    return rows[0] ? toHold(rows[0]) : undefined;
  }

  /**
   * A batch's SEATED holds and their seat claims, in one statement (one group commit's steps 1 and 2):
   * (1) each hold inserted only while its show is on sale and not started, none of its seats claimed as of the
   * statement's snapshot (a hold sure to lose writes nothing), and its customer has no live hold there (the one-live
   * index, DO NOTHING: no error aborts the batch); (2) the inserted holds' seat claims in (show, seat) order — so two
   * batches (two hub replicas) take the keys in one order and never wait on each other in a cycle — a seat another
   * hold has (one committed meanwhile) breaks the claims' key and the whole statement (`all`: for a statement
   * committed alone, so no hold is ever partial) or is skipped (`each`: in a transaction that undoes short holds).
   * Answers each request in order: the hold and the seats it claimed, or the seats found taken, or neither (refused by
   * its show or by the customer's live hold). `now` is the batch's clock for the show check.
   */
  async insertSeatHolds(
    hs: readonly NewHold[],
    now: number,
    claims: 'all' | 'each',
  ): Promise<{ hold: Hold | undefined; claimed: number[]; taken: number[] }[]> {
    if (!hs.length) return [];
    const { rows } = await this.q.query<
      Partial<HoldRow> & { n: number; claimed: number[] | null; taken: number[] | null }
    >(
      `WITH r AS (
         SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int[], $8::int[],
           $9::text[], $10::bigint[], $11::bigint[], $12::text[]) WITH ORDINALITY
           AS r(id, show_id, customer_id, origin, seat_nos, places, amount, currency, expires_at, created_at, created_by, n)
       ), t AS (
         SELECT r.n, ARRAY(
           SELECT w.seat_no FROM unnest(r.seat_nos::int[]) AS w(seat_no)
           -- one index probe per seat (a scalar subquery: never a scan of the show's claims, whatever the statistics)
           WHERE (SELECT true FROM booking_seat_claims c WHERE c.show_id = r.show_id AND c.seat_no = w.seat_no)
           ORDER BY w.seat_no
         ) AS taken
         FROM r
         JOIN booking_shows s ON s.id = r.show_id AND s.kind = 'SEATED' AND s.status = 'ON_SALE' AND s.starts_at > $1
       ), h AS (
         INSERT INTO booking_holds (id, show_id, customer_id, status, origin, seat_nos, places, amount_minor, currency,
           expires_at, created_at, created_by, updated_at, payment_key)
         SELECT r.id, s.id, r.customer_id, 'HELD', r.origin, r.seat_nos::int[], r.places, r.amount, r.currency,
           r.expires_at, r.created_at, r.created_by, r.created_at, 'booking:' || r.id::text
         FROM r JOIN booking_shows s ON s.id = r.show_id AND s.kind = 'SEATED' AND s.status = 'ON_SALE' AND s.starts_at > $1
         WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.n = r.n AND cardinality(t.taken) > 0)
         ON CONFLICT (show_id, customer_id) WHERE status IN ('HELD', 'CONFIRMING') DO NOTHING
         RETURNING ${HOLD_COLUMNS}
       ), c AS (
         INSERT INTO booking_seat_claims (show_id, seat_no, hold_id)
         SELECT h.show_id, n, h.id FROM h, unnest(h.seat_nos) AS n ORDER BY h.show_id, n
         ${claims === 'each' ? 'ON CONFLICT DO NOTHING' : ''}
         RETURNING hold_id, seat_no
       )
       SELECT r.n, t.taken, h.*, (SELECT array_agg(c.seat_no) FROM c WHERE c.hold_id = h.id) AS claimed
       FROM r LEFT JOIN t ON t.n = r.n LEFT JOIN h ON h.id = r.id
       ORDER BY r.n`,
      [
        now,
        hs.map((h) => h.id),
        hs.map((h) => h.showId),
        hs.map((h) => h.customerId),
        hs.map((h) => h.origin),
        hs.map((h) => `{${h.seatNos.join(',')}}`),
        hs.map((h) => h.places),
        hs.map((h) => h.amountMinor),
        hs.map((h) => h.currency),
        hs.map((h) => h.expiresAt),
        hs.map((h) => h.now),
        hs.map((h) => h.createdBy),
      ],
    );
    return rows.map((r) => ({
      hold: r.id ? toHold(r as HoldRow) : undefined,
      claimed: r.claimed ?? [],
      taken: r.taken ?? [],
    }));
  }

  /** Holds that got only some of their seats are undone (step 3) — their claims and the hold rows — in the batch. */
  async undoHolds(holdIds: readonly string[]): Promise<void> {
    if (!holdIds.length) return;
    await this.q.query(
      `WITH c AS (DELETE FROM booking_seat_claims WHERE hold_id = ANY($1::uuid[]))
       DELETE FROM booking_holds WHERE id = ANY($1::uuid[]) AND status = 'HELD'`,
      [holdIds],
    );
  }

  /**
   * CAPACITY: takes `n` places while the show is on sale, not started and has room (the one conditional write that
   * keeps a slot from being overbooked). False when it had not.
   */
  async takePlaces(showId: string, n: number, now: number): Promise<boolean> {
    const r = await this.q.query(
      `UPDATE booking_shows SET taken = taken + $2
       WHERE id = $1 AND kind = 'CAPACITY' AND status = 'ON_SALE' AND starts_at > $3 AND taken + $2 <= capacity`,
      [showId, n, now],
    );
    return r.rowCount === 1;
  }

  async insertPlacesHold(h: NewHold): Promise<Hold> {
    const { rows } = await this.q.query<HoldRow>(
      `INSERT INTO booking_holds (id, show_id, customer_id, status, origin, seat_nos, places, amount_minor, currency,
         expires_at, created_at, created_by, updated_at, payment_key)
       VALUES ($1, $2, $3, 'HELD', $4, '{}', $5, $6, $7, $8, $9, $10, $9, 'booking:' || $1::uuid::text)
       RETURNING ${HOLD_COLUMNS}`,
      [h.id, h.showId, h.customerId, h.origin, h.places, h.amountMinor, h.currency, h.expiresAt, h.now, h.createdBy],
    );
    return toHold(rows[0]!);
  }

  async hold(holdId: string): Promise<Hold | undefined> {
    const { rows } = await this.q.query<HoldRow>(`SELECT ${HOLD_COLUMNS} FROM booking_holds WHERE id = $1`, [holdId]);
    return rows[0] ? toHold(rows[0]) : undefined;
  }

  /** How many live holds (HELD or CONFIRMING) one caller key placed at a show (index booking_holds_caller_live). */
  async liveHoldsBy(showId: string, createdBy: string): Promise<number> {
    const { rows } = await this.q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM booking_holds
       WHERE show_id = $1 AND created_by = $2 AND status IN ('HELD', 'CONFIRMING')`,
      [showId, createdBy],
    );
    return rows[0]?.n ?? 0;
  }

  /** The customer's live hold (HELD or CONFIRMING) at a show. */
  async liveHold(showId: string, customerId: string): Promise<Hold | undefined> {
    const { rows } = await this.q.query<HoldRow>(
      `SELECT ${HOLD_COLUMNS} FROM booking_holds
       WHERE show_id = $1 AND customer_id = $2 AND status IN ('HELD', 'CONFIRMING')`,
      [showId, customerId],
    );
    return rows[0] ? toHold(rows[0]) : undefined;
  }

  /** A show's holds, newest id first after a cursor (ids are uuidv7: time ordered). */
  async holdsOfShow(
    showId: string,
    statuses: readonly HoldStatus[] | undefined,
    before: string | undefined,
    limit: number,
  ) {
    const { rows } = await this.q.query<HoldRow>(
      `SELECT ${HOLD_COLUMNS} FROM booking_holds
       WHERE show_id = $1 AND ($2::text[] IS NULL OR status = ANY($2::text[])) AND ($3::uuid IS NULL OR id < $3)
       ORDER BY id DESC LIMIT $4`,
      [showId, statuses ?? null, before ?? null, limit],
    );
    return rows.map(toHold);
  }

  /**
   * Ends a hold if its status is one of `from`: status, ended_at and ended_reason set, its seat claims deleted (SEATED)
   * or its places given back (CAPACITY) — one statement. Undefined when it was not in `from` (someone else ended or
   * moved it first).
   */
  async endHold(
    holdId: string,
    from: readonly HoldStatus[],
    to: HoldStatus,
    reason: string,
    now: number,
  ): Promise<Hold | undefined> {
    const { rows } = await this.q.query<HoldRow>(
      `WITH h AS (
         UPDATE booking_holds SET status = $3, ended_at = $5, ended_reason = $4, updated_at = $5
         WHERE id = $1 AND status = ANY($2::text[])
         RETURNING ${HOLD_COLUMNS}
       ), c AS (
         DELETE FROM booking_seat_claims c USING h WHERE c.show_id = h.show_id AND c.hold_id = h.id
       ), p AS (
         UPDATE booking_shows s SET taken = s.taken - h.places FROM h WHERE s.id = h.show_id AND s.kind = 'CAPACITY'
       )
       SELECT * FROM h`,
      [holdId, from, to, reason, now],
    );
    return rows[0] ? toHold(rows[0]) : undefined;
  }

  /** A confirmed hold's seats are sold (the seat map shows them sold, not held). */
  async markSold(holdId: string): Promise<void> {
    await this.q.query(`UPDATE booking_seat_claims SET sold = true WHERE hold_id = $1`, [holdId]);
  }

  /**
   * Ends up to `limit` HELD holds past their expiry in one statement (their claims deleted, CAPACITY places given
   * back). The conditional update makes exactly one of the sweeper and a confirm (HELD → CONFIRMING while
   * `expires_at > now`) win. Returns the shows that got seats or places back, and how many holds ended.
   */
  async expireDue(now: number, limit = EXPIRE_BATCH): Promise<{ ended: number; showIds: string[] }> {
    const { rows } = await this.q.query<{ show_id: string; n: number }>(
      `WITH h AS (
         UPDATE booking_holds SET status = 'EXPIRED', ended_at = $1, ended_reason = 'the hold expired', updated_at = $1
         WHERE id IN (
           SELECT id FROM booking_holds WHERE status = 'HELD' AND expires_at <= $1 ORDER BY expires_at LIMIT $2
         ) AND status = 'HELD' AND expires_at <= $1
         RETURNING id, show_id, places
       ), c AS (
         DELETE FROM booking_seat_claims c USING h WHERE c.show_id = h.show_id AND c.hold_id = h.id
       ), per AS (
         SELECT show_id, count(*)::int AS n, sum(places)::int AS places FROM h GROUP BY show_id
       ), p AS (
         UPDATE booking_shows s SET taken = s.taken - per.places FROM per WHERE s.id = per.show_id AND s.kind = 'CAPACITY'
       )
       SELECT show_id, n FROM per`,
      [now, limit],
    );
    return { ended: rows.reduce((a, r) => a + r.n, 0), showIds: rows.map((r) => r.show_id) };
  }
}
