import type { Queryable } from '../../db/db.js';

/** A customer waiting for seats at a sold-out show; `position` orders the queue. */
export interface WaitlistEntry {
  readonly id: string;
  readonly position: number;
  readonly showId: string;
  readonly customerId: string;
  readonly places: number;
  readonly section: string | null;
  readonly status: 'WAITING' | 'OFFERED' | 'BOOKED' | 'LAPSED' | 'LEFT';
  /** The hold offered to them (OFFERED and after). */
  readonly offerHoldId: string | null;
  readonly joinedAt: number;
  readonly updatedAt: number;
  readonly createdBy: string;
}

interface EntryRow {
  id: string;
  position: number | string;
  show_id: string;
  customer_id: string;
  places: number;
  section_code: string | null;
  status: WaitlistEntry['status'];
  offer_hold_id: string | null;
  joined_at: number;
  updated_at: number;
  created_by: string;
}
const ENTRY_COLUMNS =
  'id, position, show_id, customer_id, places, section_code, status, offer_hold_id, joined_at, updated_at, created_by';
const ENTRY_COLUMNS_W = ENTRY_COLUMNS.split(', ')
  .map((c) => `w.${c}`)
  .join(', ');
const toEntry = (r: EntryRow): WaitlistEntry => ({
  id: r.id,
  position: Number(r.position),
  showId: r.show_id,
  customerId: r.customer_id,
  places: r.places,
  section: r.section_code,
  status: r.status,
  offerHoldId: r.offer_hold_id,
  joinedAt: Number(r.joined_at),
  updatedAt: Number(r.updated_at),
  createdBy: r.created_by,
});

/** A refund the provider refused is tried again after 30 s × 2^tries, at most an hour later (`refundsDue`). */
export const REFUND_RETRY_MS = 30_000;
export const REFUND_RETRY_CAP_MS = 3_600_000;

/** How long an offer may sit claimed without its hold (a hub that died between the claim and the hold) before it waits again. */
export const OFFER_CLAIM_STALE_MS = 60_000;

/**
 * The sales side's SQL (confirm, cancel, refunds, waitlists, admissions); the holds' own primitives (endHold,
 * markSold, hold, show, seatLabels) are lane A's `BookingRepository`. Postgres and PGlite run the same text.
 */
export class SalesRepository {
  constructor(readonly q: Queryable) {}

  // ---- confirm ------------------------------------------------------------------------------------------------

  /**
   * HELD → CONFIRMING while the hold has not expired: the one conditional write that makes exactly one of a confirm
   * and the expiry sweeper (HELD → EXPIRED where `expires_at <= now`) win. False when the hold was not HELD or expired.
   */
  async startConfirming(holdId: string, now: number): Promise<boolean> {
    const { rows } = await this.q.query(
      `UPDATE booking_holds SET status = 'CONFIRMING', confirming_since = $2, payment_key = 'booking:' || id::text,
         updated_at = $2
       WHERE id = $1 AND status = 'HELD' AND expires_at > $2 RETURNING id`,
      [holdId, now],
    );
    return rows.length === 1;
  }

  /** CONFIRMING → HELD: the payment was never asked for (no provider configured); the sweeper ends it when it is due. */
  async backToHeld(holdId: string, now: number): Promise<void> {
    await this.q.query(
      `UPDATE booking_holds SET status = 'HELD', confirming_since = NULL, updated_at = $2
       WHERE id = $1 AND status = 'CONFIRMING'`,
      [holdId, now],
    );
  }

  /**
   * CONFIRMING → CONFIRMED while its show is ON_SALE, in one statement that takes the show's row FOR SHARE: a venue's
   * cancel (ON_SALE → CANCELLED, an update of that row) either waits for this transaction to commit and then finds the
   * booking CONFIRMED (and refunds it), or has committed first and this finds the show CANCELLED. False when the hold
   * was no longer CONFIRMING (another hub's settle finished it first) or the show is not on sale.
   */
  async markConfirmed(holdId: string, paymentRef: string | null, now: number): Promise<boolean> {
    const { rows } = await this.q.query(
      `WITH s AS (
         SELECT s.id FROM booking_shows s
         WHERE s.id = (SELECT show_id FROM booking_holds WHERE id = $1) AND s.status = 'ON_SALE'
         FOR SHARE
       )
       UPDATE booking_holds h SET status = 'CONFIRMED', confirmed_at = $3, payment_ref = $2, updated_at = $3
       FROM s WHERE h.id = $1 AND h.status = 'CONFIRMING' AND h.show_id = s.id RETURNING h.id`,
      [holdId, paymentRef, now],
    );
    return rows.length === 1;
  }

