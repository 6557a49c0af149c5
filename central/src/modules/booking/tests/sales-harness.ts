import { randomUUID } from 'node:crypto';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { type ApiAnswer, TestHub } from '../../../../tests/support/test-hub.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { PAYMENTS, type PaymentStatus } from '../../../kernel/ports/payments.js';
import { type BookingParts, bookingParts } from '../index.js';
import { bookingModules } from './booking-modules.js';

/**
 * The payment simulator the test hub is given (in test mode the orders module's, shared through the PAYMENTS port),
 * as the tests script it: outcomes queued with `next`, what it holds per key.
 */
export interface ScriptedPayments {
  next(...outcomes: ('approve' | 'decline' | 'timeout')[]): unknown;
  status(key: string): Promise<PaymentStatus>;
  readonly payments: Map<string, { status: PaymentStatus; amountMinor: number }>;
}

/** A test hub whose clock a test sets (`at`: frozen there; else real time moved by `offsetMs`), with the booking parts. */
export interface SalesHub {
  readonly t: TestHub;
  readonly parts: BookingParts;
  readonly ctx: HubContext;
  readonly clock: { at: number | null; offsetMs: number };
  readonly payments: ScriptedPayments;
  admin: string;
  /** Sets the clock (null: real time again) and signs head office in anew (sessions last eight hours). */
  travel(at: number | null): Promise<void>;
  /** A store's venue and show as head office adds them through the API; returns the show's id. */
  show(opts: {
    storeId?: string | null;
    kind?: 'SEATED' | 'CAPACITY';
    /** SEATED: one section STALLS of `rows` rows of `perRow` seats at `priceMinor`; CAPACITY: `capacity` places. */
    rows?: number;
    perRow?: number;
    capacity?: number;
    priceMinor?: number;
    startsInMs?: number;
    refundCutoffHours?: number;
    title?: string;
  }): Promise<string>;
  /** Places a hold through the API as `who` (head office by default); fails the test on a refusal. */
  hold(
    showId: string,
    body: Record<string, unknown>,
    who?: { cookie?: string; bearer?: string },
  ): Promise<{ id: string; expiresAt: number; seats: string[] }>;
  /** Confirms through the API. */
  confirm(holdId: string, who?: { cookie?: string; bearer?: string; idempotencyKey?: string }): Promise<ApiAnswer>;
  stop(): Promise<void>;
}

export const HOUR_MS = 3_600_000;

/** Starts a test hub whose booking module's context the tests can reach (its parts: sales, waitlist, tickets, holds). */
export async function salesHub(target: DbTarget): Promise<SalesHub> {
  const { modules, context } = await bookingModules();
  const clock = { at: null as number | null, offsetMs: 0 };
  const t = await TestHub.start(target, { modules, now: () => clock.at ?? Date.now() + clock.offsetMs });
  const ctx = context();
  const parts = bookingParts(ctx);
  const payments = ctx.services.get(PAYMENTS) as unknown as ScriptedPayments;
  const h: SalesHub = {
    t,
    parts,
    ctx,
    clock,
    payments,
    admin: await t.login(),
    async travel(at) {
      clock.at = at;
      h.admin = await t.login();
    },
    async show(o) {
      const now = ctx.now();
      const kind = o.kind ?? 'SEATED';
      const rows = Array.from({ length: o.rows ?? 1 }, (_, i) => ({
        label: String.fromCharCode(65 + i),
        seats: o.perRow ?? 10,
      }));
      const venue = await t.call(
        'POST',
        '/api/booking/venues',
        {
          ...(o.storeId ? { storeId: o.storeId } : {}),
          name: `Hall ${randomUUID().slice(0, 6)}`,
          timeZone: 'Europe/London',
          currency: 'GBP',
          sections: [{ code: 'STALLS', name: 'Stalls', priceMinor: o.priceMinor ?? 1500, rows }],
        },
        { cookie: h.admin },
      );
      if (venue.status !== 201) throw new Error(`venue: ${venue.status} ${JSON.stringify(venue.body)}`);
      const startsAt = now + (o.startsInMs ?? 72 * HOUR_MS);
      const show = await t.call(
        'POST',
        '/api/booking/shows',
        {
          venueId: venue.body.id,
          title: o.title ?? 'Hamlet',
          kind,
          startsAt,
          endsAt: startsAt + 3 * HOUR_MS,
          ...(kind === 'CAPACITY' ? { capacity: o.capacity ?? 4, priceMinor: o.priceMinor ?? 1500 } : {}),
          ...(o.refundCutoffHours !== undefined ? { refundCutoffHours: o.refundCutoffHours } : {}),
        },
        { cookie: h.admin },
      );
      if (show.status !== 201) throw new Error(`show: ${show.status} ${JSON.stringify(show.body)}`);
      return show.body.id as string;
    },
    async hold(showId, body, who) {
      const r = await t.call('POST', `/api/booking/shows/${showId}/holds`, body, who ?? { cookie: h.admin });
      if (r.status !== 201) throw new Error(`hold: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    confirm: (holdId, who) => t.call('POST', `/api/booking/holds/${holdId}/confirm`, {}, who ?? { cookie: h.admin }),
    stop: () => t.stop(),
  };
  return h;
}

/** Seats of a show claimed now (held or sold), and how many of them are sold. */
export async function claimsOf(h: SalesHub, showId: string): Promise<{ claimed: number; sold: number }> {
  const { rows } = await h.t.hub.db.query<{ claimed: number; sold: number }>(
    `SELECT count(*)::int AS claimed, count(*) FILTER (WHERE sold)::int AS sold FROM booking_seat_claims WHERE show_id = $1`,
    [showId],
  );
  return rows[0]!;
}
