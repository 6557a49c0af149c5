import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { seedDemoBookings } from '../src/demo/demo-booking.js';

/**
 * What `npm start` seeds for booking (issue #19), through the hub's API as the demo does: a head-office cinema of 300
 * seats in two priced sections with wheelchair spaces and companions, a show tonight with bookings and a hold, a
 * store's workshop room with a workshop slot and a seated event, and a small sold-out class with one customer waiting.
 * Started again, it makes nothing twice.
 */
describe.each(dbTargets)('the demo’s bookings on $name', (target) => {
  let t: TestHub;
  let admin: string;
  const customers = Array.from({ length: 9 }, () => randomUUID());
  let storeId: string;

  const api = async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await t.call(method, path, body, { cookie: admin });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    storeId = (await t.store('S001', admin)).id;
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('seeds a cinema with a show tonight, a store’s room with a workshop and an event, and a waitlist; once', async () => {
    const stores = [
      { code: 'S001', name: 'Manhattan Flagship', lat: 40.758, lon: -73.9855, timezone: 'America/New_York', storeId },
    ];
    const first = await seedDemoBookings({ api, stores, customers, say: () => {} });
    expect(first.summary).toBe('4 shows on sale (4 made now), 8 holds and bookings placed, 1 on a waitlist');

    const venues = (await api('GET', '/api/booking/venues')).items;
    const cinema = venues.find((v: { name: string }) => v.name === 'Storefleet Cinema, Screen 1');
    expect(cinema).toMatchObject({ storeId: null, seatCount: 300, currency: 'USD' });
    expect(cinema.sections.map((s: { code: string; priceMinor: number }) => [s.code, s.priceMinor])).toEqual([
      ['STALLS', 1200],
      ['CIRCLE', 1650],
    ]);
    expect(venues.find((v: { name: string }) => v.name === 'Workshop room')).toMatchObject({ storeId, seatCount: 24 });

    const shows = (await api('GET', `/api/booking/shows?from=${Date.now()}&limit=50`)).items;
    const byTitle = new Map(shows.map((s: { title: string }) => [s.title, s]));
    const film = byTitle.get('The Long Goodbye (1973)') as any;
    expect(film).toMatchObject({ kind: 'SEATED', storeId: null, capacity: 300 });
    // tonight: within the next day, on New York's clock
    expect(film.startsAt - Date.now()).toBeLessThan(86_400_000);
    const map = await api('GET', `/api/booking/shows/${film.id}/seats`);
    expect(map.rows.map((r: { kinds: string }) => r.kinds).join('')).toMatch(/^WC.{16}CW/);
    expect(map.seats.replace(/\./g, '').split('').sort().join('')).toBe('hhsssssss');
    expect(byTitle.get('Home espresso workshop')).toMatchObject({ kind: 'CAPACITY', storeId, capacity: 12, left: 9 });
    expect(byTitle.get('Meet the maker: stoneware evening')).toMatchObject({ kind: 'SEATED', storeId, left: 22 });
    const knives = byTitle.get('Knife skills (small class)') as any;
    expect(knives).toMatchObject({ kind: 'CAPACITY', capacity: 4, left: 0 });
    const waiting = await api('GET', `/api/booking/shows/${knives.id}/waitlist`);
    expect((waiting.items ?? waiting).map((w: { customerId: string }) => w.customerId)).toEqual([customers[8]]);

    // started again: found by name and title, nothing made twice
    const again = await seedDemoBookings({ api, stores, customers, say: () => {} });
    expect(again.summary).toBe('4 shows on sale (0 made now)');
    expect((await api('GET', '/api/booking/venues')).items).toHaveLength(2);
  }, 120_000);
});
