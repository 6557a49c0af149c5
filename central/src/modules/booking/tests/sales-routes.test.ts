import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessMismatch, successMismatch } from '../../../../tests/support/access-verdict.js';
import {
  type BookingSalesAccessFixture,
  bookingSalesAccessFixture,
  bookingSalesBodies,
  bookingSalesPath,
} from '../../../../tests/support/booking-sales-access.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { type HubAccessRole, hubAccessTable } from '../../../kernel/access-matrix.js';
import { salesAccessLines } from '../sales-access.js';
import { type SalesHub, salesHub } from './sales-harness.js';

const PASSWORD = 'a long enough password 123';

describe.each(dbTargets)('the booking sales routes, on $name', (target) => {
  let h: SalesHub;
  let fx: BookingSalesAccessFixture;
  let who: Record<HubAccessRole, { cookie?: string; bearer?: string }>;

  beforeAll(async () => {
    h = await salesHub(target);
    const a = await h.t.store('SALES-A', h.admin);
    const b = await h.t.store('SALES-B', h.admin);
    const user = async (email: string, role: 'STORE_MANAGER' | 'ASSOCIATE', storeId: string) => {
      await h.t.hub.auth.createUser({ email, name: email, role, storeId: storeId as never, password: PASSWORD });
      return h.t.login(email, PASSWORD);
    };
    // a customer signed in on the web (issue #26): the sales routes are staff's, so a customer is refused as nobody is
    const customer = async (email: string) => {
      const res = await h.t.call('POST', '/api/account/sign-up', { email, password: PASSWORD, name: email });
      if (res.status !== 201) throw new Error(`fixture: customer sign-up answered ${res.status}`);
      return res.body.token as string;
    };
    who = {
      anonymous: {},
      admin: { cookie: h.admin },
      managerA: { cookie: await user('manager-a@sales.test', 'STORE_MANAGER', a.id) },
      associateA: { cookie: await user('associate-a@sales.test', 'ASSOCIATE', a.id) },
      storeA: { bearer: a.token },
      storeB: { bearer: b.token },
      associateB: { cookie: await user('associate-b@sales.test', 'ASSOCIATE', b.id) },
      customerA: { bearer: await customer('customer-a@sales.test') },
      customerB: { bearer: await customer('customer-b@sales.test') },
    };
    const venue = await h.t.call(
      'POST',
      '/api/booking/venues',
      {
        storeId: a.id,
        name: 'Store A hall',
        timeZone: 'America/New_York',
        currency: 'USD',
        sections: [
          {
            code: 'STALLS',
            name: 'Stalls',
            priceMinor: 1500,
            rows: [
              { label: 'A', seats: 5 },
              { label: 'B', seats: 5 },
            ],
          },
        ],
      },
      { cookie: h.admin },
    );
    fx = await bookingSalesAccessFixture(h.t, venue.body.id, h.admin);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('answers every role as its rows in the authorization matrix say (the privileged caller first, succeeding)', async () => {
    const rows = hubAccessTable(salesAccessLines);
    const order: HubAccessRole[] = [
      'admin',
      'managerA',
      'storeA',
      'associateA',
      'associateB',
      'storeB',
      'customerA',
      'customerB',
      'anonymous',
    ];
    const mismatches: string[] = [];
    for (const row of rows) {
      const path = bookingSalesPath(fx, row.path) ?? row.path;
      const privileged = order.find((r) => row.cells[r] === 'allow');
      for (const role of [...order].sort((x, y) => Number(y === privileged) - Number(x === privileged))) {
        const body = row.method === 'GET' ? undefined : bookingSalesBodies(fx, role)[`${row.method} ${row.path}`]?.();
        const res = await h.t.call(row.method, path, body, who[role]);
        const missing = row.hidesExistence
          ? (await h.t.call(row.method, path.replace(/[0-9a-f-]{36}/, randomUUID()), body, who[role])).status
          : undefined;
        const wrong =
          accessMismatch(row, role, res.status, missing) ??
          (role === privileged ? successMismatch(row, role, res.status, JSON.stringify(res.body)) : undefined);
        if (res.status >= 500) mismatches.push(`${role} ${row.method} ${path} → ${res.status}`);
        if (wrong) mismatches.push(wrong);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses hostile input with a problem and changes nothing', async () => {
    const admin = { cookie: h.admin };
    const before = await h.t.hub.db.query('SELECT id, status, refund_state FROM booking_holds ORDER BY id');
    const bad: [string, string, unknown][] = [
      ['POST', '/api/booking/holds/not-a-uuid/confirm', {}],
      ['POST', `/api/booking/holds/${fx.confirmHoldId}/confirm`, { pay: true }],
      ['POST', `/api/booking/bookings/${fx.bookingId}/cancel`, { reason: 'no\u0000way' }],
      ['POST', `/api/booking/bookings/${fx.bookingId}/cancel`, { reason: 'x'.repeat(201) }],
      ['POST', `/api/booking/bookings/${fx.bookingId}/cancel`, { reason: 'fine', extra: 1 }],
      ['POST', `/api/booking/shows/${fx.soldOutShowId}/waitlist`, { customerId: randomUUID(), places: 0 }],
      ['POST', `/api/booking/shows/${fx.soldOutShowId}/waitlist`, { customerId: 'nobody', places: 1 }],
      ['POST', `/api/booking/shows/${fx.soldOutShowId}/waitlist`, { customerId: randomUUID(), places: 1, vip: true }],
      ['POST', `/api/booking/shows/${fx.spareShowId}/cancel`, {}],
      ['POST', `/api/booking/shows/${fx.spareShowId}/cancel`, { reason: '\u001b[2J' }],
      ['POST', '/api/booking/admissions', { code: 'x'.repeat(1001) }],
      ['POST', '/api/booking/admissions', {}],
      ['GET', '/api/booking/ticket-key?format=pem', undefined],
      ['GET', `/api/booking/bookings/${fx.bookingId}?all=1`, undefined],
      ['DELETE', '/api/booking/waitlist/123', undefined],
    ];
    for (const [method, path, body] of bad) {
      const r = await h.t.call(method, path, body, admin);
      expect([400, 422], `${method} ${path} → ${r.status}`).toContain(r.status);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    const garbage = await h.t.call('POST', '/api/booking/admissions', { code: 'SFT1.e30.AAAA' }, admin);
    expect(garbage.status).toBe(422);
    const after = await h.t.hub.db.query('SELECT id, status, refund_state FROM booking_holds ORDER BY id');
    expect(after.rows).toEqual(before.rows);
  });

  it('a booking reads the same to head office and the store, and is missing to another store exactly as a made-up id', async () => {
    const mine = await h.t.call('GET', `/api/booking/bookings/${fx.bookingId}`, undefined, who.storeA);
    expect(mine.status).toBe(200);
    expect(mine.body.booking).toMatchObject({ id: fx.bookingId, status: 'CONFIRMED', seats: ['STALLS-B-2'] });
    expect(mine.body.refundRule).toBe('full refund up to 24 h before the show, none after');
    const theirs = await h.t.call('GET', `/api/booking/bookings/${fx.bookingId}`, undefined, who.storeB);
    const madeUp = await h.t.call('GET', `/api/booking/bookings/${randomUUID()}`, undefined, who.storeB);
    expect(theirs.status).toBe(404);
    expect(madeUp.status).toBe(404);
    expect(theirs.body.title).toBe(madeUp.body.title);
    // a hold placed by store B's node at head office's show is its own to confirm
    const hoShow = await h.show({ rows: 1, perRow: 2 });
    const hold = await h.hold(hoShow, { customerId: randomUUID(), seats: ['STALLS-A-1'] }, who.storeB);
    expect((await h.confirm(hold.id, who.storeB)).status).toBe(200);
    expect((await h.confirm(hold.id, who.storeA)).status).toBe(404);
  });
});
