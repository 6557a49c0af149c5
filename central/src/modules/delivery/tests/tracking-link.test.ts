import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { DriverLink } from '../tracking/driver-simulator.js';
import { addCarrier, addDelivery, DOOR_AT, STORE_AT, trackingWorld, type TrackingWorld } from './tracking-fixture.js';

const MIN = 60_000;
const north = (from: { lat: number; lon: number }, km: number) => ({ lat: from.lat + km / 111.195, lon: from.lon });

/** The customer's tracking link: minted by head office, read with the token alone. */
describe.each(dbTargets)('tracking links, on $name', (target) => {
  let t: TestHub;
  let w: TrackingWorld;
  const logLines: string[] = [];
  const links: DriverLink[] = [];
  const mint = (id: string, who: { cookie?: string; bearer?: string; idempotencyKey?: string }) =>
    t.call('POST', `/api/delivery/deliveries/${id}/tracking-link`, {}, who);
  const read = (token: string) => t.call('GET', `/api/delivery/track/${token}`);

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'info',
      logDestination: { write: (l: string) => void logLines.push(l) },
    });
    w = await trackingWorld(t);
  });
  afterEach(async () => {
    t.clock.offsetMs = 0;
    await Promise.all(links.splice(0).map((l) => l.close()));
  });
  afterAll(() => t?.stop());

  it('answers a new link once, shows the customer their delivery and nothing else, and never logs the token', async () => {
    const c = await addCarrier(t, { speedKmh: 30 });
    const d = await addDelivery(t, {
      storeId: w.a.id,
      carrierId: c.id,
      status: 'OUT_FOR_DELIVERY',
      customerName: 'Ann Lee',
    });
    const minted = await mint(d.id, { cookie: w.admin });
    expect(minted.status).toBe(201);
    const token: string = minted.body.token;
    expect(token).toMatch(/^trk_[A-Za-z0-9_-]{22}$/);
    expect(minted.body).toEqual({
      deliveryId: d.id,
      orderNumber: d.orderNumber,
      token,
      path: `/console/modules/delivery/track.html#t=${token}`,
      url: `${t.url}/console/modules/delivery/track.html#t=${token}`,
    });
    // before any position: the promised window, no estimate, no position
    const before = await read(token);
    expect(before.status).toBe(200);
    expect(before.headers.get('cache-control')).toBe('no-store');
    expect(before.body).toMatchObject({ status: 'OUT_FOR_DELIVERY', eta: null, etaWindow: null, position: null });

    const driver = await DriverLink.connect(t.url, c.token);
    links.push(driver);
    await driver.ask({ type: 'position', ...north(STORE_AT, 1), at: Date.now(), deliveryId: d.id });
    const view = (await read(token)).body;
    expect(Object.keys(view).sort()).toEqual(
      [
        'ageRestricted',
        'door',
        'driver',
        'eta',
        'etaWindow',
        'failure',
        'orderNumber',
        'pin',
        'position',
        'proof',
        'status',
        'stopsBefore',
        'store',
        'timezone',
        'updatedAt',
        'window',
      ].sort(),
    );
    expect(view).toMatchObject({
      orderNumber: d.orderNumber,
      status: 'OUT_FOR_DELIVERY',
      timezone: 'America/New_York',
      store: { name: 'Riverside', ...STORE_AT },
      door: DOOR_AT,
      driver: { firstName: 'Sam', vehicle: 'VAN AB12 CDE' },
      position: { ...north(STORE_AT, 1), at: expect.any(Number) },
      stopsBefore: null,
      ageRestricted: false,
      pin: null,
    });
    // 1 km to go at 30 km/h: two minutes, told as a twenty-minute span around it on five-minute marks
    expect(view.eta).toBeGreaterThan(Date.now());
    expect(view.etaWindow.to - view.etaWindow.from).toBe(20 * MIN);
    expect(view.etaWindow.from % (5 * MIN)).toBe(0);
    expect(view.eta).toBeGreaterThanOrEqual(view.etaWindow.from);
    expect(view.eta).toBeLessThanOrEqual(view.etaWindow.to);
    const text = JSON.stringify(view);
    // the phone as written and as digits (not "555" alone: an epoch-ms time in the view may hold those three digits)
    for (const secret of ['Ann', 'Lee', 'Orchard', '555 0100', '5550100', 'cost', 'Carrier'])
      expect(text).not.toContain(secret);

    const logged = logLines.join('');
    expect(logged).toContain('/api/delivery/track/[redacted]');
    expect(logged).not.toContain(token);
  });

  it('revokes the old link when a new one is made, and answers an unknown or malformed token with a 404 problem', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id });
    const first = (await mint(d.id, { cookie: w.admin })).body.token;
    const second = (await mint(d.id, { cookie: w.admin })).body.token;
    expect((await read(second)).status).toBe(200);
    const old = await read(first);
    expect(old.status).toBe(404);
    expect(old.headers.get('content-type')).toContain('application/problem+json');
    expect(old.body.detail).toBe('no delivery is tracked by this link: it may have been replaced by a newer one');
    for (const bad of ['nope', `trk_${'A'.repeat(22)}`, `trk_${'A'.repeat(300)}`, 'trk_%E0%A4%A', '%00']) {
      const r = await read(bad);
      expect(r.status, bad).toBeGreaterThanOrEqual(400);
      expect(r.status, bad).toBeLessThan(500);
      expect(r.headers.get('content-type'), bad).toContain('application/problem+json');
    }
    expect((await read(`trk_${'A'.repeat(22)}`)).status).toBe(404);
  });

  it('lets only head office mint, answers a store the same for its delivery, another’s and none, and never replays the token', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id });
    const own = await mint(d.id, { bearer: w.a.token });
    const strange = await mint(d.id, { bearer: w.b.token });
    const missing = await mint('0190f0f0-0000-7000-8000-00000000f00d', { bearer: w.b.token });
    expect([own.status, strange.status, missing.status]).toEqual([403, 403, 403]);
    expect((await mint('0190f0f0-0000-7000-8000-00000000f00d', { cookie: w.admin })).status).toBe(404);
    expect((await mint('not-a-uuid', { cookie: w.admin })).status).toBe(400);
    const cancelled = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'CANCELLED' });
    const refused = await mint(cancelled.id, { cookie: w.admin });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(`${cancelled.orderNumber} is CANCELLED: there is nothing to track`);
    const once = await mint(d.id, { cookie: w.admin, idempotencyKey: 'link-once-1' });
    expect(once.status).toBe(201);
    const again = await mint(d.id, { cookie: w.admin, idempotencyKey: 'link-once-1' });
    expect(JSON.stringify(again.body)).not.toContain(once.body.token);
    expect((await read(once.body.token)).status).toBe(200); // the retry did not mint another
  });

  it('shows the PIN for age-restricted goods until they are handed over, and the driver’s position only when this door is next', async () => {
    const van = await addCarrier(t, { kind: 'VAN' });
    const now = Date.now();
    const first = await addDelivery(t, {
      storeId: w.a.id,
      carrierId: van.id,
      status: 'OUT_FOR_DELIVERY',
      door: north(STORE_AT, 3),
    });
    const mine = await addDelivery(t, {
      storeId: w.a.id,
      carrierId: van.id,
      status: 'OUT_FOR_DELIVERY',
      ageRestricted: true,
    });
    await t.hub.db.query(
      `INSERT INTO delivery_routes (id, carrier_id, depot_id, status, stops, distance_km, planned_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, 'UNDER_WAY', $3, 6, $4, $4)`,
      [
        van.id,
        w.a.id,
        JSON.stringify([
          { deliveryId: first.id, arriveAt: now, departAt: now + 2 * MIN, state: 'PLANNED' },
          { deliveryId: mine.id, arriveAt: now + 10 * MIN, departAt: now + 12 * MIN, state: 'PLANNED' },
        ]),
        now,
      ],
    );
    const token = (await mint(mine.id, { cookie: w.admin })).body.token;
    const driver = await DriverLink.connect(t.url, van.token);
    links.push(driver);
    await driver.ask({ type: 'position', ...north(STORE_AT, 2.9), at: Date.now() });
    const waiting = (await read(token)).body;
    expect(waiting).toMatchObject({
      stopsBefore: 1,
      position: null,
      ageRestricted: true,
      pin: expect.stringMatching(/^\d{6}$/),
    });
    await driver.ask({ type: 'delivered', deliveryId: first.id, proof: { kind: 'PHOTO', ref: 'p1' } });
    await driver.ask({ type: 'position', ...north(STORE_AT, 2.5), at: Date.now() });
    const next = (await read(token)).body;
    expect(next).toMatchObject({ stopsBefore: 0, position: north(STORE_AT, 2.5) });
    const handed = await driver.ask({
      type: 'delivered',
      deliveryId: mine.id,
      proof: { kind: 'PHOTO', ref: 'p2' },
      pin: next.pin,
    });
    expect(handed).toMatchObject({ status: 'DELIVERED' });
    const done = (await read(token)).body;
    expect(done).toMatchObject({ status: 'DELIVERED', pin: null, position: null, proof: { kind: 'PHOTO' } });
    // a week after it ended, the link stops answering
    t.clock.offsetMs = 8 * 24 * 3_600_000;
    const expired = await read(token);
    expect(expired.status).toBe(404);
    expect(expired.body.detail).toBe(`this tracking link has expired: ${mine.orderNumber} ended more than a week ago`);
  });

  it('shows head office every driver’s position and trail, and a store’s manager those carrying the store’s deliveries', async () => {
    const c = await addCarrier(t);
    await addDelivery(t, { storeId: w.b.id, carrierId: c.id, status: 'OUT_FOR_DELIVERY' });
    const driver = await DriverLink.connect(t.url, c.token);
    links.push(driver);
    for (const km of [0, 0.5, 1]) await driver.ask({ type: 'position', ...north(STORE_AT, km), at: Date.now() });
    const all = await t.call('GET', '/api/delivery/positions', undefined, { cookie: w.admin });
    const seen = all.body.items.find((i: { carrierId: string }) => i.carrierId === c.id);
    expect(seen).toMatchObject({ code: c.code, kind: 'GIG', ...north(STORE_AT, 1) });
    expect(seen.trail.map((p: { lat: number }) => p.lat)).toEqual([0, 0.5, 1].map((km) => north(STORE_AT, km).lat));
    await t.hub.auth.createUser({
      email: 'manager-b@example.test',
      name: 'Hugo',
      role: 'STORE_MANAGER',
      storeId: w.b.id as never,
      password: 'a long enough password 123',
    });
    const hugo = await t.login('manager-b@example.test', 'a long enough password 123');
    const ofB = await t.call('GET', `/api/delivery/positions?storeId=${w.b.id}`, undefined, { cookie: hugo });
    expect(ofB.body.items.map((i: { carrierId: string }) => i.carrierId)).toEqual([c.id]);
    expect((await t.call('GET', `/api/delivery/positions?storeId=${w.a.id}`, undefined, { cookie: hugo })).status).toBe(
      403,
    );
    expect((await t.call('GET', '/api/delivery/positions', undefined, { cookie: hugo })).status).toBe(403);
  });
});
