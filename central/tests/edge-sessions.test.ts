import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

// hubs on a shared, busy machine: sign-ins are scrypt hashes
vi.setConfig({ testTimeout: 180_000 });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The session row's last use, as the hub keeps it (a minute's resolution: no write per request). */
async function lastSeen(t: TestHub): Promise<number[]> {
  const { rows } = await t.hub.db.query<{ last_seen_at: string }>('SELECT last_seen_at FROM sessions');
  return rows.map((r) => Number(r.last_seen_at));
}

describe.each(dbTargets)('console session expiry on $name (issue #27)', (target) => {
  let t: TestHub;

  beforeAll(async () => {
    // the hub's own defaults (the test harness otherwise turns the idle limit off for tests that move the clock)
    t = await TestHub.start(target, { sessionIdleSeconds: undefined });
  });
  afterEach(async () => {
    t.clock.offsetMs = 0;
    await t.hub.db.query('DELETE FROM sessions');
  });
  afterAll(() => t?.stop());

  it('ends a session after 30 minutes without a request, says so, and clears its cookies', async () => {
    const cookie = await t.login();
    t.clock.offsetMs = 29 * MINUTE;
    expect((await t.call('GET', '/api/auth/me', undefined, { cookie })).status).toBe(200);
    // used at 29 min: the idle half hour counts from then
    t.clock.offsetMs = 58 * MINUTE;
    expect((await t.call('GET', '/api/auth/me', undefined, { cookie })).status).toBe(200);
    t.clock.offsetMs = 88 * MINUTE + 1;
    const ended = await t.call('GET', '/api/auth/me', undefined, { cookie });
    expect(ended.status).toBe(401);
    expect(ended.headers.get('content-type')).toContain('application/problem+json');
    expect(ended.body.detail).toBe('your session ended after 30 minutes without use; sign in again');
    const cleared = ended.headers.getSetCookie();
    expect(cleared.some((c) => /^sf_session=;/.test(c))).toBe(true);
    expect(cleared.some((c) => /^sf_csrf=;/.test(c))).toBe(true);
    // gone for good, even if the clock went back
    t.clock.offsetMs = 0;
    expect((await t.call('GET', '/api/auth/me', undefined, { cookie })).status).toBe(401);
  });

  it('writes the last use at most once a minute, not per request', async () => {
    const cookie = await t.login();
    const [signedInAt] = await lastSeen(t);
    for (let i = 0; i < 5; i++) await t.call('GET', '/api/auth/me', undefined, { cookie });
    expect(await lastSeen(t)).toEqual([signedInAt]);
    t.clock.offsetMs = 61_000;
    await t.call('GET', '/api/auth/me', undefined, { cookie });
    const [touched] = await lastSeen(t);
    expect(touched).toBeGreaterThanOrEqual(signedInAt! + 61_000);
    t.clock.offsetMs = 90_000;
    await t.call('GET', '/api/auth/me', undefined, { cookie });
    expect(await lastSeen(t)).toEqual([touched]);
  });

  it('ends a session 12 hours after sign-in however busy it is', async () => {
    // the defaults (30 idle minutes, 12 hours) reach the AuthService through hub.ts (8 hours and no idle limit before)
    expect(t.hub.auth.settings.sessionIdleSeconds).toBe(30 * 60);
    const cookie = await t.login();
    for (let m = 20; m < 12 * 60; m += 20) {
      t.clock.offsetMs = m * MINUTE;
      expect((await t.call('GET', '/api/auth/me', undefined, { cookie })).status).toBe(200);
    }
    t.clock.offsetMs = 12 * HOUR + 1;
    const ended = await t.call('GET', '/api/auth/me', undefined, { cookie });
    expect(ended.status).toBe(401);
    expect(ended.body.detail).toBe('your session ended after 12 hours; sign in again');
  });

  it('still lets an ended session sign in again', async () => {
    const cookie = await t.login();
    t.clock.offsetMs = 31 * MINUTE;
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ email: 'admin@example.test', password: 'correct horse battery staple' }),
    });
    expect(res.status).toBe(200);
  });
});

describe('session limits from the edge settings (SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS)', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start(dbTargets[0]!, { edge: { sessionIdleMinutes: 5, sessionAbsoluteHours: 1 } });
  });
  afterAll(() => t?.stop());

  it('ends a session after the idle minutes and the absolute hours given', async () => {
    // hub.ts hands the edge settings to the AuthService
    expect(t.hub.auth.settings.sessionIdleSeconds).toBe(5 * 60);
    const cookie = await t.login();
    t.clock.offsetMs = 5 * MINUTE + 1;
    const idle = await t.call('GET', '/api/auth/me', undefined, { cookie });
    expect(idle.body.detail).toBe('your session ended after 5 minutes without use; sign in again');
    t.clock.offsetMs = 0;
    const busy = await t.login();
    for (let m = 4; m < 60; m += 4) {
      t.clock.offsetMs = m * MINUTE;
      expect((await t.call('GET', '/api/auth/me', undefined, { cookie: busy })).status).toBe(200);
    }
    t.clock.offsetMs = HOUR;
    const absolute = await t.call('GET', '/api/auth/me', undefined, { cookie: busy });
    expect(absolute.body.detail).toBe('your session ended after 1 hour; sign in again');
  });
});
