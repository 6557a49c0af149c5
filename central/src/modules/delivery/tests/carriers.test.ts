import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { hubFingerprint } from '../../../../tests/support/db-fingerprint.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { BuiltInNetwork } from '../carriers/built-in-network.js';
import type { AnswerOutcome, CarrierAnswers, OfferSent } from '../carriers/carrier.js';
import { SimulatedCarrier } from '../carriers/simulated-carrier.js';
import type { Carrier, CarrierSimulation } from '../types.js';
import {
  addCarriers,
  carrierBody,
  deliveryHub,
  orderFor,
  readDelivery,
  ScriptedCarriers,
  type DeliveryHub,
} from './core-harness.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(dbTargets)('head office’s carriers, on $name', (target) => {
  let h: DeliveryHub;
  let storeA: { id: string; token: string };
  const carriers = new ScriptedCarriers();

  beforeAll(async () => {
    h = await deliveryHub(target, { carriers });
    storeA = await h.t.store('CAR-A', h.admin);
  }, 120_000);
  afterAll(() => h?.t.stop());

  it('adds a carrier and answers its driver token once, keeping only its sha-256', async () => {
    const body = { code: 'VAN-CAR-A-1', name: 'Van one', kind: 'VAN', depotId: storeA.id, radiusKm: 15 };
    const created = await h.t.call(
      'POST',
      '/api/delivery/carriers',
      { ...body, capacityGrams: 400_000, capacityStops: 30, shiftStartMin: 480, shiftEndMin: 1200 },
      { cookie: h.admin, idempotencyKey: 'van-one' },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      code: 'VAN-CAR-A-1',
      kind: 'VAN',
      depotId: storeA.id,
      lat: 40.7,
      lon: -74,
      speedKmh: 30,
      integration: 'supplied',
      reliability: { offers: 0, acceptRate: null, onTimeRate: null, failed: 0 },
    });
    expect(created.body.driverToken).toMatch(/^drv_[A-Za-z0-9_-]{43}$/);
    const { rows } = await h.t.hub.db.query<{ driver_token_hash: string }>(
      'SELECT driver_token_hash FROM delivery_carriers WHERE id = $1',
      [created.body.id],
    );
    expect(rows[0]!.driver_token_hash).toBe(sha256(created.body.driverToken));
    // A retry of the same request gets the carrier, not the token again; a read never shows it or its hash.
    const retry = await h.t.call(
      'POST',
      '/api/delivery/carriers',
      { ...body, capacityGrams: 400_000, capacityStops: 30, shiftStartMin: 480, shiftEndMin: 1200 },
      { cookie: h.admin, idempotencyKey: 'van-one' },
    );
    expect(retry.body).toMatchObject({ id: created.body.id, driverToken: null });
    const read = await h.t.call('GET', `/api/delivery/carriers/${created.body.id}`, undefined, { cookie: h.admin });
    expect(JSON.stringify(read.body)).not.toMatch(/drv_|driverToken|Hash/);
    // A new token replaces the old one.
    const rotated = await h.t.call(
      'POST',
      `/api/delivery/carriers/${created.body.id}/driver-token`,
      {},
      { cookie: h.admin },
    );
    expect(rotated.body.driverToken).not.toBe(created.body.driverToken);
    const after = await h.t.hub.db.query<{ driver_token_hash: string }>(
      'SELECT driver_token_hash FROM delivery_carriers WHERE id = $1',
      [created.body.id],
    );
    expect(after.rows[0]!.driver_token_hash).toBe(sha256(rotated.body.driverToken));
  });

  it('lists, filters and changes carriers: active, grounded, shift, capacity', async () => {
    const { DRONE: drone } = await addCarriers(h, [
      carrierBody('DRONE', { kind: 'DRONE', lat: undefined, lon: undefined, depotId: storeA.id, capacityGrams: 2_000 }),
      carrierBody('GIG-CAR-1'),
    ]);
    const drones = await h.t.call('GET', '/api/delivery/carriers?kind=DRONE', undefined, { cookie: h.admin });
    expect(drones.body.items.map((c: Carrier) => c.code)).toEqual(['DRONE']);
    const changed = await h.t.call(
      'PATCH',
      `/api/delivery/carriers/${drone!.id}`,
      { grounded: true, shiftStartMin: 600, shiftEndMin: 1080, capacityGrams: 2_500 },
      { cookie: h.admin },
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ grounded: true, shiftStartMin: 600, shiftEndMin: 1080, capacityGrams: 2_500 });
    const off = await h.t.call('PATCH', `/api/delivery/carriers/${drone!.id}`, { active: false }, { cookie: h.admin });
    expect(off.body).toMatchObject({ active: false, grounded: true });
    const active = await h.t.call('GET', '/api/delivery/carriers?active=true&limit=200', undefined, {
      cookie: h.admin,
    });
    expect(active.body.items.map((c: Carrier) => c.code)).not.toContain('DRONE');
  });

  it('refuses bad input on every carrier route with problem+json, and changes nothing', async () => {
    const van = (
      await addCarriers(h, [
        carrierBody('VAN-BAD', { kind: 'VAN', lat: undefined, lon: undefined, depotId: storeA.id }),
      ])
    )['VAN-BAD']!;
    const before = await hubFingerprint(h.t.hub.db);
    const bad: [string, string, unknown, number][] = [
      ['POST', '/api/delivery/carriers', {}, 400],
      ['POST', '/api/delivery/carriers', carrierBody('lower-case'), 400],
      ['POST', '/api/delivery/carriers', carrierBody('GIG-NUL', { name: 'a\u0000b' }), 400],
      ['POST', '/api/delivery/carriers', carrierBody('GIG-HUGE', { capacityGrams: 1e300 }), 400],
      ['POST', '/api/delivery/carriers', carrierBody('GIG-TYPE', { radiusKm: '5' }), 400],
      ['POST', '/api/delivery/carriers', carrierBody('GIG-EXTRA', { colour: 'red' }), 400],
      ['POST', '/api/delivery/carriers', carrierBody('GIG-NOWHERE', { lat: undefined }), 400],
      ['POST', '/api/delivery/carriers', carrierBody('VAN-NODEPOT', { kind: 'VAN' }), 400],
      ['POST', '/api/delivery/carriers', carrierBody('GIG-GROUND', { grounded: true }), 400],
      // a shift of no minutes (24:00 to 00:00), or one that ends when it starts: never on duty
      ['POST', '/api/delivery/carriers', carrierBody('GIG-NOSHIFT', { shiftStartMin: 1440, shiftEndMin: 0 }), 400],
      ['POST', '/api/delivery/carriers', carrierBody('GIG-SAMESHIFT', { shiftStartMin: 600, shiftEndMin: 600 }), 400],
      // text-direction controls: the name would read backwards on the console and the store's desk
      ['POST', '/api/delivery/carriers', carrierBody('GIG-BIDI', { name: '\u202Eevil' }), 400],
      ['POST', '/api/delivery/carriers', carrierBody('GIG-ISOLATE', { name: 'Ann \u2066Lee' }), 400],
      [
        'POST',
        '/api/delivery/carriers',
        carrierBody('DRONE-X', {
          kind: 'DRONE',
          lat: undefined,
          lon: undefined,
          depotId: '00000000-0000-7000-8000-000000000000',
        }),
        400,
      ],
      [
        'POST',
        '/api/delivery/carriers',
        carrierBody('GIG-SIM', {
          simulator: { acceptRate: 2, answerMs: [10, 1], silentRate: 0, dropOutRate: 0, failRate: 0 },
        }),
        400,
      ],
      ['POST', '/api/delivery/carriers', carrierBody('VAN-BAD'), 409],
      ['PATCH', `/api/delivery/carriers/${van.id}`, {}, 400],
      ['PATCH', `/api/delivery/carriers/${van.id}`, { grounded: true }, 400],
      ['PATCH', `/api/delivery/carriers/${van.id}`, { capacityStops: -1 }, 400],
      ['PATCH', `/api/delivery/carriers/${van.id}`, { shiftStartMin: 1440 }, 400],
      ['PATCH', `/api/delivery/carriers/${van.id}`, { shiftEndMin: 0 }, 400],
      ['PATCH', `/api/delivery/carriers/${van.id}`, { name: 'Van \u2067one' }, 400],
      ['PATCH', `/api/delivery/carriers/${van.id}`, { kind: 'DRONE' }, 400],
      ['PATCH', '/api/delivery/carriers/not-a-uuid', { active: false }, 400],
      ['PATCH', '/api/delivery/carriers/00000000-0000-7000-8000-000000000000', { active: false }, 404],
      ['GET', '/api/delivery/carriers?kind=TRUCK', undefined, 400],
      ['GET', '/api/delivery/carriers?limit=100000', undefined, 400],
      ['GET', '/api/delivery/carriers?colour=red', undefined, 400],
      ['GET', '/api/delivery/carriers/00000000-0000-7000-8000-000000000000', undefined, 404],
      ['POST', '/api/delivery/carriers/00000000-0000-7000-8000-000000000000/driver-token', {}, 404],
      ['GET', '/api/delivery/deliveries?status=LOST', undefined, 400],
      ['GET', '/api/delivery/deliveries?status[]=REQUESTED', undefined, 400],
      ['GET', '/api/delivery/deliveries?stauts=REQUESTED', undefined, 400],
      ['GET', '/api/delivery/deliveries?before=x', undefined, 400],
      ['GET', '/api/delivery/deliveries/not-a-uuid', undefined, 400],
      ['GET', '/api/delivery/deliveries/00000000-0000-7000-8000-000000000000', undefined, 404],
    ];
    for (const [method, path, body, status] of bad) {
      const r = await h.t.call(method, path, body, { cookie: h.admin });
      expect([method, path, r.status, r.headers.get('content-type')]).toEqual([
        method,
        path,
        status,
        expect.stringContaining('application/problem+json'),
      ]);
    }
    expect(await hubFingerprint(h.t.hub.db)).toBe(before);
    // A shift past midnight is a shift: 22:00 to 06:00 UTC.
    const night = await h.t.call(
      'PATCH',
      `/api/delivery/carriers/${van.id}`,
      { shiftStartMin: 1320, shiftEndMin: 360 },
      {
        cookie: h.admin,
      },
    );
    expect(night.body).toMatchObject({ shiftStartMin: 1320, shiftEndMin: 360 });
  });

  it('reads a carrier’s last 30 days: offers accepted of those answered or timed out, deliveries on time, failures', async () => {
    const { 'GIG-REL': rel } = await addCarriers(h, [
      carrierBody('GIG-REL', { lat: 42.9, lon: -74, radiusKm: 5, costBaseMinor: 0 }),
    ]);
    const store = await h.t.store('CAR-REL', h.admin);
    await h.t.call('PATCH', `/api/locations/${store.id}`, { lat: 42.9, lon: -74 }, { cookie: h.admin });
    const ask = async () => {
      const { deliveryId } = await h.desk.request(orderFor(store.id, { from: { lat: 42.9, lon: -74 } }));
      await waitFor('the offer', () => carriers.for(deliveryId)[0]);
      return deliveryId;
    };
    const kept = await ask();
    await carriers.answer(kept, 'ACCEPT');
    const late = await ask();
    await carriers.answer(late, 'ACCEPT');
    await carriers.answer(await ask(), 'DECLINE');
    // The driver brought one by the window's close (its timeline says when), and one an hour after it.
    for (const [id, by] of [
      [kept, -60_000],
      [late, 3_600_000],
    ] as const) {
      await h.t.hub.db.query("UPDATE deliveries SET status = 'DELIVERED' WHERE id = $1", [id]);
      await h.t.hub.db.query(
        "INSERT INTO delivery_events (delivery_id, at, kind, detail) SELECT id, window_to + $2, 'delivered', '{}' FROM deliveries WHERE id = $1",
        [id, by],
      );
    }
    const read = await h.t.call('GET', `/api/delivery/carriers/${rel!.id}`, undefined, { cookie: h.admin });
    expect(read.body.reliability).toEqual({
      offers: 3,
      accepted: 2,
      finished: 2,
      onTime: 1,
      failed: 0,
      acceptRate: 0.667,
      onTimeRate: 0.5,
      score: expect.closeTo(((2 + 4) / 8) * ((1 + 4) / 7), 3),
    });
  });

  it('withdraws the open offers of a carrier made inactive and offers each delivery to the next one', async () => {
    const made = await addCarriers(h, [
      carrierBody('GIG-OFF-1', { costBaseMinor: 0, costPerKmMinor: 0 }),
      carrierBody('GIG-OFF-2', { costBaseMinor: 2000, costPerKmMinor: 0 }),
    ]);
    // Only these two (and the earlier GIG-CAR-1) serve the door; the cheapest is asked first. Store A's van is off the
    // road for this test: its shift is 08:00–20:00 UTC, so by day it would be asked first (a test passing only at night).
    const vans = await h.t.hub.db.query<{ id: string }>(
      "SELECT id FROM delivery_carriers WHERE kind = 'VAN' AND active",
    );
    for (const v of vans.rows)
      await h.t.call('PATCH', `/api/delivery/carriers/${v.id}`, { active: false }, { cookie: h.admin });
    const { deliveryId } = await h.desk.request(orderFor(storeA.id));
    const first = await waitFor('the first offer', () => carriers.for(deliveryId)[0]);
    expect(first.carrier.code).toBe('GIG-OFF-1');
    await h.t.call('PATCH', `/api/delivery/carriers/${made['GIG-OFF-1']!.id}`, { active: false }, { cookie: h.admin });
    const second = await waitFor('the next offer', () => carriers.for(deliveryId)[1]);
    expect(second.carrier.code).not.toBe('GIG-OFF-1');
    expect(carriers.withdrawn).toContain(first.offer.offerId);
    const { offers } = await readDelivery(h, deliveryId);
    expect(offers[0]).toMatchObject({ status: 'WITHDRAWN', note: 'the carrier was made inactive' });
    expect(offers[1]).toMatchObject({ status: 'PENDING' });
    await h.desk.cancel((await readDelivery(h, deliveryId)).delivery.orderId);
    for (const v of vans.rows)
      await h.t.call('PATCH', `/api/delivery/carriers/${v.id}`, { active: true }, { cookie: h.admin });
  });

  it('gives what a carrier accepted and has not collected to the next carrier when it goes off duty or is grounded; what its driver has stays', async () => {
    const here = { lat: 44.2, lon: -74 };
    const store = await h.t.store('CAR-DUTY', h.admin);
    await h.t.call('PATCH', `/api/locations/${store.id}`, here, { cookie: h.admin });
    const made = await addCarriers(h, [
      carrierBody('GIG-DUTY-1', { ...here, costBaseMinor: 0, costPerKmMinor: 0 }),
      carrierBody('GIG-DUTY-2', { ...here, costBaseMinor: 2000, costPerKmMinor: 0 }),
    ]);
    const accepted = async () => {
      const { deliveryId } = await h.desk.request(orderFor(store.id, { from: here }));
      const first = await waitFor('the first offer', () => carriers.for(deliveryId)[0]);
      expect(await carriers.answer(deliveryId, 'ACCEPT')).toMatchObject({ outcome: 'assigned' });
      return { deliveryId, first };
    };
    const waiting = await accepted();
    const onBoard = await accepted();
    expect([waiting.first.carrier.code, onBoard.first.carrier.code]).toEqual(['GIG-DUTY-1', 'GIG-DUTY-1']);
    // The driver collected the second one already.
    await h.t.hub.db.query("UPDATE deliveries SET status = 'OUT_FOR_DELIVERY' WHERE id = $1", [onBoard.deliveryId]);

    const off = await h.t.call(
      'PATCH',
      `/api/delivery/carriers/${made['GIG-DUTY-1']!.id}`,
      { active: false },
      {
        cookie: h.admin,
      },
    );
    expect(off.status).toBe(200);
    const next = await waitFor('the offer to the next carrier', () => carriers.for(waiting.deliveryId)[1]);
    expect(next.carrier.code).toBe('GIG-DUTY-2');
    expect(carriers.cancelled).toContain(waiting.deliveryId);
    const moved = await readDelivery(h, waiting.deliveryId);
    expect(moved.delivery).toMatchObject({ status: 'REQUESTED', carrierId: null, driver: null });
    expect(moved.offers.map((o: any) => [o.carrier.code, o.status, o.note])).toEqual([
      ['GIG-DUTY-1', 'WITHDRAWN', 'the carrier was made inactive'],
      ['GIG-DUTY-2', 'PENDING', null],
    ]);
    expect(moved.timeline.find((e: any) => e.kind === 'REASSIGNED').detail.text).toBe(
      'taken off GIG-DUTY-1: the carrier was made inactive; offered again',
    );
    // The store's desk stops waiting for that driver: its copy went back to REQUESTED with nobody to collect.
    const { rows } = await h.t.hub.db.query<{ payload: any }>(
      "SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'delivery.changed' ORDER BY seq",
      [store.id],
    );
    const copies = rows.map((r) => r.payload).filter((c) => c.id === waiting.deliveryId);
    expect(copies.map((c) => [c.status, c.driver?.name ?? null])).toEqual([
      ['REQUESTED', null],
      ['ASSIGNED', 'Dee R.'],
      ['REQUESTED', null],
    ]);
    // What the driver has stays with them.
    expect((await readDelivery(h, onBoard.deliveryId)).delivery).toMatchObject({
      status: 'OUT_FOR_DELIVERY',
      carrierId: made['GIG-DUTY-1']!.id,
    });

    // A drone grounded by the weather gives its waiting delivery up the same way.
    await carriers.answer(waiting.deliveryId, 'DECLINE');
    const { 'DRONE-DUTY': drone } = await addCarriers(h, [
      carrierBody('DRONE-DUTY', { kind: 'DRONE', lat: undefined, lon: undefined, depotId: store.id, costBaseMinor: 0 }),
    ]);
    const flown = await accepted();
    expect(flown.first.carrier.code).toBe('DRONE-DUTY');
    await h.t.call('PATCH', `/api/delivery/carriers/${drone!.id}`, { grounded: true }, { cookie: h.admin });
    expect((await waitFor('the offer after grounding', () => carriers.for(flown.deliveryId)[1])).carrier.code).toBe(
      'GIG-DUTY-2',
    );
    expect((await readDelivery(h, flown.deliveryId)).offers[0]).toMatchObject({
      status: 'WITHDRAWN',
      note: 'grounded by the weather',
    });

    // Taken off duty behind the hub's back (another hub, or one stopped before it moved them on): the sweep finds the
    // accepted delivery, and with no carrier left it is not assigned, saying why.
    await carriers.answer(flown.deliveryId, 'ACCEPT');
    await h.t.hub.db.query('UPDATE delivery_carriers SET active = false WHERE id = $1', [made['GIG-DUTY-2']!.id]);
    const ended = await waitFor('the sweep', async () => {
      const r = await readDelivery(h, flown.deliveryId);
      return r.delivery.status === 'UNASSIGNED' ? r : undefined;
    });
    expect(ended.delivery.failure).toMatch(/no carrier can deliver/);
    expect(ended.timeline.filter((e: any) => e.kind === 'REASSIGNED').map((e: any) => e.detail.reason)).toEqual([
      'grounded by the weather',
      'the carrier is no longer on duty',
    ]);
  }, 120_000);
});

