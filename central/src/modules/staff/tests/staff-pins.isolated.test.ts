import { randomUUID } from 'node:crypto';
import { staffRosterSchema, type StaffRoster, verifyPin } from '@storefleet/shared';
import { describe, expect, it, beforeAll, vi } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import { weakPinReason } from '../service.js';

const PASSWORD = 'a long enough password 123';

/**
 * The hub's draws of a PIN (`randomInt(0, 1_000_000)`), while `seeded` is set: first what `forced` holds, then the
 * seeded generator's. Every other use of randomInt is node's own.
 */
const draws = vi.hoisted(() => ({ seeded: null as null | (() => number), forced: [] as number[], taken: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const randomInt = ((...args: unknown[]) => {
    if (draws.seeded && args[0] === 0 && args[1] === 1_000_000) {
      draws.taken++;
      return draws.forced.shift() ?? draws.seeded();
    }
    return (real.randomInt as (...a: unknown[]) => number)(...args);
  }) as typeof real.randomInt;
  return { ...real, randomInt };
});

/** mulberry32: the same sequence of draws below a million every run. */
function seededDraws(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % 1_000_000;
  };
}

/** The rosters in the store's feed, oldest first, each checked against the wire schema the store parses with. */
async function rosters(t: TestHub, storeId: string): Promise<StaffRoster[]> {
  const { rows } = await t.hub.db.query<{ payload: unknown }>(
    "SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'staff.roster' ORDER BY seq",
    [storeId],
  );
  return rows.map((r) => staffRosterSchema.parse(r.payload));
}