  /** Holds left CONFIRMING since before `before` (a timeout, a crash between the payment and the write), oldest first. */
  async confirmingSince(before: number, limit: number): Promise<{ id: string; since: number; amountMinor: number }[]> {
    const { rows } = await this.q.query<{ id: string; confirming_since: number; amount_minor: number }>(
      `SELECT id, confirming_since, amount_minor FROM booking_holds
       WHERE status = 'CONFIRMING' AND confirming_since <= $1 ORDER BY confirming_since LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => ({ id: r.id, since: Number(r.confirming_since), amountMinor: r.amount_minor }));
  }

  // ---- refunds ------------------------------------------------------------------------------------------------

  async setRefund(holdId: string, refundMinor: number, now: number): Promise<void> {
    await this.q.query(`UPDATE booking_holds SET refund_minor = $2, refund_state = $3, updated_at = $4 WHERE id = $1`, [
      holdId,
      refundMinor,
      refundMinor > 0 ? 'DUE' : 'NONE',
      now,
    ]);
  }

  async refundDone(holdId: string, now: number): Promise<void> {
    await this.q.query(
      `UPDATE booking_holds SET refund_state = 'DONE', updated_at = $2 WHERE id = $1 AND refund_state = 'DUE'`,
      [holdId, now],
    );
  }

  /** A void the provider refused: tried once more, and the next try backed off by the tries (`refundRetryAt`). */
  async refundFailed(holdId: string, now: number): Promise<number> {
    const { rows } = await this.q.query<{ refund_tries: number }>(
      `UPDATE booking_holds SET refund_tries = refund_tries + 1, updated_at = $2 WHERE id = $1 AND refund_state = 'DUE'
       RETURNING refund_tries`,
      [holdId, now],
    );
    return Number(rows[0]?.refund_tries ?? 0);
  }

  /**
   * Refunds owed whose next try is due (the last try, `updated_at`, plus `min(2^tries × 30 s, 1 h)`), the most overdue
   * first: one the provider keeps refusing waits longer each time and never holds back the ones behind it.
   */
  async refundsDue(now: number, limit: number): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      `SELECT id FROM (
         SELECT id, updated_at + LEAST(${REFUND_RETRY_MS}::bigint * power(2, LEAST(refund_tries, 20))::bigint,
                                       ${REFUND_RETRY_CAP_MS}::bigint) AS next_try
         FROM booking_holds WHERE refund_state = 'DUE'
       ) d WHERE next_try <= $1 ORDER BY next_try, id LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  // ---- shows --------------------------------------------------------------------------------------------------

  /** ON_SALE → CANCELLED, its version bumped; false when it already was. */
  async cancelShow(showId: string, now: number): Promise<boolean> {
    const { rows } = await this.q.query(
      `UPDATE booking_shows SET status = 'CANCELLED', version = version + 1, updated_at = $2
       WHERE id = $1 AND status = 'ON_SALE' RETURNING id`,
      [showId, now],
    );
    return rows.length === 1;
  }

  /** Up to `limit` of a show's holds in one of `statuses`. */
  async holdIdsOfShow(showId: string, statuses: readonly string[], limit: number): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      `SELECT id FROM booking_holds WHERE show_id = $1 AND status = ANY($2::text[]) ORDER BY id LIMIT $3`,
      [showId, statuses, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Seats (SEATED) or places (CAPACITY) a show has free now, in one section when `section` is given. */
  async freeCount(show: { id: string; venueId: string; kind: string }, section: string | null): Promise<number> {
    if (show.kind === 'CAPACITY') {
      const { rows } = await this.q.query<{ n: number }>(
        'SELECT capacity - taken AS n FROM booking_shows WHERE id = $1',
        [show.id],
      );
      return Number(rows[0]?.n ?? 0);
    }
    const { rows } = await this.q.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM booking_seats s WHERE s.venue_id = $2 AND ($3::text IS NULL OR s.section_code = $3))
             - (SELECT count(*) FROM booking_seat_claims c JOIN booking_seats s ON s.venue_id = $2 AND s.seat_no = c.seat_no
                WHERE c.show_id = $1 AND ($3::text IS NULL OR s.section_code = $3)))::int AS n`,
      [show.id, show.venueId, section],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async sectionExists(venueId: string, code: string): Promise<boolean> {
    const { rows } = await this.q.query('SELECT 1 FROM booking_sections WHERE venue_id = $1 AND code = $2', [
      venueId,
      code,
    ]);
    return rows.length === 1;
  }

  // ---- waitlist -----------------------------------------------------------------------------------------------

  /** A new WAITING entry; undefined when the customer already waits (or has an offer) at this show. */
  async joinWaitlist(e: {
    id: string;
    showId: string;
    customerId: string;
    places: number;
    section: string | null;
    now: number;
    createdBy: string;
  }): Promise<WaitlistEntry | undefined> {
    const { rows } = await this.q.query<EntryRow>(
      `INSERT INTO booking_waitlist (id, show_id, customer_id, places, section_code, status, joined_at, updated_at, created_by)
       VALUES ($1, $2, $3, $4, $5, 'WAITING', $6, $6, $7)
       ON CONFLICT (show_id, customer_id) WHERE status IN ('WAITING', 'OFFERED') DO NOTHING
       RETURNING ${ENTRY_COLUMNS}`,
      [e.id, e.showId, e.customerId, e.places, e.section, e.now, e.createdBy],
    );
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  async entry(entryId: string): Promise<WaitlistEntry | undefined> {
    const { rows } = await this.q.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM booking_waitlist WHERE id = $1`, [
      entryId,
    ]);
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /** WAITING entries ahead of `position` at the show. */
  async ahead(showId: string, position: number): Promise<number> {
    const { rows } = await this.q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM booking_waitlist WHERE show_id = $1 AND status = 'WAITING' AND position < $2`,
      [showId, position],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The show's live entries (WAITING and OFFERED), in queue order. */
  async waitlistOf(showId: string, limit: number): Promise<WaitlistEntry[]> {
    const { rows } = await this.q.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM booking_waitlist WHERE show_id = $1 AND status IN ('WAITING', 'OFFERED')
       ORDER BY position LIMIT $2`,
      [showId, limit],
    );
    return rows.map(toEntry);
  }

