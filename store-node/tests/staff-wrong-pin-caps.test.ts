import { request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staffAuditSchema, verifyPin } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { ANA, BO, hashed, MIA, posLane } from './support/staff-store.js';

/**
 * A screen chooses its lane (its `sf_lane` cookie, 1–99), so the lane's own lock (5 wrong PINs) alone let one screen
 * try 5 PINs at each of 99 lanes every 5 minutes, and a wrong PIN checked against the whole roster could keep the
 * node's PIN checks busy for every other lane. Here the screens are trusted addresses on 127.0.0.0/8 (as lane PCs on
 * the store's network would be listed in STORE_TRUSTED_ADDRESSES): 127.0.0.1 is the node's own machine, .2–.4 other
 * screens. The clock is the node's; nothing here waits on time.
 */
const SCREENS = { A: '127.0.0.1', B: '127.0.0.2', C: '127.0.0.3', D: '127.0.0.4' } as const;
type Screen = keyof typeof SCREENS;

interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** A call from one screen's address (the socket's local address), as that screen's browser would send it. */
function callFrom(url: string, screen: Screen, method: string, path: string, body?: unknown, cookie?: string) {
  const { hostname, port } = new URL(url);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        path,
        method,
        localAddress: SCREENS[screen],
        headers: {
          ...(data === undefined ? {} : { 'content-type': 'application/json' }),
          ...(cookie ? { cookie } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function startNode(opts: { dbPath?: string; now?: number } = {}) {
  const clock = { now: opts.now ?? Date.parse('2026-11-28T13:05:00Z') };
  const dbPath = opts.dbPath ?? join(mkdtempSync(join(tmpdir(), 'sf-staff-caps-')), 'store.sqlite');
  const node: StoreNode = createStoreNode({
    dbPath,
    port: 0,
    logLevel: 'silent',
    mode: 'test',
    name: 'Staff Caps Store',
    now: () => clock.now,
    trustedAddresses: Object.values(SCREENS),
  });
  const url = await node.start();
  const call = (screen: Screen, method: string, path: string, body?: unknown, cookie?: string) =>
    callFrom(url, screen, method, path, body, cookie);
  const feedRoster = async (version: number) => {
    const members = await Promise.all(
      [
        { ...ANA, role: 'ASSOCIATE' as const },
        { ...BO, role: 'ASSOCIATE' as const },
        { ...MIA, role: 'STORE_MANAGER' as const },
      ].map(async ({ pin, ...m }) => ({ ...m, pinHash: await hashed(pin), disabled: false })),
    );
    const seq = node.sync.storage.feedCursor() + 1;
    node.sync.storage.applyFeed([{ seq, type: 'staff.roster', createdAt: clock.now, payload: { version, members } }]);
  };
  const auditEvents = () =>
    (
      node.db
        .prepare("SELECT payload FROM sync_outbox WHERE type = 'staff.audit' ORDER BY seq")
        .pluck()
        .all() as string[]
    ).map((p) => JSON.parse(p) as Record<string, any>);
  return { node, dbPath, clock, call, feedRoster, auditEvents, stop: () => node.stop() };
}
type Node = Awaited<ReturnType<typeof startNode>>;

/** Wrong PINs the roster does not hold (4–8 digits, each different). */
const wrongPin = (i: number) => String(55550000 + i);

describe('wrong PINs are capped per screen and store-wide, and one screen’s checks do not starve the others', () => {
  const nodes: Node[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });
  const start = async (opts: Parameters<typeof startNode>[0] = {}) => {
    const n = await startNode(opts);
    nodes.push(n);
    return n;
  };

  it('a screen spreading wrong PINs over lanes is paused at its 10th; the store’s 20th pauses every lane, across a restart, while people signed in keep working', async () => {
    let s = await start();
    await s.feedRoster(1);
    // Ana signed in at lane 40 (screen C) before anything went wrong
    const signedIn = await s.call('C', 'POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(40));
    const ana = /sf_staff=[^;]+/.exec(String(signedIn.headers['set-cookie']))![0];

    // Screen A: one wrong PIN at each of lanes 1–10, so no lane reaches its own 5
    const fromA: Answer[] = [];
    for (let lane = 1; lane <= 10; lane++)
      fromA.push(await s.call('A', 'POST', '/api/staff/sign-in', { pin: wrongPin(lane) }, posLane(lane)));
    expect(fromA.map((a) => [a.status, a.body.signedIn, a.body.reason, a.body.triesLeft])).toEqual([
      [200, false, 'wrong-pin', 4],
      [200, false, 'wrong-pin', 4],
      [200, false, 'wrong-pin', 4],
      [200, false, 'wrong-pin', 4],
      [200, false, 'wrong-pin', 4],
      [200, false, 'wrong-pin', 4],
      [200, false, 'wrong-pin', 3],
      [200, false, 'wrong-pin', 2],
      [200, false, 'wrong-pin', 1],
      [200, false, 'wrong-pin', 0],
    ]);
    expect(fromA[7]!.body.detail).toMatch(/2 tries left before sign-in from this screen pauses/);
    expect(fromA[9]!.body.lockedUntil).toBe(s.clock.now + 5 * 60_000);
    expect(fromA[9]!.body.detail).toMatch(/Too many wrong PINs from this screen/);
    // Screen A's 11th try, at a lane it never used, and even a right PIN: 429, nothing recorded
    const recorded = s.auditEvents().length;
    for (const [lane, pin] of [
      [11, wrongPin(11)],
      [12, ANA.pin],
    ] as const) {
      const r = await s.call('A', 'POST', '/api/staff/sign-in', { pin }, posLane(lane));
      expect(r.status).toBe(429);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.headers['retry-after']).toBe('300');
      expect(r.body.detail).toMatch(/Too many wrong PINs from this screen .*paused for 5 min/);
    }
    expect(s.auditEvents()).toHaveLength(recorded);

    // Screen B: 9 wrong PINs over lanes 21–29: 19 at the store, nothing paused for B or the others
    for (let lane = 21; lane <= 29; lane++) {
      const r = await s.call('B', 'POST', '/api/staff/sign-in', { pin: wrongPin(lane) }, posLane(lane));
      expect([lane, r.status, r.body.lockedUntil]).toEqual([lane, 200, null]);
    }
    expect((await s.call('D', 'GET', '/api/staff/me', undefined, posLane(50))).body.lockedUntil).toBeNull();
    // Screen D's one wrong PIN is the store's 20th: every lane pauses
    const twentieth = await s.call('D', 'POST', '/api/staff/sign-in', { pin: wrongPin(50) }, posLane(50));
    expect(twentieth.body).toMatchObject({ signedIn: false, triesLeft: 0, lockedUntil: s.clock.now + 5 * 60_000 });
    expect(twentieth.body.detail).toMatch(/Too many wrong PINs at this store/);

    const paused = async (n: Node) => {
      for (const [screen, lane] of [
        ['D', 51],
        ['B', 29],
        ['C', 41],
      ] as const) {
        const r = await n.call(screen, 'POST', '/api/staff/sign-in', { pin: BO.pin }, posLane(lane));
        expect([screen, r.status, r.headers['content-type']]).toEqual([screen, 429, expect.stringMatching(/problem/)]);
        expect(r.body.detail).toMatch(
          /^Too many wrong PINs at this store \(20 in 5 minutes\): sign-in and managers’ approvals are paused at every lane for \d min\. People already signed in keep working/,
        );
      }
      // a manager's approval is paused too, even at the lane where Ana is signed in
      const approval = await n.call(
        'C',
        'POST',
        '/api/staff/approvals',
        { pin: MIA.pin, action: 'NO_SALE' },
        posLane(40, ana),
      );
      expect(approval.status).toBe(429);
      // Ana keeps working at lane 40: she is still signed in and opens a sale; another lane has nobody
      expect((await n.call('C', 'GET', '/api/staff/me', undefined, posLane(40, ana))).body).toMatchObject({
        person: { name: ANA.name },
        lockedDetail: expect.stringMatching(/at this store/),
      });
      expect((await n.call('C', 'POST', '/api/pos/sales', {}, posLane(40, ana))).status).toBe(201);
      expect((await n.call('C', 'POST', '/api/pos/sales', {}, posLane(42))).status).toBe(401);
    };
    await paused(s);

    const audit = s.auditEvents();
    expect(audit.filter((e) => e.action === 'SIGN_IN_FAILED')).toHaveLength(20);
    expect(audit.filter((e) => e.action === 'LANE_LOCKED')).toEqual([
      expect.objectContaining({
        lane: 10,
        detail:
          '10 wrong PINs from the store node’s own machine in 5 minutes, over all its lanes: its sign-in and approvals paused for 5 minutes',
      }),
      expect.objectContaining({
        lane: null,
        detail:
          'store-wide: 20 wrong PINs at this store in 5 minutes (1 from the screen at 127.0.0.4): new sign-ins and approvals paused at every lane for 5 minutes',
      }),
    ]);
    for (const e of audit) staffAuditSchema.parse(e);

    // a restart a minute later keeps the store's pause
    const { dbPath, clock } = s;
    await s.stop();
    nodes.splice(nodes.indexOf(s), 1);
    s = await start({ dbPath, now: clock.now + 60_000 });
    const after = await s.call('D', 'POST', '/api/staff/sign-in', { pin: BO.pin }, posLane(51));
    expect([after.status, after.headers['retry-after']]).toEqual([429, '240']);
    await paused(s);
    // five minutes after the 20th: everyone may sign in again, screen A too
    s.clock.now = clock.now + 5 * 60_000;
    expect((await s.call('D', 'POST', '/api/staff/sign-in', { pin: BO.pin }, posLane(51))).body.signedIn).toBe(true);
    expect((await s.call('A', 'POST', '/api/staff/sign-in', { pin: MIA.pin }, posLane(1))).body.signedIn).toBe(true);
    // and the window starts afresh: a wrong PIN now is not the store's 21st
    const fresh = await s.call('B', 'POST', '/api/staff/sign-in', { pin: wrongPin(99) }, posLane(29));
    expect([fresh.status, fresh.body.lockedUntil]).toEqual([200, null]);
  }, 180_000);

  it('refuses a screen’s second PIN while its first is being checked (429, not queued); another screen’s right PIN signs in meanwhile', async () => {
    const s = await start();
    await s.feedRoster(1);
    // hold the check of one wrong PIN in flight until the test lets it go (scrypt itself for every other PIN)
    const held = wrongPin(1);
    let entered!: () => void;
    let release!: () => void;
    const inFlight = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (release = r));
    let holding = true;
    s.node.staff.pins.verify = async (pin, hash) => {
      if (pin === held && holding) {
        holding = false; // its first hash only: a real check's hashes each take ~80 ms
        entered();
        await gate;
      }
      return verifyPin(pin, hash);
    };
    try {
      const first = s.call('A', 'POST', '/api/staff/sign-in', { pin: held }, posLane(3));
      await Promise.race([
        inFlight,
        first.then(() => {
          throw new Error('the first PIN was answered without its check being held');
        }),
      ]);
      const recorded = s.auditEvents().length;
      // the same screen at another lane, with a wrong PIN and with a right one: refused at once
      for (const [lane, pin] of [
        [4, wrongPin(2)],
        [5, ANA.pin],
      ] as const) {
        const r = await s.call('A', 'POST', '/api/staff/sign-in', { pin }, posLane(lane));
        expect([r.status, r.headers['content-type']]).toEqual([429, expect.stringMatching(/problem\+json/)]);
        expect(r.body.detail).toMatch(/A PIN from this screen is being checked already/);
      }
      const approval = await s.call(
        'A',
        'POST',
        '/api/staff/approvals',
        { pin: MIA.pin, action: 'NO_SALE' },
        posLane(6),
      );
      expect(approval.status).toBe(429);
      expect(s.auditEvents()).toHaveLength(recorded);
      // another screen's lane signs in while A's check is still held
      const bo = await s.call('B', 'POST', '/api/staff/sign-in', { pin: BO.pin }, posLane(7));
      expect(bo.body).toMatchObject({ signedIn: true, person: { name: BO.name } });
      release();
      expect((await first).body).toMatchObject({ signedIn: false, reason: 'wrong-pin', triesLeft: 4 });
      // A's next PIN is checked again
      expect((await s.call('A', 'POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(4))).body.signedIn).toBe(true);
      expect(s.auditEvents().map((e) => `${e.action} ${e.lane}`)).toEqual([
        'SIGN_IN 7',
        'SIGN_IN_FAILED 3',
        'SIGN_IN 4',
      ]);
    } finally {
      release(); // a failed expectation leaves no request held open
    }
  }, 120_000);
});