describe.each(dbTargets)('staff PINs and the rosters stores get ($name)', (target) => {
  const h = signedInHub(target);
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  const people: Record<string, { id: string; cookie: string }> = {};

  beforeAll(async () => {
    a = await h.t.store('PIN-A', h.admin);
    b = await h.t.store('PIN-B', h.admin);
    const add = async (key: string, role: 'STORE_MANAGER' | 'ASSOCIATE', storeId: string) => {
      const email = `${key}@example.test`;
      const u = await h.t.hub.auth.createUser({
        email,
        name: key === 'jo' ? 'Jo Bloggs' : key === 'sam' ? 'Sam Manager' : key,
        role,
        storeId: storeId as never,
        password: PASSWORD,
      });
      people[key] = { id: u.id, cookie: await h.t.login(email, PASSWORD) };
    };
    await add('sam', 'STORE_MANAGER', a.id);
    await add('jo', 'ASSOCIATE', a.id);
    await add('kim', 'ASSOCIATE', a.id);
    await add('lee', 'ASSOCIATE', a.id);
    await add('bea', 'STORE_MANAGER', b.id);
    await add('bob', 'ASSOCIATE', b.id);
  }, 60_000);

  const newPin = (who: string, target: string, idempotencyKey?: string) =>
    h.t.call('POST', `/api/staff/people/${people[target]!.id}/pin`, undefined, { cookie: who, idempotencyKey });
  const memberOf = async (storeId: string, key: string) =>
    (await rosters(h.t, storeId)).at(-1)!.members.find((m) => m.userId === people[key]!.id)!;

  it('the hub draws a 6-digit PIN, answers it once and sends the store a hash of it, never the PIN', async () => {
    const before = (await rosters(h.t, a.id)).length;
    const r = await newPin(h.admin, 'jo');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const pin: string = r.body.pin;
    expect(pin).toMatch(/^\d{6}$/);
    expect(weakPinReason(pin)).toBeUndefined();
    expect(r.body).toEqual({ userId: people.jo!.id, pin, pinSetAt: expect.any(Number) });
    expect((await rosters(h.t, a.id)).length).toBe(before + 1);
    const roster = (await rosters(h.t, a.id)).at(-1)!;
    const jo = roster.members.find((m) => m.userId === people.jo!.id)!;
    expect(jo).toMatchObject({ name: 'Jo Bloggs', role: 'ASSOCIATE', disabled: false });
    expect(jo.pinHash).not.toContain(pin);
    expect(await verifyPin(pin, jo.pinHash!)).toBe(true);
    // the roster is the whole store: its manager and associates, nobody of store B, no head-office admin
    expect(roster.members.map((m) => m.name).sort()).toEqual(['Jo Bloggs', 'Sam Manager', 'kim', 'lee']);
    expect(roster.members.find((m) => m.userId === people.sam!.id)!.pinHash).toBeNull();
    expect(await rosters(h.t, b.id)).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ members: expect.arrayContaining([jo]) })]),
    );
    // the PIN is stored as its hash only, anywhere in the staff tables
    for (const table of ['staff_pins', 'staff_pin_grants'])
      expect(JSON.stringify((await h.t.hub.db.query(`SELECT * FROM ${table}`)).rows)).not.toContain(pin);
    // a second one replaces the first
    const again = await newPin(people.jo!.cookie, 'jo');
    expect(again.status).toBe(201);
    const hash = (await memberOf(a.id, 'jo')).pinHash!;
    expect(await verifyPin(again.body.pin, hash)).toBe(true);
    if (again.body.pin !== pin) expect(await verifyPin(pin, hash)).toBe(false);
  });

  it('a retry with the same Idempotency-Key gets a 409 saying the PIN was shown once, not the PIN again', async () => {
    const key = `pin-${randomUUID()}`;
    const first = await newPin(people.sam!.cookie, 'kim', key);
    expect(first.status).toBe(201);
    const pin: string = first.body.pin;
    const sent = (await rosters(h.t, a.id)).length;
    const replay = await newPin(people.sam!.cookie, 'kim', key);
    expect(replay.status).toBe(409);
    expect(replay.headers.get('content-type')).toContain('application/problem+json');
    expect(replay.body.detail).toMatch(/shown once/);
    expect(JSON.stringify(replay.body)).not.toContain(pin);
    // nothing ran again: no new PIN, no new roster, and the kept answer holds no PIN
    expect((await rosters(h.t, a.id)).length).toBe(sent);
    expect(await verifyPin(pin, (await memberOf(a.id, 'kim')).pinHash!)).toBe(true);
    const kept = await h.t.hub.db.query('SELECT * FROM idempotency_keys WHERE key = $1', [key]);
    expect(kept.rows).toHaveLength(1);
    expect(JSON.stringify(kept.rows)).not.toContain(pin);
  });

  it('two people at a store never get the same PIN: a draw another person has, or an easy one, is drawn again', async () => {
    const c = await h.t.store('PIN-C', h.admin);
    const keys = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    for (const key of keys) {
      const u = await h.t.hub.auth.createUser({
        email: `${key}@example.test`,
        name: key,
        role: 'ASSOCIATE',
        storeId: c.id as never,
        password: PASSWORD,
      });
      people[key] = { id: u.id, cookie: '' };
    }
    const held = new Map<string, string>();
    draws.seeded = seededDraws(27);
    draws.taken = 0;
    let forcedDraws = 0;
    try {
      for (let i = 0; i < 30; i++) {
        const key = keys[i % keys.length]!;
        let collided: string | undefined;
        if (i === 13) {
          // this draw is exactly c1's PIN, then an easy one: both must be drawn again
          collided = held.get('c1')!;
          draws.forced.push(Number(collided), 123456);
          forcedDraws += 2;
        }
        const r = await newPin(h.admin, key);
        expect(r.status, `${i}: ${JSON.stringify(r.body)}`).toBe(201);
        if (collided) {
          expect(r.body.pin).not.toBe(collided);
          expect(r.body.pin).not.toBe('123456');
          expect(draws.forced).toEqual([]);
        }
        held.set(key, r.body.pin);
        const pins = [...held.values()];
        expect(new Set(pins).size, `${i}: ${pins.join(' ')}`).toBe(pins.length);
      }
      // the forced draws were taken and each refused (one draw more per refusal)
      expect(draws.taken).toBeGreaterThanOrEqual(30 + forcedDraws);
    } finally {
      draws.seeded = null;
      draws.forced.length = 0;
    }
    // what the store got: each person's hash checks the PIN they were given last
    const roster = (await rosters(h.t, c.id)).at(-1)!;
    for (const key of keys) {
      const hash = roster.members.find((m) => m.userId === people[key]!.id)!.pinHash!;
      expect(await verifyPin(held.get(key)!, hash), key).toBe(true);
    }
  }, 400_000);

  it('who may get whose new PIN: a manager their associates and themselves, a person themselves, no one else', async () => {
    expect((await newPin(people.sam!.cookie, 'kim')).status).toBe(201);
    expect((await newPin(people.sam!.cookie, 'sam')).status).toBe(201);
    expect((await newPin(people.kim!.cookie, 'kim')).status).toBe(201);
    const joPin = (await memberOf(a.id, 'jo')).pinHash;
    // an associate cannot have another associate's or their manager's PIN changed
    expect((await newPin(people.kim!.cookie, 'jo')).status).toBe(403);
    expect((await newPin(people.jo!.cookie, 'sam')).status).toBe(403);
    // another store's manager or associate: the person reads as missing
    const other = await newPin(people.bea!.cookie, 'jo');
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    // an associate is refused for anyone but themselves before the look-up (403 whether the person exists or not)
    expect((await newPin(people.bob!.cookie, 'sam')).status).toBe(403);
    expect((await newPin(people.bea!.cookie, 'sam')).status).toBe(404);
    // a store's own token is not a person; nobody signed in (a customer is nobody to staff routes) is 401
    const path = `/api/staff/people/${people.jo!.id}/pin`;
    expect((await h.t.call('POST', path, undefined, { bearer: a.token })).status).toBe(403);
    expect((await h.t.call('POST', path)).status).toBe(401);
    expect((await h.t.call('POST', path, undefined, { bearer: 'sfc_nonsense' })).status).toBe(401);
    // nothing of those refusals reached jo's PIN
    expect((await memberOf(a.id, 'jo')).pinHash).toBe(joPin);
  });

  it('bad input is a 4xx problem that changes nothing; a PIN is no longer chosen by the caller', async () => {
    const before = (await rosters(h.t, a.id)).length;
    const path = `/api/staff/people/${people.jo!.id}/pin`;
    for (const body of [{ pin: '2580' }, { pin: 2580 }, [], 'x', null]) {
      const r = await h.t.call('POST', path, body, { cookie: h.admin });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    // the old way of choosing one's PIN is gone
    expect((await h.t.call('PUT', path, { pin: '2580' }, { cookie: h.admin })).status).toBe(404);
    expect((await h.t.call('POST', '/api/staff/people/not-a-uuid/pin', undefined, { cookie: h.admin })).status).toBe(
      400,
    );
    expect((await h.t.call('POST', `/api/staff/people/${a.id}/pin`, undefined, { cookie: h.admin })).status).toBe(404);
    expect((await rosters(h.t, a.id)).length).toBe(before);
  });

  it('the console’s roster list: who has a PIN, never a hash; a manager their own store only', async () => {
    const mine = await h.t.call('GET', '/api/staff/people', undefined, { cookie: people.sam!.cookie });
    expect(mine.status).toBe(200);
    expect(mine.body.storeId).toBe(a.id);
    expect(JSON.stringify(mine.body)).not.toContain('pin-scrypt');
    expect(mine.body.items.find((p: { userId: string }) => p.userId === people.jo!.id)).toMatchObject({
      name: 'Jo Bloggs',
      hasPin: true,
      disabled: false,
    });
    expect(
      (await h.t.call('GET', `/api/staff/people?storeId=${b.id}`, undefined, { cookie: people.sam!.cookie })).status,
    ).toBe(403);
    expect((await h.t.call('GET', '/api/staff/people', undefined, { cookie: people.jo!.cookie })).status).toBe(403);
    expect((await h.t.call('GET', '/api/staff/people', undefined, { cookie: h.admin })).status).toBe(400);
  });

  it('removing a PIN sends a roster without it; disabling a person sends them as disabled', async () => {
    const removed = await h.t.call('DELETE', `/api/staff/people/${people.kim!.id}/pin`, undefined, {
      cookie: people.sam!.cookie,
    });
    expect(removed.status).toBe(204);
    let roster = (await rosters(h.t, a.id)).at(-1)!;
    expect(roster.members.find((m) => m.userId === people.kim!.id)!.pinHash).toBeNull();
    const version = roster.version;
    const off = await h.t.call('PATCH', `/api/users/${people.jo!.id}`, { disabled: true }, { cookie: h.admin });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    roster = (await rosters(h.t, a.id)).at(-1)!;
    expect(roster.version).toBeGreaterThan(version);
    expect(roster.members.find((m) => m.userId === people.jo!.id)).toMatchObject({ disabled: true });
    // a disabled account gets no new PIN
    expect((await newPin(h.admin, 'jo')).status).toBe(409);
    // versions only grow
    const versions = (await rosters(h.t, a.id)).map((x) => x.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('a new person is in the roster at once, and a store starting from scratch gets the roster from bootstrap', async () => {
    const u = await h.t.hub.auth.createUser({
      email: 'new@example.test',
      name: 'New Starter',
      role: 'ASSOCIATE',
      storeId: a.id as never,
      password: PASSWORD,
    });
    const last = (await rosters(h.t, a.id)).at(-1)!;
    expect(last.members.some((m) => m.userId === u.id)).toBe(true);
    const plan = await h.t.call('GET', '/api/sync/bootstrap', undefined, { bearer: a.token });
    expect(plan.body.sections).toContainEqual({ name: 'staff', total: 1 });
    const page = await h.t.call('GET', '/api/sync/bootstrap/staff', undefined, { bearer: a.token });
    expect(page.status).toBe(200);
    expect(page.body.next).toBeNull();
    const boot = staffRosterSchema.parse(page.body.rows[0]);
    expect(boot).toEqual(last);
    // store B's bootstrap holds store B's people only
    const bPage = await h.t.call('GET', '/api/sync/bootstrap/staff', undefined, { bearer: b.token });
    expect(bPage.body.rows[0].members.map((m: { name: string }) => m.name).sort()).toEqual(['bea', 'bob']);
  });

  it('a person moved to another store leaves the first store’s roster and joins the second’s', async () => {
    // the console cannot move people yet; the hub core's hook is what any such change calls
    await h.t.hub.db.query('UPDATE users SET store_id = $1 WHERE id = $2', [b.id, people.kim!.id]);
    await h.t.hub.auth.hooks.personChanged!(people.kim!.id);
    expect((await rosters(h.t, a.id)).at(-1)!.members.some((m) => m.userId === people.kim!.id)).toBe(false);
    expect((await rosters(h.t, b.id)).at(-1)!.members.some((m) => m.userId === people.kim!.id)).toBe(true);
  });
  it('one person gets at most 5 new PINs an hour (429 with Retry-After), whoever asks; others still get theirs', async () => {
    const callers = [h.admin, people.sam!.cookie, people.lee!.cookie, h.admin, people.lee!.cookie];
    for (const who of callers) expect((await newPin(who, 'lee')).status).toBe(201);
    const pinHash = (await memberOf(a.id, 'lee')).pinHash;
    const sent = (await rosters(h.t, a.id)).length;
    for (const who of [h.admin, people.lee!.cookie]) {
      const r = await newPin(who, 'lee');
      expect(r.status).toBe(429);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.detail).toMatch(/at most 5 new PINs an hour/);
      const wait = Number(r.headers.get('retry-after'));
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(3600);
    }
    expect((await rosters(h.t, a.id)).length).toBe(sent);
    expect((await memberOf(a.id, 'lee')).pinHash).toBe(pinHash);
    expect((await newPin(people.sam!.cookie, 'sam')).status).toBe(201);
    // an hour on, lee may have one again (the admin signs in again on the moved clock)
    h.t.clock.offsetMs += 3_600_000 + 1_000;
    const admin = await h.t.login();
    expect(
      (await h.t.call('POST', `/api/staff/people/${people.lee!.id}/pin`, undefined, { cookie: admin })).status,
    ).toBe(201);
  });
});
