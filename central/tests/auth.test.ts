import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, LEGACY_STORE_VERIFY_CAP, legacyStoreVerifies } from '../src/auth/passwords.js';
import { dbTargets } from './support/db-targets.js';
import { ADMIN, TestHub } from './support/test-hub.js';

describe.each(dbTargets)('auth on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let storeA: { id: string; secret: string; token: string };
  let storeB: { id: string; secret: string; token: string };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    storeA = await t.store('A001', admin);
    storeB = await t.store('B002', admin);
  });
  afterAll(() => t?.stop());

  it('lets a store read its own record with its token', async () => {
    const res = await t.call('GET', `/api/locations/${storeA.id}`, undefined, { bearer: storeA.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: storeA.id, code: 'A001', kind: 'STORE' });
  });

  it("refuses store A's token for store B's data", async () => {
    const res = await t.call('GET', `/api/locations/${storeB.id}`, undefined, { bearer: storeA.token });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.detail).toBe(`no access to store ${storeB.id}`);
  });

  it('refuses a store token for admin routes', async () => {
    const res = await t.call('GET', '/api/locations', undefined, { bearer: storeA.token });
    expect(res.status).toBe(403);
  });

  it('refuses a wrong store secret without saying which part was wrong', async () => {
    const res = await t.call('POST', '/api/auth/store-token', { storeId: storeB.id, secret: storeA.secret });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('store id or secret is wrong');
  });

  it('refuses a tampered token and a garbage token', async () => {
    const [h, p, s] = storeA.token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: storeB.id })).toString('base64url')}.${s}`;
    const tampered = await t.call('GET', `/api/locations/${storeB.id}`, undefined, { bearer: forged });
    expect(tampered.status).toBe(401);
    expect(tampered.body.detail).toBe('store token is not valid');
    const garbage = await t.call('GET', `/api/locations/${storeA.id}`, undefined, { bearer: 'x.y.z' });
    expect(garbage.status).toBe(401);
  });

  it('refuses an expired store token', async () => {
    const { body } = await t.call('POST', '/api/auth/store-token', { storeId: storeA.id, secret: storeA.secret });
    t.clock.offsetMs = 2 * 3600_000; // past the one-hour token lifetime
    try {
      const res = await t.call('GET', `/api/locations/${storeA.id}`, undefined, { bearer: body.token });
      expect(res.status).toBe(401);
      expect(res.body.detail).toBe('store token expired; request a new one');
    } finally {
      t.clock.offsetMs = 0;
    }
  });

  it('revokes old tokens when a store credential is rotated', async () => {
    const c = await t.store('C003', admin);
    const rotated = await t.call('POST', `/api/locations/${c.id}/credential`, undefined, { cookie: admin });
    expect(rotated.status).toBe(201);
    const old = await t.call('GET', `/api/locations/${c.id}`, undefined, { bearer: c.token });
    expect(old.status).toBe(401);
    const oldSecret = await t.call('POST', '/api/auth/store-token', { storeId: c.id, secret: c.secret });
    expect(oldSecret.status).toBe(401);
    const fresh = await t.call('POST', '/api/auth/store-token', { storeId: c.id, secret: rotated.body.secret });
    expect(fresh.status).toBe(200);
    expect((await t.call('GET', `/api/locations/${c.id}`, undefined, { bearer: fresh.body.token })).status).toBe(200);
  });

  it('signs an admin in with a session cookie and out again', async () => {
    const cookie = await t.login();
    expect(cookie).toMatch(/^sf_session=/);
    const me = await t.call('GET', '/api/auth/me', undefined, { cookie });
    expect(me.body).toMatchObject({ kind: 'user', role: 'ADMIN' });
    expect((await t.call('POST', '/api/auth/logout', undefined, { cookie })).status).toBe(204);
    const after = await t.call('GET', '/api/auth/me', undefined, { cookie });
    expect(after.status).toBe(401);
    expect(after.body.detail).toBe('session expired or signed out; sign in again');
  });

  it('keeps an associate of store A to store A', async () => {
    const created = await t.call(
      'POST',
      '/api/users',
      { email: 'Ana@Example.test', name: 'Ana', role: 'ASSOCIATE', storeId: storeA.id, password: 'twelve chars long!' },
      { cookie: admin },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'ana@example.test', role: 'ASSOCIATE', storeId: storeA.id });
    expect(JSON.stringify(created.body)).not.toContain('twelve chars');
    const ana = await t.login('ana@example.test', 'twelve chars long!');
    expect((await t.call('GET', `/api/locations/${storeA.id}`, undefined, { cookie: ana })).status).toBe(200);
    expect((await t.call('GET', `/api/locations/${storeB.id}`, undefined, { cookie: ana })).status).toBe(403);
    expect((await t.call('GET', '/api/users', undefined, { cookie: ana })).status).toBe(403);
  });

  it('disables an account and gives it a new password, each signing the user out everywhere', async () => {
    const created = await t.call(
      'POST',
      '/api/users',
      {
        email: 'rui@example.test',
        name: 'Rui',
        role: 'STORE_MANAGER',
        storeId: storeA.id,
        password: 'first password here',
      },
      { cookie: admin },
    );
    const rui = await t.login('rui@example.test', 'first password here');
    const disabled = await t.call('PATCH', `/api/users/${created.body.id}`, { disabled: true }, { cookie: admin });
    expect(disabled.body).toMatchObject({ email: 'rui@example.test', disabled: true });
    expect((await t.call('GET', `/api/locations/${storeA.id}`, undefined, { cookie: rui })).status).toBe(401);
    await expect(t.login('rui@example.test', 'first password here')).rejects.toThrow('login failed: 401');

    await t.call(
      'PATCH',
      `/api/users/${created.body.id}`,
      { disabled: false, password: 'a brand new password' },
      { cookie: admin },
    );
    await expect(t.login('rui@example.test', 'first password here')).rejects.toThrow('login failed: 401');
    const again = await t.login('rui@example.test', 'a brand new password');
    expect((await t.call('GET', `/api/locations/${storeA.id}`, undefined, { cookie: again })).status).toBe(200);

    const me = (await t.call('GET', '/api/auth/me', undefined, { cookie: admin })).body;
    const self = await t.call('PATCH', `/api/users/${me.userId}`, { disabled: true }, { cookie: admin });
    expect(self.status).toBe(409);
    expect(self.body.detail).toBe('you cannot disable your own account');
    const short = await t.call('PATCH', `/api/users/${created.body.id}`, { password: 'short' }, { cookie: admin });
    expect(short.status).toBe(400);
    expect(short.headers.get('content-type')).toContain('application/problem+json');
    expect((await t.call('PATCH', `/api/users/${created.body.id}`, {}, { cookie: admin })).status).toBe(400);
    expect((await t.call('PATCH', `/api/users/${created.body.id}`, { disabled: true }, { cookie: again })).status).toBe(
      403,
    );
    expect(
      (await t.call('PATCH', '/api/users/0190a0e0-0000-7000-8000-000000000000', { disabled: true }, { cookie: admin }))
        .status,
    ).toBe(404);
  });

  it('lets a user whose session was ended by a password reset sign in and out with the stale cookie still sent', async () => {
    const created = await t.call(
      'POST',
      '/api/users',
      { email: 'sam@example.test', name: 'Sam', role: 'ASSOCIATE', storeId: storeA.id, password: 'old password here' },
      { cookie: admin },
    );
    const stale = await t.login('sam@example.test', 'old password here');
    await t.call('PATCH', `/api/users/${created.body.id}`, { password: 'new password here' }, { cookie: admin });
    const expired = (res: { headers: Headers }) =>
      res.headers.getSetCookie().filter((c) => c.startsWith('sf_session=;') && c.includes('Expires=Thu, 01 Jan 1970'));

    const out = await t.call('POST', '/api/auth/logout', undefined, { cookie: stale });
    expect(out.status).toBe(204);
    expect(expired(out)).toHaveLength(1);

    const wrong = await t.call(
      'POST',
      '/api/auth/login',
      { email: 'sam@example.test', password: 'old password here' },
      { cookie: stale },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toBe('email or password is wrong'); // not "session expired": the cookie was ignored…
    expect(expired(wrong)).toHaveLength(1); // …and the browser is told to drop it

    const signIn = await t.call(
      'POST',
      '/api/auth/login',
      { email: 'sam@example.test', password: 'new password here' },
      { cookie: stale },
    );
    expect(signIn.status).toBe(200);
    expect(signIn.body.user).toMatchObject({ email: 'sam@example.test' });
    const cookies = signIn.headers.getSetCookie();
    // only the new session and its CSRF token (issue #27), no clearing after them
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['sf_session', 'sf_csrf']);
    expect(cookies.every((c) => !c.includes('Expires=Thu, 01 Jan 1970'))).toBe(true);
    const fresh = cookies[0]!.split(';')[0]!;
    expect(fresh).not.toBe(stale);
    expect((await t.call('GET', '/api/auth/me', undefined, { cookie: fresh })).body).toMatchObject({
      kind: 'user',
      userId: created.body.id,
    });
    // Elsewhere a stale cookie is still a 401 that says why.
    const me = await t.call('GET', '/api/auth/me', undefined, { cookie: stale });
    expect(me.status).toBe(401);
    expect(me.body.detail).toBe('session expired or signed out; sign in again');
  });

  it('signs in and out past a cookie that is not even readable, and clears it', async () => {
    const broken = 'sf_session=%E0%A4%A';
    const signIn = await t.call(
      'POST',
      '/api/auth/login',
      { email: ADMIN.email, password: ADMIN.password },
      { cookie: broken },
    );
    expect(signIn.status).toBe(200);
    expect(signIn.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['sf_session', 'sf_csrf']);
    const out = await t.call('POST', '/api/auth/logout', undefined, { cookie: broken });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^sf_session=; .*Expires=Thu, 01 Jan 1970/),
      expect.stringMatching(/^sf_csrf=; .*Expires=Thu, 01 Jan 1970/),
    ]);
  });

  it('recognises sign-in as the router does (any case, a trailing slash) and gets past an unreadable cookie there', async () => {
    for (const path of ['/api/auth/login/', '/api/Auth/LOGIN']) {
      const signIn = await t.call(
        'POST',
        path,
        { email: ADMIN.email, password: ADMIN.password },
        { cookie: 'sf_session=%%%' },
      );
      expect(signIn.status).toBe(200);
      expect(signIn.body.user).toMatchObject({ email: ADMIN.email });
    }
    const out = await t.call('POST', '/api/auth/logout/', undefined, { cookie: 'sf_session=%%%' });
    expect(out.status).toBe(204);
  });

  it('answers an unreadable session cookie on any other route like a stale one: 401 that clears it', async () => {
    for (const cookie of ['sf_session=%%%', 'sf_session=%E0%A4%A']) {
      const me = await t.call('GET', '/api/auth/me', undefined, { cookie });
      expect(me.status).toBe(401);
      expect(me.headers.get('content-type')).toContain('application/problem+json');
      expect(me.body.detail).toBe('session cookie unreadable; sign in again');
      expect(me.headers.getSetCookie()).toEqual([
        expect.stringMatching(/^sf_session=; .*Expires=Thu, 01 Jan 1970/),
        expect.stringMatching(/^sf_csrf=; .*Expires=Thu, 01 Jan 1970/),
      ]);
    }
    // A bearer token that is garbage is a 401 too, but the browser's cookie is not touched: it did not send one.
    const bearer = await t.call('GET', '/api/auth/me', undefined, { bearer: '%E0%A4%A' });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.getSetCookie()).toEqual([]);
  });

  it('stores passwords as scrypt hashes, never in clear', async () => {
    const { rows } = await t.hub.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE email = $1',
      [ADMIN.email],
    );
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(rows[0]!.password_hash).not.toContain(ADMIN.password);
  });

  it('keeps a store secret as one fast SHA-256, and rewrites an older scrypt hash in that form at its next exchange', async () => {
    const secretHash = async (id: string) =>
      (await t.hub.db.query<{ secret_hash: string }>('SELECT secret_hash FROM locations WHERE id = $1', [id])).rows[0]!
        .secret_hash;
    const fast = `sha256$${createHash('sha256').update(storeA.secret).digest('base64url')}`;
    expect(await secretHash(storeA.id)).toBe(fast);

    const legacy = await t.store('L004', admin);
    await t.hub.db.query('UPDATE locations SET secret_hash = $2 WHERE id = $1', [
      legacy.id,
      await hashSecret(legacy.secret),
    ]);
    expect(await secretHash(legacy.id)).toMatch(/^scrypt\$/);
    expect(
      (await t.call('POST', '/api/auth/store-token', { storeId: legacy.id, secret: 'not the secret' })).status,
    ).toBe(401);
    expect(await secretHash(legacy.id)).toMatch(/^scrypt\$/); // a wrong secret changes nothing
    const exchanged = await t.call('POST', '/api/auth/store-token', { storeId: legacy.id, secret: legacy.secret });
    expect(exchanged.status).toBe(200);
    expect(await secretHash(legacy.id)).toBe(
      `sha256$${createHash('sha256').update(legacy.secret).digest('base64url')}`,
    );
    // The old tokens stay valid (the credential is the same), and the secret still works in the new form.
    expect((await t.call('GET', `/api/locations/${legacy.id}`, undefined, { bearer: legacy.token })).status).toBe(200);
    expect((await t.call('POST', '/api/auth/store-token', { storeId: legacy.id, secret: legacy.secret })).status).toBe(
      200,
    );
  });

  it('checks at most LEGACY_STORE_VERIFY_CAP old scrypt hashes at once: past it 503 with Retry-After, while the fast hash is never refused', async () => {
    const legacy = await t.store('L005', admin);
    await t.hub.db.query('UPDATE locations SET secret_hash = $2 WHERE id = $1', [
      legacy.id,
      await hashSecret(legacy.secret),
    ]);
    legacyStoreVerifies.peak = 0;
    // A burst of wrong secrets for the store not yet upgraded, and beside it storeA (fast hash) renewing its token.
    const burst = Array.from({ length: 24 }, (_, i) =>
      t.call('POST', '/api/auth/store-token', { storeId: legacy.id, secret: `wrong ${i}` }),
    );
    const fast = Array.from({ length: 8 }, () =>
      t.call('POST', '/api/auth/store-token', { storeId: storeA.id, secret: storeA.secret }),
    );
    const [wrong, right] = await Promise.all([Promise.all(burst), Promise.all(fast)]);
    expect(legacyStoreVerifies.peak).toBeGreaterThan(0);
    expect(legacyStoreVerifies.peak).toBeLessThanOrEqual(LEGACY_STORE_VERIFY_CAP);
    expect(new Set(wrong.map((r) => r.status))).toEqual(new Set([401, 503]));
    for (const busy of wrong.filter((r) => r.status === 503)) {
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(busy.body.detail).toBe('too many store credentials are being checked right now; retry shortly');
    }
    expect(right.map((r) => r.status)).toEqual(right.map(() => 200));
    expect(legacyStoreVerifies.active).toBe(0);
  });

  it('rate-limits sign-in after five failures, even with the right password', async () => {
    const email = 'victim@example.test';
    await t.call(
      'POST',
      '/api/users',
      { email, name: 'V', role: 'ADMIN', password: 'the right password' },
      { cookie: admin },
    );
    for (let i = 0; i < 5; i++) {
      const res = await t.call('POST', '/api/auth/login', { email, password: `guess ${i}` });
      expect(res.status).toBe(401);
    }
    const blocked = await t.call('POST', '/api/auth/login', { email, password: 'the right password' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    t.clock.offsetMs = 16 * 60_000; // the window has passed
    try {
      expect((await t.call('POST', '/api/auth/login', { email, password: 'the right password' })).status).toBe(200);
    } finally {
      t.clock.offsetMs = 0;
    }
  });

  it('shows /metrics (whose labels name stores) to an ADMIN only when no metrics token is configured', async () => {
    const anonymous = await t.call('GET', '/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect(anonymous.body.detail).toBe('metrics need an ADMIN session or the metrics token');
    expect((await t.call('GET', '/metrics', undefined, { bearer: 'a guessed token' })).status).toBe(401);
    const store = await t.call('GET', '/metrics', undefined, { bearer: storeA.token });
    expect(store.status).toBe(403);
    expect(store.body.detail).toBe('metrics are for head office: an ADMIN session or the metrics token');
    await t.call(
      'POST',
      '/api/users',
      {
        email: 'mia@example.test',
        name: 'Mia',
        role: 'STORE_MANAGER',
        storeId: storeA.id,
        password: 'manager password',
      },
      { cookie: admin },
    );
    expect(
      (await t.call('GET', '/metrics', undefined, { cookie: await t.login('mia@example.test', 'manager password') }))
        .status,
    ).toBe(403);
    const shown = await t.call('GET', '/metrics', undefined, { cookie: admin });
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toContain('text/plain');
    expect(shown.body).toContain('storefleet_hub_http_requests_total');
  });

  it('refuses anonymous calls to protected routes', async () => {
    const res = await t.call('GET', '/api/catalog/products');
    expect(res.status).toBe(401);
    expect(res.body.title).toBe('Authentication required');
  });
});