  /** WAITING or OFFERED → LEFT; the entry as it is after (undefined when it no longer was live). */
  async leave(entryId: string, now: number): Promise<WaitlistEntry | undefined> {
    const { rows } = await this.q.query<EntryRow>(
      `UPDATE booking_waitlist SET status = 'LEFT', updated_at = $2 WHERE id = $1 AND status IN ('WAITING', 'OFFERED')
       RETURNING ${ENTRY_COLUMNS}`,
      [entryId, now],
    );
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /** Every live entry of a cancelled show leaves; how many did. */
  async leaveAll(showId: string, now: number): Promise<number> {
    const { rows } = await this.q.query(
      `UPDATE booking_waitlist SET status = 'LEFT', updated_at = $2 WHERE show_id = $1 AND status IN ('WAITING', 'OFFERED')
       RETURNING id`,
      [showId, now],
    );
    return rows.length;
  }

  /**
   * Offers whose hold ended move on: CONFIRMED (or since cancelled) → BOOKED; EXPIRED, RELEASED, FAILED → LAPSED. An
   * offer claimed by a hub that died before it placed the hold waits again after `OFFER_CLAIM_STALE_MS`.
   */
  async settleOffers(showId: string, now: number): Promise<void> {
    await this.q.query(
      `UPDATE booking_waitlist w
       SET status = CASE WHEN h.status IN ('CONFIRMED', 'CANCELLED') THEN 'BOOKED' ELSE 'LAPSED' END, updated_at = $2
       FROM booking_holds h
       WHERE w.show_id = $1 AND w.status = 'OFFERED' AND h.id = w.offer_hold_id
         AND h.status IN ('CONFIRMED', 'CANCELLED', 'EXPIRED', 'RELEASED', 'FAILED')`,
      [showId, now],
    );
    await this.q.query(
      `UPDATE booking_waitlist SET status = 'WAITING', updated_at = $2
       WHERE show_id = $1 AND status = 'OFFERED' AND offer_hold_id IS NULL AND updated_at <= $3`,
      [showId, now, now - OFFER_CLAIM_STALE_MS],
    );
  }

  /**
   * Claims the show's head WAITING entry for an offer (WAITING → OFFERED, no hold yet) — only the head, and only while
   * no other offer of this show is being placed: SKIP LOCKED keeps two hubs from claiming one entry, and the two
   * NOT EXISTS keep a hub from claiming the second while another hub is still placing the first's hold (so nobody
   * jumps the queue). Undefined when there is nobody to offer to, or another hub is offering.
   */
  async claimHead(
    showId: string,
    now: number,
  ): Promise<(WaitlistEntry & { readonly claimedFrom: number }) | undefined> {
    const { rows } = await this.q.query<EntryRow & { prior_updated_at: number }>(
      `WITH head AS (
         SELECT id, updated_at FROM booking_waitlist WHERE show_id = $1 AND status = 'WAITING'
         ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED
       )
       UPDATE booking_waitlist w SET status = 'OFFERED', updated_at = $2
       FROM head
       WHERE w.id = head.id AND w.status = 'WAITING'
         AND NOT EXISTS (SELECT 1 FROM booking_waitlist e
                         WHERE e.show_id = $1 AND e.status = 'WAITING' AND e.position < w.position)
         AND NOT EXISTS (SELECT 1 FROM booking_waitlist o
                         WHERE o.show_id = $1 AND o.status = 'OFFERED' AND o.offer_hold_id IS NULL)
       RETURNING ${ENTRY_COLUMNS_W}, head.updated_at AS prior_updated_at`,
      [showId, now],
    );
    return rows[0] ? { ...toEntry(rows[0]), claimedFrom: Number(rows[0].prior_updated_at) } : undefined;
  }

  /** The show's head WAITING entry (who an offer goes to next), if any. */
  async head(showId: string): Promise<WaitlistEntry | undefined> {
    const { rows } = await this.q.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM booking_waitlist WHERE show_id = $1 AND status = 'WAITING' ORDER BY position LIMIT 1`,
      [showId],
    );
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /** A claimed entry's hold was placed. */
  async offered(entryId: string, holdId: string, now: number): Promise<void> {
    await this.q.query(`UPDATE booking_waitlist SET offer_hold_id = $2, updated_at = $3 WHERE id = $1`, [
      entryId,
      holdId,
      now,
    ]);
  }

  /**
   * A claimed entry got no hold (not enough seats together yet): it waits again, in its place, exactly as it was
   * (`updatedAt` as before the claim) — an offer round that could offer nothing leaves no trace.
   */
  async unclaim(entryId: string, updatedAt: number): Promise<void> {
    await this.q.query(
      `UPDATE booking_waitlist SET status = 'WAITING', updated_at = $2
       WHERE id = $1 AND status = 'OFFERED' AND offer_hold_id IS NULL`,
      [entryId, updatedAt],
    );
  }

  /** The offer that became this booking is BOOKED. */
  async offerBooked(holdId: string, now: number): Promise<void> {
    await this.q.query(
      `UPDATE booking_waitlist SET status = 'BOOKED', updated_at = $2 WHERE offer_hold_id = $1 AND status = 'OFFERED'`,
      [holdId, now],
    );
  }

  /** Shows with someone waiting or holding an offer (the periodic offer round). */
  async showsWaiting(limit: number): Promise<string[]> {
    const { rows } = await this.q.query<{ show_id: string }>(
      `SELECT DISTINCT show_id FROM booking_waitlist WHERE status IN ('WAITING', 'OFFERED') LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.show_id);
  }

