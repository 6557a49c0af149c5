import { randomUUID } from 'node:crypto';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import type { Db } from '../../../db/db.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { bookingParts } from '../index.js';
import { bookingModules } from './booking-modules.js';

export const PASSWORD = 'a long enough password 123';
export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** A small seated map: STALLS rows A–C of 10 (A-1 a wheelchair space, A-2 its companion), CIRCLE row A of 6. */
export const SMALL_MAP = [
  {
    code: 'STALLS',
    name: 'Stalls',
    priceMinor: 2500,
    rows: [
      { label: 'A', seats: 10, wheelchair: [1], companion: [2] },
      { label: 'B', seats: 10 },
      { label: 'C', seats: 10 },
    ],
  },
  { code: 'CIRCLE', name: 'Circle', priceMinor: 1500, rows: [{ label: 'A', seats: 6 }] },
];

/**
 * A hub with store A (its token, manager, associate), store B (its token, associate), an ADMIN, and helpers to add
 * venues, shows and holds through the API as head office and the stores would.
 */
export class HoldsHarness {
  private constructor(
    readonly t: TestHub,
    readonly admin: string,
    readonly a: { id: string; token: string },
    readonly b: { id: string; token: string },
    readonly managerA: string,
    readonly associateA: string,
    readonly associateB: string,
    readonly ctx: HubContext,
  ) {}

  /** `now`: a clock of the test's own (the expiry tests stop time); else the test hub's, moved by `t.clock`. */
  static async start(target: DbTarget, now?: () => number): Promise<HoldsHarness> {
    const { modules, context } = await bookingModules();
    const t = await TestHub.start(target, now ? { modules, now } : { modules });
    const admin = await t.login();
    const a = await t.store('BOOK-A', admin);
    const b = await t.store('BOOK-B', admin);
    const user = (email: string, role: 'STORE_MANAGER' | 'ASSOCIATE', storeId: string) =>
      t.hub.auth.createUser({ email, name: email, role, storeId: storeId as never, password: PASSWORD });
    await user('manager-a@booking.test', 'STORE_MANAGER', a.id);
    await user('associate-a@booking.test', 'ASSOCIATE', a.id);
    await user('associate-b@booking.test', 'ASSOCIATE', b.id);
    return new HoldsHarness(
      t,
      admin,
      a,
      b,
      await t.login('manager-a@booking.test', PASSWORD),
      await t.login('associate-a@booking.test', PASSWORD),
      await t.login('associate-b@booking.test', PASSWORD),
      context(),
    );
  }

  get parts() {
    return bookingParts(this.ctx);
  }

  get db(): Db {
    return this.t.hub.db;
  }

  now(): number {
    return this.ctx.now();
  }

  async must<T = any>(what: string, p: Promise<{ status: number; body: any }>, status = 201): Promise<T> {
    const r = await p;
    if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  }

  async venue(
    storeId: string | null = null,
    sections: unknown = SMALL_MAP,
  ): Promise<{ id: string; seatCount: number }> {
    return this.must(
      'venue',
      this.t.call(
        'POST',
        '/api/booking/venues',
        { storeId, name: 'Riverside Playhouse', timeZone: 'Europe/London', currency: 'GBP', sections },
        { cookie: this.admin },
      ),
    );
  }

  async show(
    venueId: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ id: string; capacity: number; left: number; storeId: string | null }> {
    const startsAt = this.now() + 48 * HOUR;
    return this.must(
      'show',
      this.t.call(
        'POST',
        '/api/booking/shows',
        { venueId, title: 'Hamlet', kind: 'SEATED', startsAt, endsAt: startsAt + 3 * HOUR, ...extra },
        { cookie: this.admin },
      ),
    );
  }

  hold(
    showId: string,
    body: Record<string, unknown>,
    who: { cookie?: string; bearer?: string } = { cookie: this.admin },
  ) {
    return this.t.call('POST', `/api/booking/shows/${showId}/holds`, { customerId: randomUUID(), ...body }, who);
  }

  /** Every live seat claim of a show with its hold, and each hold's seat numbers, straight from the database. */
  async claims(showId: string) {
    const db = this.db;
    const claims = await db.query<{ seat_no: number; hold_id: string }>(
      `SELECT seat_no, hold_id FROM booking_seat_claims WHERE show_id = $1 ORDER BY seat_no`,
      [showId],
    );
    const holds = await db.query<{ id: string; status: string; seat_nos: number[] }>(
      `SELECT id, status, seat_nos FROM booking_holds WHERE show_id = $1`,
      [showId],
    );
    return { claims: claims.rows, holds: holds.rows };
  }

  async stop() {
    await this.t.stop();
  }
}
