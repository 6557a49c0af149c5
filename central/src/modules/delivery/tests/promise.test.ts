import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryRequestSchema } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { gramsFromSize, goodsOf, isAgeRestricted } from '../goods.js';
import { evaluate, noCarrierSentence, windowFor, type Job } from '../promise.js';
import type { Carrier } from '../types.js';
import {
  addCarriers,
  addProducts,
  carrierBody,
  deliveryHub,
  orderFor,
  setClock,
  storeAt,
  type DeliveryHub,
} from './core-harness.js';

const NY = { name: 'Store NY', timezone: 'America/New_York' };
const at = (iso: string) => Date.parse(iso);

describe('the promise’s windows, in the store’s zone', () => {
  const now = at('2027-06-09T18:00:00Z'); // 14:00 in New York (EDT)

  it('gives each speed its window: two hours, until the day’s close, tomorrow’s delivery day, or as asked', () => {
    expect(windowFor({ speed: 'TWO_HOUR' }, now, NY)).toEqual({ ok: true, window: { from: now, to: now + 7_200_000 } });
    expect(windowFor({ speed: 'SAME_DAY' }, now, NY)).toEqual({
      ok: true,
      window: { from: now, to: at('2027-06-10T01:00:00Z') },
    });
    expect(windowFor({ speed: 'NEXT_DAY' }, now, NY)).toEqual({
      ok: true,
      window: { from: at('2027-06-10T12:00:00Z'), to: at('2027-06-11T01:00:00Z') },
    });
    const asked = { from: at('2027-06-09T20:00:00Z'), to: at('2027-06-09T21:00:00Z') };
    expect(windowFor({ speed: 'WINDOW', window: asked }, now, NY)).toEqual({ ok: true, window: asked });
  });

  it('cuts days at the store’s midnight across a clock change (08:00 the day summer time starts)', () => {
    const saturday = at('2027-03-13T17:00:00Z'); // 12:00 EST; clocks go forward on Sunday the 14th
    expect(windowFor({ speed: 'NEXT_DAY' }, saturday, NY)).toEqual({
      ok: true,
      window: { from: at('2027-03-14T12:00:00Z'), to: at('2027-03-15T01:00:00Z') },
    });
  });

  it('refuses a window already past, one too short to deliver in, one too far ahead, and same-day after the close', () => {
    const w = (from: string, to: string) => ({ speed: 'WINDOW' as const, window: { from: at(from), to: at(to) } });
    expect(windowFor(w('2027-06-09T13:00:00Z', '2027-06-09T14:00:00Z'), now, NY)).toEqual({
      ok: false,
      reason: 'the window 09:00–10:00 has already passed',
    });
    expect(windowFor(w('2027-06-09T17:00:00Z', '2027-06-09T18:20:00Z'), now, NY)).toEqual({
      ok: false,
      reason: 'the window 13:00–14:20 leaves less than 30 minutes to deliver in',
    });
    expect(windowFor(w('2027-07-01T13:00:00Z', '2027-07-01T14:00:00Z'), now, NY)).toEqual({
      ok: false,
      reason: 'a window can be booked up to 14 days ahead',
    });
    expect(windowFor({ speed: 'SAME_DAY' }, at('2027-06-10T00:45:00Z'), NY)).toEqual({
      ok: false,
      reason: 'same-day delivery from Store NY ends at 21:00, its local time',
    });
  });

  it('bounds a chosen window: not begun more than 5 minutes ago, at most 12 hours long, starting within 14 days', () => {
    const win = (from: number, to: number) => windowFor({ speed: 'WINDOW', window: { from, to } }, now, NY);
    const hour = 3_600_000;
    // From 1970 to three hours from now: it began long ago, whatever its end.
    expect(win(0, now + 3 * hour)).toEqual({
      ok: false,
      reason: 'the window 19:00 on 31 Dec–17:00 has already begun: choose one that starts from now on',
    });
    expect(win(now - 10 * 60_000, now + hour)).toMatchObject({ ok: false, reason: expect.stringContaining('begun') });
    // A device's clock three minutes slow is let be.
    expect(win(now - 3 * 60_000, now + hour)).toEqual({ ok: true, window: { from: now - 3 * 60_000, to: now + hour } });
    // Until the year 275760, or 13 hours: too long.
    expect(win(now + hour, 8_640_000_000_000)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/is longer than 12 hours: choose a shorter one$/),
    });
    expect(win(now + hour, now + 14 * hour)).toEqual({
      ok: false,
      reason: 'the window 15:00–04:00 is longer than 12 hours: choose a shorter one',
    });
    expect(win(now + hour, now + 13 * hour)).toMatchObject({ ok: true });
    expect(win(now + 15 * 86_400_000, now + 15 * 86_400_000 + hour)).toEqual({
      ok: false,
      reason: 'a window can be booked up to 14 days ahead',
    });

    // The wire's schema refuses what needs no clock: shorter than 30 minutes, longer than 12 hours.
    const asked = (from: number, to: number) => {
      const address = { line1: '1 Main St', city: 'Newark', postcode: '07102', lat: 40.7, lon: -74 };
      const r = deliveryRequestSchema.safeParse({ speed: 'WINDOW', window: { from, to }, address });
      return r.success ? 'ok' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(asked(now, now + hour)).toBe('ok');
    expect(asked(now, now + 20 * 60_000)).toEqual(['window.to: a window is at least 30 minutes long']);
    expect(asked(now, 8_640_000_000_000)).toEqual(['window.to: a window is at most 12 hours long']);
    expect(asked(now, now - hour)).toEqual(['window.to: a window ends after it starts']);
  });
});