describe.each(dbTargets)('in-house vans and simulated carriers on the hub’s own network, on $name', (target) => {
  let h: DeliveryHub;
  let storeA: { id: string; token: string };

  beforeAll(async () => {
    h = await deliveryHub(target);
    storeA = await h.t.store('SIM-A', h.admin);
  }, 120_000);
  afterAll(() => h?.t.stop());

  it('gives a van’s last slot to one of two deliveries racing for it; the other is declined and, with nobody else, not assigned', async () => {
    await addCarriers(h, [
      carrierBody('VAN-SIM-A', { kind: 'VAN', lat: undefined, lon: undefined, depotId: storeA.id, capacityStops: 1 }),
    ]);
    const asked = await Promise.allSettled([h.desk.request(orderFor(storeA.id)), h.desk.request(orderFor(storeA.id))]);
    const made = asked.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = asked.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    const settled = await waitFor('the deliveries decided', async () => {
      const all = await Promise.all(made.map((m) => readDelivery(h, m.deliveryId)));
      return all.every((d) => d.delivery.status !== 'REQUESTED') && all;
    });
    if (refused.length === 1) {
      // the first took the slot before the second was promised: the second is refused at the request, saying why
      expect(refused[0]!.message).toMatch(/every carrier that could take it is full/);
      expect(settled.map((d) => d.delivery.status)).toEqual(['ASSIGNED']);
    } else {
      // both promised at once: the van accepts one; the other is declined and, with nobody else, not assigned
      expect(refused).toEqual([]);
      expect(settled.map((d) => d.delivery.status).sort()).toEqual(['ASSIGNED', 'UNASSIGNED']);
      const lost = settled.find((d) => d.delivery.status === 'UNASSIGNED')!;
      expect(lost.offers).toMatchObject([{ status: 'DECLINED', note: 'accepted, but no room left on its run' }]);
      expect(lost.delivery.failure).toMatch(/^1 carrier was asked and none took it; no carrier can deliver/);
    }
    const won = settled.find((d) => d.delivery.status === 'ASSIGNED')!;
    expect(won.delivery.driver).toEqual({ name: 'Carrier VAN-SIM-A', vehicle: 'VAN-SIM-A' });
  });

  it('a simulated gig driver answers as its row says: one that always accepts is assigned, one that never answers times out', async () => {
    const always: CarrierSimulation = { acceptRate: 1, answerMs: [0, 20], silentRate: 0, dropOutRate: 0, failRate: 0 };
    const silent: CarrierSimulation = { ...always, silentRate: 1 };
    const storeB = await h.t.store('SIM-B', h.admin);
    await h.t.call('PATCH', `/api/locations/${storeB.id}`, { lat: 41.5, lon: -74 }, { cookie: h.admin });
    await addCarriers(h, [
      carrierBody('GIG-QUIET', { lat: 41.5, simulator: silent, costBaseMinor: 0 }),
      carrierBody('GIG-KEEN', { lat: 41.5, simulator: always, costBaseMinor: 2000 }),
    ]);
    const { deliveryId } = await h.desk.request(orderFor(storeB.id, { from: { lat: 41.5, lon: -74 } }));
    expect((await readDelivery(h, deliveryId)).offers.map((o: any) => o.carrier.code)).toEqual(['GIG-QUIET']);
    h.t.clock.offsetMs += 61_000;
    try {
      const assigned = await waitFor('the keen driver assigned', async () => {
        const d = await readDelivery(h, deliveryId);
        return d.delivery.status === 'ASSIGNED' && d;
      });
      expect(assigned.offers.map((o: any) => [o.carrier.code, o.status])).toEqual([
        ['GIG-QUIET', 'TIMED_OUT'],
        ['GIG-KEEN', 'ACCEPTED'],
      ]);
      expect(assigned.delivery.driver.name).toMatch(/^[A-Z][a-z]+ [A-Z]\.$/);
    } finally {
      h.t.clock.offsetMs -= 61_000;
    }
  });
});

