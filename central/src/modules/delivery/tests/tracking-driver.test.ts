import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { handshake } from '../../../../tests/support/ws-handshake.js';
import { DriverLink } from '../tracking/driver-simulator.js';
import { TrackingRepository } from '../tracking/tracking-repository.js';
import {
  addCarrier,
  addDelivery,
  deliveryRow,
  DOOR_AT,
  feedOf,
  STORE_AT,
  timeline,
  trackingWorld,
  type TrackingWorld,
} from './tracking-fixture.js';

/** A point `km` north of `from` (a degree of latitude is ~111.2 km). */
const north = (from: { lat: number; lon: number }, km: number) => ({ lat: from.lat + km / 111.195, lon: from.lon });
const MIN = 60_000;

describe.each(dbTargets)('the drivers’ socket, on $name', (target) => {
  let t: TestHub;
  let w: TrackingWorld;
  const links: DriverLink[] = [];
  const connect = async (token: string) => {
    const l = await DriverLink.connect(t.url, token);
    links.push(l);
    return l;
  };

  beforeAll(async () => {
    t = await TestHub.start(target);
    w = await trackingWorld(t);
  });
  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
  });
  afterAll(() => t?.stop());

  it('lets in a driver app with its carrier’s token only: anonymous, people, stores and a deactivated carrier are refused at the upgrade', async () => {
    const url = `${t.url.replace(/^http/, 'ws')}/api/delivery/drivers`;
    const live = await addCarrier(t);
    const retired = await addCarrier(t, { active: false });
    expect((await handshake(url)).status).toBe(401);
    expect((await handshake(url, { headers: { cookie: w.admin } })).status).toBe(401);
    expect((await handshake(url, { headers: { authorization: `Bearer ${w.a.token}` } })).status).toBe(401);
    expect((await handshake(url, { headers: { authorization: `Bearer ${live.token}x` } })).status).toBe(401);
    const refused = await handshake(url, { headers: { authorization: `Bearer ${retired.token}` } });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body!).detail).toBe(`carrier ${retired.code} is not active`);
    const ok = await handshake(url, { headers: { authorization: `Bearer ${live.token}` }, waitForFrame: true });
    expect(ok.status).toBe(101);
    expect(JSON.parse(ok.firstFrame!)).toMatchObject({ type: 'welcome', carrier: { code: live.code, speedKmh: 30 } });
  });

  it('re-estimates the arrival on every position and raises ARRIVING once, inside 300 m of the door', async () => {
    const c = await addCarrier(t, { speedKmh: 30 });
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'OUT_FOR_DELIVERY' });
    const driver = await connect(c.token);

    const before = Date.now();
    const far = await driver.ask({ type: 'position', ...STORE_AT, at: Date.now() });
    const after = Date.now();
    expect(far).toMatchObject({ type: 'ok', of: 'position' });
    // 2.0 km as the crow flies, 2.6 km on the road (as the promise reckons it): 5.2 minutes at 30 km/h
    const firstEta = (far as { etas: Record<string, number> }).etas[d.id]!;
    expect(firstEta).toBeGreaterThanOrEqual(before + 5.1 * MIN);
    expect(firstEta).toBeLessThanOrEqual(after + 5.3 * MIN);
    expect((await deliveryRow(t, d.id)).eta).toBe(firstEta);

    const halfway = await driver.ask({ type: 'position', ...north(STORE_AT, 1), at: Date.now() });
    const secondEta = (halfway as { etas: Record<string, number> }).etas[d.id]!;
    expect(secondEta).toBeLessThan(firstEta);
    expect(await deliveryRow(t, d.id)).toMatchObject({ status: 'OUT_FOR_DELIVERY', eta: secondEta });

    await driver.ask({ type: 'position', ...north(DOOR_AT, -0.25), at: Date.now() });
    expect((await deliveryRow(t, d.id)).status).toBe('ARRIVING');
    await driver.ask({ type: 'position', ...north(DOOR_AT, -0.1), at: Date.now() });
    await driver.ask({ type: 'position', ...DOOR_AT, at: Date.now() });
    expect((await timeline(t, d.id)).filter((k) => k === 'arriving')).toHaveLength(1);
    const copies = (await feedOf(t, w.a.id, 'delivery.changed')).filter((p) => p.id === d.id);
    expect(copies.map((p) => p.status)).toEqual(['ARRIVING']);
  });

  it('estimates a drone’s arrival along the straight line it flies, not the road', async () => {
    const drone = await addCarrier(t, { kind: 'DRONE', speedKmh: 30 });
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: drone.id, status: 'OUT_FOR_DELIVERY' });
    const driver = await connect(drone.token);
    const before = Date.now();
    const at = await driver.ask({ type: 'position', ...STORE_AT, at: Date.now() });
    const after = Date.now();
    // 2.0 km at 30 km/h is four minutes
    const eta = (at as { etas: Record<string, number> }).etas[d.id]!;
    expect(eta).toBeGreaterThanOrEqual(before + 3.9 * MIN);
    expect(eta).toBeLessThanOrEqual(after + 4.1 * MIN);
  });

  // Two connections at once: Postgres only (PGlite has one).
  it.skipIf(target.name === 'pglite')(
    'holds a delivery row under a driver’s frame without blocking another transaction writing that delivery’s timeline',
    async () => {
      const c = await addCarrier(t);
      const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'OUT_FOR_DELIVERY' });
      // A frame's transaction locks the row and then waits for the store's feed head; another one holding that head
      // while it adds an offer or a timeline line for the delivery must not wait for the row (a deadlock, else).
      await t.hub.db.transaction(async (tx) => {
        expect(await new TrackingRepository().lock(tx, d.id)).toMatchObject({ id: d.id });
        await t.hub.db.transaction(async (other) => {
          await other.query("SET LOCAL lock_timeout = '5s'");
          await other.query(
            "INSERT INTO delivery_events (delivery_id, at, kind, detail) VALUES ($1, $2, 'note', '{}'::jsonb)",
            [d.id, Date.now()],
          );
        });
      });
      expect(await timeline(t, d.id)).toContain('note');
    },
  );

  it('follows a van’s planned route: a door later on the route is reached after the stops before it, and is not ARRIVING while another stop comes first', async () => {
    const van = await addCarrier(t, { kind: 'VAN', speedKmh: 30 });
    const now = Date.now();
    const first = await addDelivery(t, {
      storeId: w.a.id,
      carrierId: van.id,
      status: 'OUT_FOR_DELIVERY',
      door: north(STORE_AT, 4),
    });
    const second = await addDelivery(t, {
      storeId: w.a.id,
      carrierId: van.id,
      status: 'OUT_FOR_DELIVERY',
      door: north(STORE_AT, 1),
    });
    const stops = [
      { deliveryId: first.id, arriveAt: now + 8 * MIN, departAt: now + 11 * MIN, state: 'PLANNED' },
      { deliveryId: second.id, arriveAt: now + 17 * MIN, departAt: now + 20 * MIN, state: 'PLANNED' },
    ];
    await t.hub.db.query(
      `INSERT INTO delivery_routes (id, carrier_id, depot_id, status, stops, distance_km, planned_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, 'UNDER_WAY', $3, 7, $4, $4)`,
      [van.id, w.a.id, JSON.stringify(stops), now],
    );
    const driver = await connect(van.token);
    // Right by the second door, with the first one (3 km further on) still to make
    const at = await driver.ask({ type: 'position', ...north(STORE_AT, 1.05), at: Date.now() });
    const etas = (at as { etas: Record<string, number> }).etas;
    // to the first door: 2.95 km, three minutes there, back 3 km (3.9 km on the road: 7.8 min) to the second
    expect(etas[second.id]! - etas[first.id]!).toBeGreaterThanOrEqual(10.7 * MIN);
    expect(etas[second.id]! - etas[first.id]!).toBeLessThanOrEqual(10.9 * MIN);
    expect((await deliveryRow(t, second.id)).status).toBe('OUT_FOR_DELIVERY');
    // The driver says it is at the second door after all: that one is ARRIVING
    await driver.ask({ type: 'position', ...north(STORE_AT, 1.05), at: Date.now(), deliveryId: second.id });
    expect((await deliveryRow(t, second.id)).status).toBe('ARRIVING');
    expect((await deliveryRow(t, first.id)).status).toBe('OUT_FOR_DELIVERY');
    const runs = await driver.ask({ type: 'list' });
    expect(runs.type === 'runs' && runs.deliveries.map((r) => [r.orderNumber, r.stop])).toEqual([
      [first.orderNumber, 1],
      [second.orderNumber, 2],
    ]);
  });

  it('refuses a position, a delivery or a failure for a delivery not on the driver’s runs, and stores nothing of it', async () => {
    const mine = await addCarrier(t);
    const other = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: mine.id, status: 'OUT_FOR_DELIVERY' });
    const before = await deliveryRow(t, d.id);
    const stranger = await connect(other.token);
    const frames = [
      { type: 'position', ...DOOR_AT, at: Date.now(), deliveryId: d.id },
      { type: 'collected', deliveryId: d.id },
      { type: 'delivered', deliveryId: d.id, proof: { kind: 'PHOTO', ref: 'photo:x' } },
      { type: 'failed', deliveryId: d.id, reason: 'nobody home' },
      { type: 'back-at-store', deliveryId: d.id },
      { type: 'delivered', deliveryId: '0190f0f0-0000-7000-8000-00000000dead', proof: { kind: 'PHOTO', ref: 'x' } },
    ] as const;
    for (const f of frames) {
      const a = await stranger.ask(f);
      expect(a, f.type).toMatchObject({ type: 'error', code: 'forbidden' });
      if (a.type === 'error') expect(a.message).toContain(`not on the runs of ${other.code}`);
    }
    expect(await deliveryRow(t, d.id)).toEqual(before);
    const stored = await t.hub.db.query(
      `SELECT (SELECT count(*) FROM delivery_positions WHERE carrier_id = $1) AS positions,
              (SELECT count(*) FROM delivery_trail WHERE carrier_id = $1) AS trail,
              (SELECT count(*) FROM delivery_proofs WHERE delivery_id = $2) AS proofs,
              (SELECT count(*) FROM delivery_events WHERE delivery_id = $2) AS events`,
      [other.id, d.id],
    );
    expect(stored.rows[0]).toEqual({ positions: 0, trail: 0, proofs: 0, events: 0 });
  });

  it('takes a delivery with a photo proof once: DELIVERED, the proof kept, the store told; a repeat is replayed', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'ARRIVING' });
    const driver = await connect(c.token);
    await driver.ask({ type: 'position', ...DOOR_AT, at: Date.now(), deliveryId: d.id });
    const frame = { type: 'delivered', deliveryId: d.id, proof: { kind: 'SIGNATURE', ref: 'sig:2231' } } as const;
    expect(await driver.ask(frame)).toMatchObject({ type: 'ok', status: 'DELIVERED', replayed: false });
    expect(await driver.ask(frame)).toMatchObject({ type: 'ok', status: 'DELIVERED', replayed: true });
    const proof = await t.hub.db.query(
      'SELECT kind, ref, pin_checked, lat, lon FROM delivery_proofs WHERE delivery_id = $1',
      [d.id],
    );
    expect(proof.rows).toEqual([{ kind: 'SIGNATURE', ref: 'sig:2231', pin_checked: false, ...DOOR_AT }]);
    expect((await timeline(t, d.id)).filter((k) => k === 'delivered')).toHaveLength(1);
    expect((await feedOf(t, w.a.id, 'delivery.changed')).filter((p) => p.id === d.id).map((p) => p.status)).toEqual([
      'DELIVERED',
    ]);
    // nothing further happens to a delivered one
    const late = await driver.ask({ type: 'failed', deliveryId: d.id, reason: 'changed my mind' });
    expect(late).toMatchObject({ type: 'error', code: 'conflict' });
  });

  it('hands age-restricted goods over only against the PIN on the customer’s page: none or a wrong one keeps the goods with the driver', async () => {
    const c = await addCarrier(t);
    const noLink = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'ARRIVING', ageRestricted: true });
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'ARRIVING', ageRestricted: true });
    const minted = await t.call('POST', `/api/delivery/deliveries/${d.id}/tracking-link`, {}, { cookie: w.admin });
    expect(minted.status).toBe(201);
    const page = await t.call('GET', `/api/delivery/track/${minted.body.token}`);
    const pin: string = page.body.pin;
    expect(pin).toMatch(/^\d{6}$/);
    const wrong = String((Number(pin) + 1) % 1_000_000).padStart(6, '0');
    const driver = await connect(c.token);
    const proof = { kind: 'PHOTO', ref: 'photo:door' } as const;

    const unpinned = await driver.ask({ type: 'delivered', deliveryId: noLink.id, proof, pin });
    expect(unpinned).toMatchObject({ type: 'error', code: 'unprocessable' });
    expect((unpinned as { message: string }).message).toContain('no PIN was issued');
    const without = await driver.ask({ type: 'delivered', deliveryId: d.id, proof });
    expect((without as { message: string }).message).toBe(
      `${d.orderNumber} holds age-restricted goods: check ID and ask for the PIN`,
    );
    const guessed = await driver.ask({ type: 'delivered', deliveryId: d.id, proof, pin: wrong });
    expect(guessed).toMatchObject({ type: 'error', code: 'unprocessable' });
    expect((guessed as { message: string }).message).toBe(
      `wrong PIN for ${d.orderNumber}: the goods stay with you (4 tries left)`,
    );
    expect((await deliveryRow(t, d.id)).status).toBe('ARRIVING');
    expect(await driver.ask({ type: 'delivered', deliveryId: d.id, proof, pin })).toMatchObject({
      type: 'ok',
      status: 'DELIVERED',
    });
    const kept = await t.hub.db.query('SELECT pin_checked FROM delivery_proofs WHERE delivery_id = $1', [d.id]);
    expect(kept.rows).toEqual([{ pin_checked: true }]);
    // the PIN itself is nowhere in the database: only its hash
    const pins = await t.hub.db.query<{ pin_hash: string }>(
      'SELECT pin_hash FROM delivery_pins WHERE delivery_id = $1',
      [d.id],
    );
    expect(pins.rows[0]!.pin_hash).not.toContain(pin);
  });

  it('stops taking PINs after five wrong ones, even the right one: the goods go back', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'ARRIVING', ageRestricted: true });
    const minted = await t.call('POST', `/api/delivery/deliveries/${d.id}/tracking-link`, {}, { cookie: w.admin });
    const pin: string = (await t.call('GET', `/api/delivery/track/${minted.body.token}`)).body.pin;
    const wrong = pin === '000000' ? '000001' : '000000';
    const driver = await connect(c.token);
    const proof = { kind: 'PHOTO', ref: 'photo:door' } as const;
    for (let i = 0; i < 5; i++) await driver.ask({ type: 'delivered', deliveryId: d.id, proof, pin: wrong });
    const right = await driver.ask({ type: 'delivered', deliveryId: d.id, proof, pin });
    expect((right as { message: string }).message).toBe(
      `${d.orderNumber}: 5 wrong PINs were given; the goods stay with you (report it failed)`,
    );
    expect(await driver.ask({ type: 'failed', deliveryId: d.id, reason: 'age check failed' })).toMatchObject({
      status: 'RETURNING',
    });
  });

  it('takes a failed delivery back to its store: FAILED, RETURNING, then RETURNED with the goods in the store’s feed once', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'OUT_FOR_DELIVERY' });
    const driver = await connect(c.token);
    const early = await driver.ask({ type: 'back-at-store', deliveryId: d.id });
    expect(early).toMatchObject({ type: 'error', code: 'conflict' });
    expect(await driver.ask({ type: 'failed', deliveryId: d.id, reason: 'nobody home' })).toMatchObject({
      type: 'ok',
      status: 'RETURNING',
    });
    expect(await deliveryRow(t, d.id)).toMatchObject({ status: 'RETURNING', failure: 'nobody home' });
    expect(await driver.ask({ type: 'failed', deliveryId: d.id, reason: 'nobody home' })).toMatchObject({
      replayed: true,
    });
    expect(await feedOf(t, w.a.id, 'delivery.returned')).not.toContainEqual(expect.objectContaining({ id: d.id }));
    expect(await driver.ask({ type: 'back-at-store', deliveryId: d.id })).toMatchObject({ status: 'RETURNED' });
    expect(await driver.ask({ type: 'back-at-store', deliveryId: d.id })).toMatchObject({ replayed: true });
    expect(await timeline(t, d.id)).toEqual(['failed', 'returning', 'returned']);
    const returned = (await feedOf(t, w.a.id, 'delivery.returned')).filter((p) => p.id === d.id);
    expect(returned).toEqual([
      {
        id: d.id,
        orderNumber: d.orderNumber,
        lines: [{ sku: 'OAT-1L', qty: 2 }],
        reason: 'nobody home',
        at: expect.any(Number),
      },
    ]);
    expect((await feedOf(t, w.a.id, 'delivery.changed')).filter((p) => p.id === d.id).map((p) => p.status)).toEqual([
      'RETURNING',
      'RETURNED',
    ]);
  });

  it('lets the driver say it collected the goods before the store’s hand-over arrives (a store offline)', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'ASSIGNED' });
    const driver = await connect(c.token);
    const early = await driver.ask({ type: 'delivered', deliveryId: d.id, proof: { kind: 'PHOTO', ref: 'p' } });
    expect((early as { message: string }).message).toBe(`${d.orderNumber} is ASSIGNED: it cannot be delivered now`);
    expect(await driver.ask({ type: 'collected', deliveryId: d.id })).toMatchObject({ status: 'OUT_FOR_DELIVERY' });
    expect(await driver.ask({ type: 'collected', deliveryId: d.id })).toMatchObject({ replayed: true });
    expect(await timeline(t, d.id)).toEqual(['collected']);
  });

  it('answers hostile frames with an error frame and keeps serving: garbage, binary, NUL, wrong shapes, huge', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'OUT_FOR_DELIVERY' });
    const driver = await connect(c.token);
    const hostile: (string | Buffer)[] = [
      'not json',
      '[1,2,3]',
      Buffer.from([0, 1, 2, 255]),
      JSON.stringify({ type: 'position', lat: 91, lon: 0, at: Date.now() }),
      JSON.stringify({ type: 'position', lat: 'x', lon: 0, at: Date.now() }),
      JSON.stringify({ type: 'position', lat: 1, lon: 0, at: 1e300 }),
      JSON.stringify({ type: 'failed', deliveryId: d.id, reason: 'nobody\u0000home' }),
      JSON.stringify({ type: 'delivered', deliveryId: d.id, proof: { kind: 'PHOTO', ref: 'x' }, extra: 1 }),
      JSON.stringify({ type: 'delivered', deliveryId: 'not-a-uuid', proof: { kind: 'VIDEO', ref: 'x' } }),
      JSON.stringify({ type: 'nope' }),
      JSON.stringify({ type: 'failed', deliveryId: d.id, reason: 'x'.repeat(5000) }),
      `{"type":"list","ref":"${'['.repeat(3000)}"}`,
    ];
    for (const f of hostile) {
      driver.send(f);
      const a = await driver.next();
      expect(a, String(f).slice(0, 60)).toMatchObject({ type: 'error', code: 'validation' });
    }
    // a future timestamp is refused by the rule, not the shape
    const ahead = await driver.ask({ type: 'position', ...DOOR_AT, at: Date.now() + 3_600_000 });
    expect(ahead).toMatchObject({ type: 'error', code: 'validation' });
    expect(await deliveryRow(t, d.id)).toMatchObject({ status: 'OUT_FOR_DELIVERY', failure: null });
    expect(await driver.ask({ type: 'list' })).toMatchObject({ type: 'runs' });
  });

  it('bounds each driver’s frames across its sockets: a flood is answered rate-limited, and a client that never slows down is closed', async () => {
    const c = await addCarrier(t);
    const driver = await connect(c.token);
    const second = await connect(c.token); // another socket of the same carrier draws on the same budget
    const frame = JSON.stringify({ type: 'list' });
    for (let i = 0; i < 100; i++) {
      driver.send(frame);
      second.send(frame);
    }
    const answers = await Promise.all([
      ...Array.from({ length: 100 }, () => driver.next()),
      ...Array.from({ length: 100 }, () => second.next()),
    ]);
    const taken = answers.filter((a) => a.type === 'runs').length;
    expect(answers.length - taken).toBe(answers.filter((a) => a.type === 'error' && a.code === 'rate-limited').length);
    expect(taken).toBeLessThan(200);
    expect(taken).toBeGreaterThanOrEqual(120);
    for (let round = 0; round < 50 && !driver.closed; round++) {
      for (let i = 0; i < 100 && driver.ws.readyState === driver.ws.OPEN; i++) driver.send(frame);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise<void>((resolve) => (driver.closed ? resolve() : driver.ws.once('close', () => resolve())));
    expect(driver.closed).toEqual({ code: 1008, reason: 'too many frames: slow down' });
  });
});