describe('what a delivery weighs and whether it needs an ID check, from the catalog', () => {
  it('reads a mass or a volume from the size, else 500 g a unit', () => {
    expect(
      ['16 oz', '33.8 fl oz', '425g', '946ml (1QT)', '6 x 330 ml', '1.5 kg', '5L"', '16 pieces', 's - m', null].map(
        gramsFromSize,
      ),
    ).toEqual([454, 1000, 425, 946, 1980, 1500, 5000, undefined, undefined, undefined]);
    const products = new Map([
      ['BRICK', { name: 'Garden brick', category: 'Garden', size: '7 kg' }],
      ['TEA', { name: 'Tea', category: 'Beverages', size: 'a box' }],
    ]);
    expect(
      goodsOf(
        [
          { sku: 'BRICK', qty: 2 },
          { sku: 'TEA', qty: 1 },
          { sku: 'UNKNOWN', qty: 3 },
        ],
        products,
      ),
    ).toEqual({ weightGrams: 14_000 + 500 + 1_500, ageRestricted: false });
  });

  it('flags alcohol and tobacco by category or name, not root beer or alcohol-free drinks', () => {
    const restricted = (name: string, category = 'Beverages') => isAgeRestricted({ name, category });
    expect(restricted('Hoppy IPA 6 pack')).toBe(true);
    expect(restricted('Rioja red wine')).toBe(true);
    expect(restricted('Menthol cigarettes', 'General Merchandise')).toBe(true);
    expect(restricted('Anything', 'Alcohol')).toBe(true);
    expect(restricted('Root beer')).toBe(false);
    expect(restricted('Alcohol-free lager')).toBe(false);
    expect(restricted('Ginger ale')).toBe(false);
    expect(restricted('Spring water')).toBe(false);
  });
});

describe('whether one carrier can keep a promise', () => {
  const now = at('2027-06-09T18:00:00Z');
  const carrier = (over: Partial<Carrier> = {}): Carrier => ({
    id: 'c',
    code: 'GIG-1',
    name: 'Gig one',
    kind: 'GIG',
    depotId: null,
    lat: 40.7,
    lon: -74,
    radiusKm: 10,
    capacityGrams: 10_000,
    capacityStops: 3,
    speedKmh: 30,
    shiftStartMin: 0,
    shiftEndMin: 1440,
    costBaseMinor: 300,
    costPerKmMinor: 50,
    grounded: false,
    active: true,
    simulator: null,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  });
  const job = (over: Partial<Job> = {}): Job => ({
    store: { id: 's', name: 'Store NY', timezone: 'America/New_York', lat: 40.7, lon: -74 },
    door: { lat: 40.7, lon: -74 + 4 / (111.32 * Math.cos((40.7 * Math.PI) / 180)) },
    weightGrams: 2_000,
    ageRestricted: false,
    window: { from: now, to: now + 7_200_000 },
    ...over,
  });

  it('arrives after the approach, the handling at the store and the drive, and costs base + per km', () => {
    const e = evaluate(carrier(), { stops: 1, grams: 1_000 }, job(), now);
    if (!e.ok) throw new Error(`refused: ${e.blockers.join()}`);
    // 4 km straight is 5.2 km of road at 30 km/h: 10.4 min, after 10 min of handling
    expect(e.fit.km).toBeCloseTo(5.2, 1);
    expect((e.fit.eta - now) / 60_000).toBeCloseTo(20.4, 0);
    expect(e.fit.collectBy).toBe(now);
    expect(e.fit.costMinor).toBe(300 + Math.round(50 * e.fit.km));
    expect(e.fit.roomAfter).toEqual({ stops: 1, grams: 7_000 });
  });

  it('names every reason it cannot, and the refusal sentence names the one that binds', () => {
    const blockers = (c: Carrier, j = job(), load = { stops: 0, grams: 0 }) => {
      const e = evaluate(c, load, j, now);
      return e.ok ? [] : e.blockers;
    };
    expect(blockers(carrier({ kind: 'DRONE', grounded: true }), job({ ageRestricted: true }))).toEqual([
      'grounded',
      'age',
    ]);
    expect(blockers(carrier({ capacityGrams: 1_000 }))).toEqual(['weight']);
    expect(blockers(carrier({ radiusKm: 3 }))).toEqual(['range']);
    expect(blockers(carrier(), job(), { stops: 3, grams: 0 })).toEqual(['full']);
    expect(blockers(carrier({ speedKmh: 2 }))).toEqual(['late']);
    // on shift 08:00–16:00 UTC: it is 18:00 UTC, and the next shift starts after the window closes
    expect(blockers(carrier({ shiftStartMin: 480, shiftEndMin: 960 }))).toEqual(['shift']);
    const weighed = [
      carrier({ capacityGrams: 1_000 }),
      carrier({ code: 'GIG-2', speedKmh: 2, capacityGrams: 1_500 }),
      carrier({ code: 'GIG-FAR', radiusKm: 3, capacityGrams: 9_000 }),
    ];
    expect(
      noCarrierSentence(
        job(),
        now,
        weighed.map((c) => ({ carrier: c, blockers: blockers(c), eta: null })),
        'next-day',
      ),
    ).toBe(
      'no carrier can deliver 2 kg to 4.0 km away before 16:00 (the most any carrier takes is 1.5 kg); next-day delivery can',
    );
  });
});