describe('the simulators and the hub’s own network, without a hub', () => {
  const log = pino({ level: 'silent' });
  const carrier = (over: Partial<Carrier> = {}): Carrier => ({
    id: '0190f000-0000-7000-8000-000000000001',
    code: 'GIG-SIM',
    name: 'Gig',
    kind: 'GIG',
    depotId: null,
    lat: 0,
    lon: 0,
    radiusKm: 5,
    capacityGrams: 1000,
    capacityStops: 1,
    speedKmh: 20,
    shiftStartMin: 0,
    shiftEndMin: 1440,
    costBaseMinor: 0,
    costPerKmMinor: 0,
    grounded: false,
    active: true,
    simulator: null,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  });
  const offer = (orderNumber: string, rank = 1): OfferSent => ({
    offerId: `offer-${orderNumber}-${rank}`,
    deliveryId: `delivery-${orderNumber}`,
    carrierId: carrier().id,
    orderNumber,
    rank,
    weightGrams: 500,
    stops: 1,
    window: { from: 0, to: 1 },
    collectBy: 0,
    expiresAt: 1,
  });
  /** Runs offers through a fresh simulator and collects what it answers. */
  const answersOf = async (sim: CarrierSimulation, orders: readonly string[]) => {
    const heard: string[] = [];
    const answers: CarrierAnswers = {
      answer: async (offerId, _c, verdict) => {
        heard.push(`${offerId}:${verdict}`);
        return { outcome: 'ignored', status: 'PENDING' } satisfies AnswerOutcome;
      },
      dropOut: async (deliveryId) => {
        heard.push(`${deliveryId}:drop`);
        return { outcome: 'ignored', status: 'PENDING' } satisfies AnswerOutcome;
      },
    };
    const s = new SimulatedCarrier(carrier(), sim, log);
    for (const o of orders) s.offer(offer(o), answers);
    await new Promise((r) => setTimeout(r, 60));
    s.stop();
    return heard.sort();
  };

  it('answers the same way every time for the same carrier and order (seeded), at its acceptance rate', async () => {
    const coin: CarrierSimulation = { acceptRate: 0.5, answerMs: [0, 5], silentRate: 0, dropOutRate: 0, failRate: 0 };
    const orders = Array.from({ length: 40 }, (_, i) => `SF-${500 + i}`);
    const first = await answersOf(coin, orders);
    expect(await answersOf(coin, orders)).toEqual(first);
    const accepted = first.filter((a) => a.endsWith(':ACCEPT')).length;
    expect(accepted).toBeGreaterThan(8);
    expect(accepted).toBeLessThan(32);
    expect(await answersOf({ ...coin, silentRate: 1 }, orders)).toEqual([]);
  });

  it('stops answering once stopped, and a withdrawn offer gets no answer', async () => {
    const slow: CarrierSimulation = { acceptRate: 1, answerMs: [30, 30], silentRate: 0, dropOutRate: 0, failRate: 0 };
    const heard: string[] = [];
    const answers: CarrierAnswers = {
      answer: async (offerId) => {
        heard.push(offerId);
        return { outcome: 'ignored', status: 'PENDING' };
      },
      dropOut: async () => ({ outcome: 'ignored', status: 'PENDING' }),
    };
    const s = new SimulatedCarrier(carrier(), slow, log);
    s.offer(offer('SF-1'), answers);
    s.offer(offer('SF-2'), answers);
    s.withdraw(offer('SF-1').offerId);
    await new Promise((r) => setTimeout(r, 80));
    expect(heard).toEqual([offer('SF-2').offerId]);
    s.offer(offer('SF-3'), answers);
    s.stop();
    await new Promise((r) => setTimeout(r, 80));
    expect(heard).toEqual([offer('SF-2').offerId]);
  });

  it('reaches a gig driver, DSP or drone with no simulator on its row only in demo and test mode; a van always', () => {
    const production = new BuiltInNetwork('production', log);
    const test = new BuiltInNetwork('test', log);
    const sim: CarrierSimulation = { acceptRate: 1, answerMs: [0, 0], silentRate: 0, dropOutRate: 0, failRate: 0 };
    expect(production.adapterFor(carrier())).toBeNull();
    expect(production.integrationOf(carrier())).toBe('none');
    expect(production.integrationOf(carrier({ simulator: sim }))).toBe('simulator');
    expect(production.integrationOf(carrier({ kind: 'VAN' }))).toBe('in-house');
    expect(production.adapterFor(carrier({ kind: 'VAN' }))).not.toBeNull();
    expect(test.integrationOf(carrier({ kind: 'DRONE' }))).toBe('simulator');
    production.stop();
    test.stop();
  });
});
