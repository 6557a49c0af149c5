import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { DRIVER_CLOSE, MAX_SOCKETS_PER_CARRIER } from '../tracking/driver-socket.js';
import { DriverLink } from '../tracking/driver-simulator.js';
import { addCarrier, addDelivery, STORE_AT, trackingWorld, type TrackingWorld } from './tracking-fixture.js';

const north = (from: { lat: number; lon: number }, km: number) => ({ lat: from.lat + km / 111.195, lon: from.lon });
const PASSWORD = 'a long enough password 123';

/** Polls `check` until it holds, at most `ms`; a test that waits for a socket to close never sleeps a fixed time. */
async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('waited too long');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * What tracking must not let out: a driver's socket outliving its token or its carrier, more sockets than a driver
 * needs, a customer shown the driver at someone else's door, a store's staff reading the exact door and the PIN through
 * a tracking link, a store's manager reading other stores' deliveries and doors off the live map, and a token in a log.
 */
describe.each(dbTargets)('tracking’s privacy, on $name', (target) => {
  let t: TestHub;
  let w: TrackingWorld;
  let managerA: string;
  let associateA: string;
  const logLines: string[] = [];
  const links: DriverLink[] = [];
  const connect = async (token: string) => {
    const l = await DriverLink.connect(t.url, token);
    links.push(l);
    return l;
  };
  const mint = (id: string, who: { cookie?: string; bearer?: string }) =>
    t.call('POST', `/api/delivery/deliveries/${id}/tracking-link`, {}, who);
  const read = (token: string) => t.call('GET', `/api/delivery/track/${token}`);

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'info',
      logDestination: { write: (l: string) => void logLines.push(l) },
    });
    w = await trackingWorld(t);
    const suffix = randomBytes(3).toString('hex');
    for (const [email, role] of [
      [`mgr-${suffix}@example.test`, 'STORE_MANAGER'],
      [`asoc-${suffix}@example.test`, 'ASSOCIATE'],
    ] as const)
      await t.hub.auth.createUser({ email, name: role, role, storeId: w.a.id as never, password: PASSWORD });
    managerA = await t.login(`mgr-${suffix}@example.test`, PASSWORD);
    associateA = await t.login(`asoc-${suffix}@example.test`, PASSWORD);
  });
  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
  });
  afterAll(() => t?.stop());

  it('closes a driver’s open socket when head office rotates its token, and the old token opens no other', async () => {
    const c = await addCarrier(t);
    const old = await connect(c.token);
    expect(await old.ask({ type: 'list' })).toMatchObject({ type: 'runs' });
    const rotated = await t.call('POST', `/api/delivery/carriers/${c.id}/driver-token`, undefined, {
      cookie: w.admin,
    });
    expect(rotated.status).toBe(200);
    await until(() => old.closed !== undefined);
    expect(old.closed).toEqual({ code: 4001, reason: DRIVER_CLOSE.revoked });
    await expect(DriverLink.connect(t.url, c.token)).rejects.toThrow();
    expect(await (await connect(rotated.body.driverToken)).ask({ type: 'list' })).toMatchObject({ type: 'runs' });
  });

  it('closes a driver’s open socket when its carrier is made inactive', async () => {
    const c = await addCarrier(t);
    const open = await connect(c.token);
    const patched = await t.call('PATCH', `/api/delivery/carriers/${c.id}`, { active: false }, { cookie: w.admin });
    expect(patched.status).toBe(200);
    await until(() => open.closed !== undefined);
    expect(open.closed).toEqual({ code: 4001, reason: DRIVER_CLOSE.revoked });
    await expect(DriverLink.connect(t.url, c.token)).rejects.toThrow();
  });

  it('closes the socket within seconds when another hub replica rotated the token or deactivated the carrier', async () => {
    // another replica's change reaches this one only through the database: written here behind the hub's back
    const rotated = await addCarrier(t);
    const deactivated = await addCarrier(t);
    const a = await connect(rotated.token);
    const b = await connect(deactivated.token);
    const otherHash = createHash('sha256')
      .update(`drv_${randomBytes(24).toString('base64url')}`)
      .digest('hex');
    await t.hub.db.query('UPDATE delivery_carriers SET driver_token_hash = $2 WHERE id = $1', [rotated.id, otherHash]);
    await t.hub.db.query('UPDATE delivery_carriers SET active = false WHERE id = $1', [deactivated.id]);
    await until(() => a.closed !== undefined && b.closed !== undefined);
    expect([a.closed, b.closed]).toEqual([
      { code: 4001, reason: DRIVER_CLOSE.revoked },
      { code: 4001, reason: DRIVER_CLOSE.revoked },
    ]);
  });

  it(`keeps at most ${MAX_SOCKETS_PER_CARRIER} sockets of one carrier open: a newer one closes the oldest, saying why`, async () => {
    const c = await addCarrier(t);
    const other = await addCarrier(t);
    const theirs = await connect(other.token);
    const mine: DriverLink[] = [];
    for (let i = 0; i < MAX_SOCKETS_PER_CARRIER + 2; i++) mine.push(await connect(c.token));
    await until(() => mine.filter((l) => l.closed).length === 2);
    expect(mine.slice(0, 2).map((l) => l.closed)).toEqual([
      { code: 1008, reason: DRIVER_CLOSE.tooMany },
      { code: 1008, reason: DRIVER_CLOSE.tooMany },
    ]);
    for (const l of mine.slice(2)) expect(await l.ask({ type: 'list' })).toMatchObject({ type: 'runs' });
    expect(theirs.closed).toBeUndefined();
  });

  it('shows a gig driver’s position to neither customer while it carries two, until it names the door it heads for', async () => {
    const gig = await addCarrier(t, { kind: 'GIG' });
    const x = await addDelivery(t, { storeId: w.a.id, carrierId: gig.id, status: 'OUT_FOR_DELIVERY' });
    const yDoor = north(STORE_AT, -1.5);
    const y = await addDelivery(t, { storeId: w.b.id, carrierId: gig.id, status: 'OUT_FOR_DELIVERY', door: yDoor });
    const xToken = (await mint(x.id, { cookie: w.admin })).body.token;
    const yToken = (await mint(y.id, { cookie: w.admin })).body.token;
    const driver = await connect(gig.token);
    // at Y's door, heading for Y: X's customer must not see where Y lives
    await driver.ask({ type: 'position', ...yDoor, at: Date.now(), deliveryId: y.id });
    expect((await read(xToken)).body).toMatchObject({ position: null, stopsBefore: null });
    expect((await read(yToken)).body.position).toMatchObject(yDoor);
    // naming no delivery with two on board: nobody's
    await driver.ask({ type: 'position', ...north(STORE_AT, 0.5), at: Date.now() });
    expect((await read(xToken)).body.position).toBeNull();
    expect((await read(yToken)).body.position).toBeNull();
    // Y handed over: X is all that is on board, so the driver is on its way to X
    await driver.ask({ type: 'delivered', deliveryId: y.id, proof: { kind: 'PHOTO', ref: 'p' } });
    await driver.ask({ type: 'position', ...north(STORE_AT, 0.6), at: Date.now() });
    expect((await read(xToken)).body.position).toMatchObject(north(STORE_AT, 0.6));
  });

  it('lets only head office make a tracking link: a store’s staff and token are refused, and the link and PIN stay as they were', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'ARRIVING', ageRestricted: true });
    const made = await mint(d.id, { cookie: w.admin });
    expect(made.status).toBe(201);
    const before = (await read(made.body.token)).body;
    const driver = await connect(c.token);
    const proof = { kind: 'PHOTO', ref: 'p' } as const;
    const wrong = before.pin === '000000' ? '000001' : '000000';
    await driver.ask({ type: 'delivered', deliveryId: d.id, proof, pin: wrong });
    for (const who of [{ cookie: managerA }, { cookie: associateA }, { bearer: w.a.token }, { bearer: w.b.token }]) {
      const refused = await mint(d.id, who);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(refused.body)).not.toMatch(/trk_/);
    }
    // the customer's link still answers with the same PIN, and the wrong try still counts
    expect((await read(made.body.token)).body).toMatchObject({ status: 'ARRIVING', pin: before.pin });
    const tries = await t.hub.db.query('SELECT wrong_tries FROM delivery_pins WHERE delivery_id = $1', [d.id]);
    expect(Number(tries.rows[0]!.wrong_tries)).toBe(1);
  });

  it('shows a store’s manager only the carriers carrying its deliveries, none of another store’s delivery ids, and no trail', async () => {
    const gig = await addCarrier(t, { kind: 'GIG' });
    const elsewhere = await addCarrier(t, { kind: 'GIG' });
    const x = await addDelivery(t, { storeId: w.a.id, carrierId: gig.id, status: 'OUT_FOR_DELIVERY' });
    const y = await addDelivery(t, { storeId: w.b.id, carrierId: gig.id, status: 'OUT_FOR_DELIVERY' });
    await addDelivery(t, { storeId: w.b.id, carrierId: elsewhere.id, status: 'OUT_FOR_DELIVERY' });
    const driver = await connect(gig.token);
    const others = await connect(elsewhere.token);
    await others.ask({ type: 'position', ...north(STORE_AT, 3), at: Date.now() });
    for (const km of [0.2, 0.4]) await driver.ask({ type: 'position', ...north(STORE_AT, km), at: Date.now() });
    await driver.ask({ type: 'position', ...north(STORE_AT, 0.6), at: Date.now(), deliveryId: y.id });
    // carriers of earlier tests carry store A's deliveries too: these two are the ones in question
    const mineOnly = (items: { carrierId: string }[]) =>
      items.filter((i) => i.carrierId === gig.id || i.carrierId === elsewhere.id);
    const asked = await t.call('GET', `/api/delivery/positions?storeId=${w.a.id}`, undefined, { cookie: managerA });
    expect(asked.status).toBe(200);
    expect(mineOnly(asked.body.items)).toEqual([
      expect.objectContaining({ carrierId: gig.id, code: gig.code, deliveryId: null, trail: [] }),
    ]);
    expect(JSON.stringify(asked.body)).not.toContain(y.id);
    await driver.ask({ type: 'position', ...north(STORE_AT, 0.7), at: Date.now(), deliveryId: x.id });
    const own = await t.call('GET', `/api/delivery/positions?storeId=${w.a.id}`, undefined, { cookie: managerA });
    expect(mineOnly(own.body.items)).toEqual([
      expect.objectContaining({ carrierId: gig.id, deliveryId: x.id, trail: [] }),
    ]);
    // head office still sees the whole trail
    const all = await t.call('GET', `/api/delivery/positions?storeId=${w.a.id}`, undefined, { cookie: w.admin });
    expect(mineOnly(all.body.items)[0]).toMatchObject({ carrierId: gig.id, trail: { length: 4 } });
  });

  it('never logs a tracking token, however oddly its path is spelled', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'OUT_FOR_DELIVERY' });
    const token: string = (await mint(d.id, { cookie: w.admin })).body.token;
    logLines.length = 0;
    for (const path of [
      `/api//delivery/track/${token}`,
      `/api/delivery/%74rack/${token}`,
      `/api/delivery/track/${token}/x`,
      `/api/v0/../delivery/track/${token}`,
      `/api/nothing-here?t=${token}`,
      `/api/delivery/track/trk%5F${token.slice(4)}`,
    ])
      await t.call('GET', path);
    await until(() => logLines.length > 0);
    const logged = logLines.join('');
    expect(logged).toContain('[redacted]');
    expect(logged).not.toContain(token.slice(4));
  });
});