describe.each(dbTargets)('promises and refusals through the desk, on $name', (target) => {
  let h: DeliveryHub;
  const towns: Record<string, { id: string; token: string; name: string; lat: number; lon: number }> = {};
  const town = async (key: string, lat: number) => {
    towns[key] = {
      ...(await storeAt(h, `DLV-${key}`, { lat, lon: -75, timezone: 'America/New_York' })),
      lat,
      lon: -75,
    };
    return towns[key]!;
  };

  beforeAll(async () => {
    h = await deliveryHub(target);
    await setClock(h, at('2027-06-09T18:00:00Z')); // 14:00 in New York
    await addProducts(h, [
      { sku: 'MUG', name: 'Mug', size: '350 g' },
      { sku: 'BRICK', name: 'Garden brick', category: 'Garden', size: '7 kg' },
      { sku: 'IPA-6', name: 'Hoppy IPA 6 pack', category: 'Beverages', size: '6 x 355 ml' },
    ]);
    const w = await town('W', 41);
    const r = await town('R', 42);
    const d = await town('D', 43);
    const l = await town('L', 44);
    const g = await town('G', 45);
    await addCarriers(h, [
      carrierBody('GIG-W', { lat: w.lat, lon: w.lon, capacityGrams: 10_000 }),
      carrierBody('GIG-R', { lat: r.lat, lon: r.lon, radiusKm: 5 }),
      carrierBody('DRONE-D', { kind: 'DRONE', lat: undefined, lon: undefined, depotId: d.id, grounded: true }),
      carrierBody('GIG-L', { lat: l.lat, lon: l.lon, radiusKm: 30, speedKmh: 5 }),
      carrierBody('DRONE-G', { kind: 'DRONE', lat: undefined, lon: undefined, depotId: g.id }),
    ]);
  }, 120_000);
  afterAll(() => h?.t.stop());

  const promise = (key: string, over: Parameters<typeof orderFor>[1] = {}) => {
    const t = towns[key]!;
    const { orderId: _o, orderNumber: _n, reservationId: _r, ...order } = orderFor(t.id, { from: t, ...over });
    return h.desk.promise(order);
  };

  it('promises when a carrier can keep it, saying how many could', async () => {
    expect(await promise('W')).toEqual({
      ok: true,
      window: { from: expect.any(Number), to: expect.any(Number) },
      carriers: 1,
    });
  });

  it('refuses weight over every vehicle, naming the most any takes', async () => {
    expect(await promise('W', { lines: [{ sku: 'BRICK', qty: 2 }] })).toEqual({
      ok: false,
      reason: 'no carrier can deliver 14 kg to 3.0 km away before 16:00 (the most any carrier takes is 10 kg)',
    });
  });

  it('refuses a door out of every carrier’s area', async () => {
    expect(await promise('R', { kmEast: 8 })).toEqual({
      ok: false,
      reason:
        'no carrier can deliver 350 g to 8.0 km away before 16:00 (the door is beyond the area of every carrier that serves Store DLV-R)',
    });
  });

  it('refuses when the only carriers are drones grounded by the weather, and age-restricted goods to a drone', async () => {
    expect(await promise('D')).toEqual({
      ok: false,
      reason:
        'no carrier can deliver 350 g to 3.0 km away before 16:00 (the drones that could take it are grounded by the weather)',
    });
    expect(await promise('G')).toMatchObject({ ok: true, carriers: 1 });
    expect(await promise('G', { lines: [{ sku: 'IPA-6', qty: 1 }] })).toEqual({
      ok: false,
      reason:
        'no carrier can deliver 2.1 kg to 3.0 km away before 16:00 (it holds age-restricted goods, which need an ID check at the door that a drone cannot do)',
    });
  });

  it('says when the earliest arrival is and which slower speed can, and refuses a window already past', async () => {
    const late = await promise('L', { kmEast: 15 });
    expect(late).toMatchObject({ ok: false });
    expect(late.ok ? '' : late.reason).toMatch(
      /^no carrier can deliver 350 g to 15 km away before 16:00 \(the earliest arrival is 18:\d\d\); same-day delivery can$/,
    );
    expect(
      await promise('L', {
        speed: 'WINDOW',
        window: { from: at('2027-06-09T13:00:00Z'), to: at('2027-06-09T14:00:00Z') },
      }),
    ).toEqual({ ok: false, reason: 'the window 09:00–10:00 has already passed; next-day delivery can' });
  });

  it('refuses the request with the same sentence (422) and creates nothing', async () => {
    const t = towns.W!;
    const order = orderFor(t.id, { from: t, lines: [{ sku: 'BRICK', qty: 2 }] });
    await expect(h.desk.request(order)).rejects.toMatchObject({
      type: 'unprocessable',
      message: 'no carrier can deliver 14 kg to 3.0 km away before 16:00 (the most any carrier takes is 10 kg)',
    });
    const { rows } = await h.t.hub.db.query('SELECT 1 FROM deliveries WHERE order_id = $1', [order.orderId]);
    expect(rows).toEqual([]);
  });

  it('finds carriers across the 180th meridian and near a pole, where the distance is short but the degrees are many', async () => {
    // Fiji: the store and its driver at 179.99° E; doors 2 km east (-179.99°, across the line) and 2 km west.
    const fiji = await storeAt(h, 'DLV-FJ', { lat: -16.8, lon: 179.99, timezone: 'Pacific/Fiji' });
    await addCarriers(h, [carrierBody('GIG-FJ', { lat: -16.8, lon: 179.99, radiusKm: 10 })]);
    const door = (lon: number) => ({ line1: '1 Beach Rd', city: 'Labasa', postcode: 'FJ1', lat: -16.8, lon });
    const ask = (lon: number) =>
      h.desk.promise({
        storeId: fiji.id,
        customerName: 'Mere T.',
        lines: [{ sku: 'MUG', qty: 1 }],
        request: { speed: 'TWO_HOUR', address: door(lon) },
      });
    expect(await ask(-179.99)).toMatchObject({ ok: true, carriers: 1 });
    expect(await ask(179.97)).toMatchObject({ ok: true, carriers: 1 });
    // 15 km east across the line is beyond its 10 km: refused for the area, not accepted by a wrapped box.
    expect(await ask(-179.87)).toMatchObject({ ok: false, reason: expect.stringContaining('beyond the area') });

    // Half a degree from the north pole a degree of longitude is under 1 km: a driver based 170° round the pole from
    // the store is 111 km away, inside its 150 km.
    const pole = await storeAt(h, 'DLV-NP', { lat: 89.5, lon: 0, timezone: 'UTC' });
    await addCarriers(h, [carrierBody('GIG-NP', { lat: 89.5, lon: 170, radiusKm: 150, speedKmh: 300 })]);
    const north = orderFor(pole.id, { from: { lat: 89.5, lon: 0 } });
    expect(await h.desk.promise(north)).toMatchObject({ ok: true, carriers: 1 });
  });

  it('creates one delivery per order however often it is asked', async () => {
    const t = towns.W!;
    const order = orderFor(t.id, { from: t });
    const [a, b] = await Promise.all([h.desk.request(order), h.desk.request(order)]);
    expect(b).toEqual(a);
    expect(await h.desk.request(order)).toEqual(a);
    const { rows } = await h.t.hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM deliveries WHERE order_id = $1',
      [order.orderId],
    );
    expect(rows[0]!.n).toBe(1);
    await h.desk.cancel(order.orderId); // its simulated gig driver is told not to bother
  });
});