  // ---- admissions ---------------------------------------------------------------------------------------------

  /**
   * Takes a confirmed booking's row FOR UPDATE (a cancel, before it looks at the door's admissions): an admission being
   * recorded (which takes the row FOR SHARE) either committed before and is seen, or waits and then finds it cancelled.
   */
  async lockBooking(holdId: string): Promise<void> {
    await this.q.query(`SELECT 1 FROM booking_holds WHERE id = $1 FOR UPDATE`, [holdId]);
  }

  /** The booking's first ticket let in at the door, if any. */
  async firstAdmission(bookingId: string): Promise<{ ticketNo: number; admittedAt: number } | undefined> {
    const { rows } = await this.q.query<{ ticket_no: number; admitted_at: number }>(
      `SELECT ticket_no, admitted_at FROM booking_admissions WHERE booking_id = $1 ORDER BY admitted_at, ticket_no LIMIT 1`,
      [bookingId],
    );
    return rows[0] ? { ticketNo: rows[0].ticket_no, admittedAt: Number(rows[0].admitted_at) } : undefined;
  }

  /**
   * Records a ticket let in — only while its booking is CONFIRMED (its row taken FOR SHARE, so a cancel running now
   * either waits for this or has ended it first: 'cancelled' then); the time it was first let in when it already had been.
   */
  async admit(a: {
    bookingId: string;
    ticketNo: number;
    showId: string;
    storeId: string | null;
    admittedAt: number;
    recordedAt: number;
    by: string | null;
  }): Promise<{ first: boolean; admittedAt: number } | 'cancelled'> {
    const { rows } = await this.q.query(
      `INSERT INTO booking_admissions (booking_id, ticket_no, show_id, store_id, admitted_at, recorded_at, by)
       SELECT $1, $2, $3, $4, $5, $6, $7
       WHERE EXISTS (SELECT 1 FROM booking_holds WHERE id = $1 AND status = 'CONFIRMED' FOR SHARE)
       ON CONFLICT (booking_id, ticket_no) DO NOTHING RETURNING booking_id`,
      [a.bookingId, a.ticketNo, a.showId, a.storeId, a.admittedAt, a.recordedAt, a.by],
    );
    if (rows.length === 1) return { first: true, admittedAt: a.admittedAt };
    const prior = await this.q.query<{ admitted_at: number }>(
      'SELECT admitted_at FROM booking_admissions WHERE booking_id = $1 AND ticket_no = $2',
      [a.bookingId, a.ticketNo],
    );
    if (!prior.rows[0]) return 'cancelled';
    return { first: false, admittedAt: Number(prior.rows[0].admitted_at) };
  }
}
