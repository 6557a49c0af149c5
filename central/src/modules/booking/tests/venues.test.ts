import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { HOUR, HoldsHarness, SMALL_MAP } from './holds-harness.js';

/** `sections` of `rows` rows of 250 seats each. */
const bigMap = (sections: number, rows: number) =>
  Array.from({ length: sections }, (_, s) => ({
    code: `S${s + 1}`,
    name: `Section ${s + 1}`,
    priceMinor: 1000 + s,
    rows: Array.from({ length: rows }, (_, r) => ({ label: `R${r + 1}`, seats: 250 })),
  }));

describe.each(dbTargets)('venues and shows, on $name', (target) => {
  let h: HoldsHarness;
  beforeAll(async () => {
    h = await HoldsHarness.start(target);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  const venueBody = (storeId: string | null, sections: unknown = SMALL_MAP) => ({
    storeId,
    name: 'Studio',
    timeZone: 'America/New_York',
    currency: 'USD',
    sections,
  });

  it('creates a 50,000-seat venue in map order and holds seats in it; 50,001 seats are refused', async () => {
    const r = await h.t.call('POST', '/api/booking/venues', venueBody(null, bigMap(10, 20)), { cookie: h.admin });
    expect(r.status).toBe(201);
    expect(r.body.seatCount).toBe(50_000);
    expect(r.body.sections.map((s: { code: string }) => s.code)).toEqual(bigMap(10, 20).map((s) => s.code));
    const show = await h.show(r.body.id);
    expect(show.left).toBe(50_000);
    const hold = await h.hold(show.id, { seats: ['S10-R20-250', 'S1-R1-1'] });
    expect(hold.status).toBe(201);
    expect(hold.body.amountMinor).toBe(1009 + 1000);
    const best = await h.hold(show.id, { best: { count: 10, section: 'S7' } });
    expect(best.body.seats[0]).toMatch(/^S7-R1-12\d$/);
    const map = await h.t.call('GET', `/api/booking/shows/${show.id}/seats`);
    expect(map.body.seats).toHaveLength(50_000);
    expect(map.body.seats[49_999]).toBe('h');
    expect(map.body.seats[0]).toBe('h');
    expect(map.body.free).toBe(50_000 - 12);
    expect(map.body.rows).toHaveLength(200);
    expect(map.body.rows[199]).toMatchObject({ section: 'S10', row: 'R20', firstSeatNo: 49_750 });

    const tooBig = [
      ...bigMap(10, 20),
      { code: 'EXTRA', name: 'Extra', priceMinor: 1, rows: [{ label: 'A', seats: 1 }] },
    ];
    const refused = await h.t.call('POST', '/api/booking/venues', venueBody(null, tooBig), { cookie: h.admin });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('at most 50,000 seats; this map has 50,001');
  }, 120_000);

  it('refuses a venue for a store the hub does not have, writing nothing', async () => {
    const count = async () =>
      (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM booking_venues')).rows[0]!.n;
    const before = await count();
    const ghost = randomUUID();
    const r = await h.t.call('POST', '/api/booking/venues', venueBody(ghost), { cookie: h.admin });
    expect(r.status).toBe(422);
    expect(r.body.detail).toBe(`there is no store ${ghost}`);
    const named = await h.t.call('POST', '/api/booking/venues', venueBody('BOOK-A'), { cookie: h.admin });
    expect(named.status).toBe(422);
    expect(named.body.detail).toBe('there is no store BOOK-A');
    const control = await h.t.call('POST', '/api/booking/venues', venueBody('store\u0000a'), { cookie: h.admin });
    expect(control.status).toBe(400);
    expect(await count()).toBe(before);
    // a real store's venue and show are accepted (its show's feed entry goes to that store)
    const ok = await h.t.call('POST', '/api/booking/venues', venueBody(h.a.id), { cookie: h.admin });
    expect(ok.status).toBe(201);
    expect((await h.show(ok.body.id)).storeId).toBe(h.a.id);
  });

  it('lets head office add any venue and a store’s manager their store’s only', async () => {
    const call = (body: unknown, cookie: string) => h.t.call('POST', '/api/booking/venues', body, { cookie });
    expect((await call(venueBody(h.a.id), h.managerA)).status).toBe(201);
    expect((await call(venueBody(null), h.managerA)).status).toBe(403);
    expect((await call(venueBody(h.b.id), h.managerA)).status).toBe(403);
    expect((await call(venueBody(h.a.id), h.associateA)).status).toBe(403);
    expect((await h.t.call('POST', '/api/booking/venues', venueBody(h.a.id), { bearer: h.a.token })).status).toBe(403);
    expect((await h.t.call('POST', '/api/booking/venues', venueBody(null))).status).toBe(401);
    const listed = await h.t.call('GET', `/api/booking/venues?storeId=${h.a.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.every((v: { storeId: string }) => v.storeId === h.a.id)).toBe(true);
    expect(listed.body.items.length).toBeGreaterThan(0);
  });

  it('refuses a bad map with a sentence and writes nothing', async () => {
    const count = async () =>
      (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM booking_venues`)).rows[0]!.n;
    const before = await count();
    const bad: unknown[] = [
      venueBody(null, []),
      venueBody(null, [{ ...SMALL_MAP[0], code: 'stalls' }]),
      venueBody(null, [{ ...SMALL_MAP[0], rows: [{ label: 'A', seats: 301 }] }]),
      venueBody(null, [{ ...SMALL_MAP[0], rows: [{ label: 'A', seats: 5, wheelchair: [6] }] }]),
      venueBody(null, [{ ...SMALL_MAP[0], rows: [{ label: 'A', seats: 5, wheelchair: [2], companion: [2] }] }]),
      { ...venueBody(null), timeZone: 'Mars/Olympus' },
      { ...venueBody(null), currency: 'usd' },
      { ...venueBody(null), name: 'Bad\u0000name' },
      { ...venueBody(null), extra: true },
      venueBody(null, [SMALL_MAP[0], SMALL_MAP[0]]),
      venueBody(null, [{ ...SMALL_MAP[0], rows: [SMALL_MAP[0]!.rows[0], SMALL_MAP[0]!.rows[0]] }]),
    ];
    for (const body of bad) {
      const r = await h.t.call('POST', '/api/booking/venues', body, { cookie: h.admin });
      expect([400, 422], JSON.stringify(body).slice(0, 200)).toContain(r.status);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await count()).toBe(before);
  });

  it('adds a store’s show with its feed entry, lists shows in pages for anyone, and refuses bad shows', async () => {
    const venue = await h.must(
      'venue',
      h.t.call('POST', '/api/booking/venues', venueBody(h.a.id), { cookie: h.managerA }),
    );
    const startsAt = h.now() + 24 * HOUR;
    const body = { venueId: venue.id, title: 'Lens fitting', kind: 'CAPACITY', capacity: 4, priceMinor: 0, startsAt };
    const slot = await h.must(
      'slot',
      h.t.call('POST', '/api/booking/shows', { ...body, endsAt: startsAt + HOUR }, { cookie: h.managerA }),
    );
    expect(slot).toMatchObject({ storeId: h.a.id, kind: 'CAPACITY', capacity: 4, left: 4, currency: 'USD' });
    const feed = await h.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_feed WHERE store_id = $1 AND type = 'booking.show' AND payload->>'showId' = $2`,
      [h.a.id, slot.id],
    );
    expect(feed.rows[0]!.n).toBe(1);
    // store B's manager-less associate cannot add one at store A's venue; nor can store A's associate
    const other = { ...body, endsAt: startsAt + HOUR };
    expect((await h.t.call('POST', '/api/booking/shows', other, { cookie: h.associateA })).status).toBe(403);
    expect((await h.t.call('POST', '/api/booking/shows', other)).status).toBe(401);
    for (const bad of [
      { ...other, endsAt: startsAt },
      { ...other, startsAt: h.now() - HOUR, endsAt: h.now() + HOUR },
      { ...other, capacity: undefined },
      { ...other, kind: 'SEATED' },
      { ...other, title: '' },
      { ...other, holdMinutes: 0 },
    ]) {
      const r = await h.t.call('POST', '/api/booking/shows', bad, { cookie: h.admin });
      expect([400, 422], JSON.stringify(bad)).toContain(r.status);
    }
    for (let i = 0; i < 3; i++)
      await h.must(
        'slot',
        h.t.call(
          'POST',
          '/api/booking/shows',
          { ...body, startsAt: startsAt + (i + 1) * HOUR, endsAt: startsAt + (i + 2) * HOUR },
          { cookie: h.admin },
        ),
      );
    const first = await h.t.call('GET', `/api/booking/shows?storeId=${h.a.id}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].id).toBe(slot.id);
    const rest = await h.t.call('GET', `/api/booking/shows?storeId=${h.a.id}&limit=2&after=${first.body.next}`);
    expect(rest.body.items).toHaveLength(2);
    expect(rest.body.next).not.toBeNull();
    const ids = [...first.body.items, ...rest.body.items].map((s: { id: string }) => s.id);
    expect(new Set(ids).size).toBe(4);
    expect((await h.t.call('GET', '/api/booking/shows?limit=0')).status).toBe(400);
    expect((await h.t.call('GET', '/api/booking/shows?after=bogus')).status).toBe(400);
    expect((await h.t.call('GET', '/api/booking/shows?colour=red')).status).toBe(400);
  });
});
