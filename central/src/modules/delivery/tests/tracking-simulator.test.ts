import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { StoreOutbox } from '../../../../tests/support/store-outbox.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { DriverSimulator, seededRandom } from '../tracking/driver-simulator.js';
import {
  addCarrier,
  addDelivery,
  deliveryRow,
  feedOf,
  STORE_AT,
  timeline,
  trackingWorld,
  type TrackingWorld,
} from './tracking-fixture.js';

const north = (from: { lat: number; lon: number }, km: number) => ({ lat: from.lat + km / 111.195, lon: from.lon });
const east = (from: { lat: number; lon: number }, km: number) => ({
  lat: from.lat,
  lon: from.lon + km / (111.195 * Math.cos((from.lat * Math.PI) / 180)),
});

/** The driver simulator against the real socket: what the demo runs, stepped here by driving time. */
describe.each(dbTargets)('the driver simulator, on $name', (target) => {
  let t: TestHub;
  let w: TrackingWorld;
  let storeA: StoreOutbox;
  const sims: DriverSimulator[] = [];
  const connect = async (token: string, o: Parameters<typeof DriverSimulator.connect>[2] = {}) => {
    const sim = await DriverSimulator.connect(t.url, token, { random: seededRandom(7), ...o });
    sims.push(sim);
    return sim;
  };
  /** Steps `sim` by `seconds` of driving until `done` (bounded), returning what it did on the way. */
  const drive = async (sim: DriverSimulator, seconds: number, done: (did: string[]) => boolean, maxSteps = 200) => {
    const did: string[] = [];
    for (let i = 0; i < maxSteps && !done(did); i++) did.push(...(await sim.step(seconds)).did);
    if (!done(did)) throw new Error(`the simulator did not get there in ${maxSteps} steps: ${did.join('; ')}`);
    return did;
  };

  beforeAll(async () => {
    t = await TestHub.start(target);
    w = await trackingWorld(t);
    storeA = new StoreOutbox(t, w.a.id);
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.stop()));
  });
  afterAll(() => t?.stop());

  it('collects at the store once it hands the goods over, drives to each door, and hands them over with a photo', async () => {
    const c = await addCarrier(t, { speedKmh: 30, at: north(STORE_AT, -1) });
    const near = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, door: north(STORE_AT, 1.5) });
    const far = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, door: east(STORE_AT, 2.5) });
    const sim = await connect(c.token);
    // it drives to the store and waits there: the store has not handed anything over yet
    await drive(sim, 30, (did) => did.some((d) => d.startsWith('waiting at Riverside')));
    expect((await deliveryRow(t, near.id)).status).toBe('ASSIGNED');
    await storeA.send(
      storeA.event('delivery.handed-to-driver', { deliveryId: near.id, at: Date.now() }),
      storeA.event('delivery.handed-to-driver', { deliveryId: far.id, at: Date.now() }),
    );
    const did = await drive(sim, 30, (d) => d.filter((x) => x.startsWith('delivered')).length === 2);
    // the nearer door first
    expect(did.filter((x) => x.startsWith('delivered'))).toEqual([
      `delivered ${near.orderNumber}`,
      `delivered ${far.orderNumber}`,
    ]);
    for (const d of [near, far]) {
      expect((await deliveryRow(t, d.id)).status).toBe('DELIVERED');
      expect(await timeline(t, d.id)).toEqual(['handed-to-driver', 'arriving', 'delivered']);
    }
    const proofs = await t.hub.db.query('SELECT ref FROM delivery_proofs WHERE carrier_id = $1 ORDER BY at', [c.id]);
    expect(proofs.rows.map((r) => r.ref)).toEqual([`photo:sim/${near.id}`, `photo:sim/${far.id}`]);
    const trail = await t.hub.db.query<{ n: number }>(
      'SELECT count(*) AS n FROM delivery_trail WHERE carrier_id = $1',
      [c.id],
    );
    expect(trail.rows[0]!.n).toBeGreaterThan(10);
    const done = await sim.step(30);
    expect(done.idle).toBe(true);
  });

  it('fails at the carrier’s fail rate, brings the goods back, and the store is told to put them into stock', async () => {
    const c = await addCarrier(t, { speedKmh: 40, failRate: 1 });
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'OUT_FOR_DELIVERY' });
    const sim = await connect(c.token);
    const did = await drive(sim, 30, (x) => x.includes(`returned ${d.orderNumber}`));
    expect(did).toEqual([`failed ${d.orderNumber}`, `returned ${d.orderNumber}`]);
    expect(await deliveryRow(t, d.id)).toMatchObject({ status: 'RETURNED', failure: 'nobody home' });
    expect((await feedOf(t, w.a.id, 'delivery.returned')).filter((p) => p.id === d.id)).toHaveLength(1);
  });

  it('hands age-restricted goods over with the PIN the customer reads on their page, and fails them without one', async () => {
    const c = await addCarrier(t, { speedKmh: 40 });
    const pinned = await addDelivery(t, {
      storeId: w.a.id,
      carrierId: c.id,
      status: 'OUT_FOR_DELIVERY',
      ageRestricted: true,
    });
    const unpinned = await addDelivery(t, {
      storeId: w.a.id,
      carrierId: c.id,
      status: 'OUT_FOR_DELIVERY',
      ageRestricted: true,
      door: east(STORE_AT, 3),
    });
    const token = (await t.call('POST', `/api/delivery/deliveries/${pinned.id}/tracking-link`, {}, { cookie: w.admin }))
      .body.token;
    const sim = await connect(c.token, {
      pinFor: async (id) =>
        id === pinned.id ? (await t.call('GET', `/api/delivery/track/${token}`)).body.pin : undefined,
    });
    const did = await drive(sim, 30, (x) => x.includes(`failed ${unpinned.orderNumber}`));
    expect(did).toContain(`delivered ${pinned.orderNumber}`);
    expect((await deliveryRow(t, pinned.id)).status).toBe('DELIVERED');
    expect(await deliveryRow(t, unpinned.id)).toMatchObject({
      status: 'RETURNING',
      failure: 'age check: the customer had no PIN',
    });
  });

  it('says it collected the goods itself when told to (a demo with nobody at the store’s desk), and runs on a timer, opening its socket again when it drops', async () => {
    const c = await addCarrier(t, { speedKmh: 50 });
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, door: north(STORE_AT, 0.5) });
    const errors: unknown[] = [];
    const sim = await connect(c.token, { selfCollect: true, onError: (err) => errors.push(err) });
    // the connection drops (a hub restart, a tunnel): the app opens it again at its next tick
    const first = sim.link;
    first.ws.terminate();
    await new Promise<void>((resolve) => (first.closed ? resolve() : first.ws.once('close', () => resolve())));
    sim.start(50, 60); // a minute of driving every 50 ms
    const deadline = Date.now() + 60_000;
    while ((await deliveryRow(t, d.id)).status !== 'DELIVERED' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((await deliveryRow(t, d.id)).status).toBe('DELIVERED');
    expect(await timeline(t, d.id)).toEqual(['collected', 'arriving', 'delivered']);
    expect(errors).toEqual([]);
    expect(sim.link).not.toBe(first);
  });
});
