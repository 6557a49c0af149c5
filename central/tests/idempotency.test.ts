import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { dbTargets } from './support/db-targets.js';
import { callFrom } from './support/from-address.js';
import { ADMIN, TestHub } from './support/test-hub.js';

describe.each(dbTargets)('Idempotency-Key on $name', (target) => {
  let t: TestHub;
  let admin: string;
  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
  });
  afterAll(() => t?.stop());

  const location = (code: string) => ({ code, name: `Store ${code}`, kind: 'STORE', lat: 51.5, lon: -0.12 });
  const count = async (code: string) =>
    (await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM locations WHERE code = $1', [code])).rows[0]!
      .n;

  const rowsHolding = async (text: string) =>
    (
      await t.hub.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM idempotency_keys WHERE strpos(body, $1) > 0',
        [text],
      )
    ).rows[0]!.n;
  const credentialVersion = async (id: string) =>
    (await t.hub.db.query<{ v: number }>('SELECT credential_version AS v FROM locations WHERE id = $1', [id])).rows[0]!
      .v;

  it('answers a retried registration with a 409 saying the secret was shown once, and keeps no copy of the secret', async () => {
    const first = await t.call('POST', '/api/locations', location('IK1'), { cookie: admin, idempotencyKey: 'key-1' });
    const retry = await t.call('POST', '/api/locations', location('IK1'), { cookie: admin, idempotencyKey: 'key-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const { secret } = first.body.credential;
    expect(retry.status).toBe(409);
    expect(retry.headers.get('content-type')).toContain('application/problem+json');
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.detail).toBe(
      'the request with Idempotency-Key key-1 succeeded (201); its answer held a one-time secret, which is shown once and not kept: issue a new one if it was lost',
    );
    expect(JSON.stringify(retry.body)).not.toContain(secret);
    expect(await count('IK1')).toBe(1);
    expect(await rowsHolding(secret)).toBe(0);
    expect(await rowsHolding(first.body.location.id)).toBe(0); // nothing of the first answer is kept
  });

  it('answers a retried credential rotation with the same 409: one rotation, no stored secret', async () => {
    const store = await t.store('IKR', admin);
    const first = await t.call('POST', `/api/locations/${store.id}/credential`, undefined, {
      cookie: admin,
      idempotencyKey: 'rot-1',
    });
    const retry = await t.call('POST', `/api/locations/${store.id}/credential`, undefined, {
      cookie: admin,
      idempotencyKey: 'rot-1',
    });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(409);
    expect(JSON.stringify(retry.body)).not.toContain(first.body.secret);
    expect(await credentialVersion(store.id)).toBe(2); // rotated once, not twice
    expect(await rowsHolding(first.body.secret)).toBe(0);
    const exchange = await t.call('POST', '/api/auth/store-token', { storeId: store.id, secret: first.body.secret });
    expect(exchange.status).toBe(200); // the secret the first answer gave is the one in force
  });

  it('answers a retried store-token exchange with the 409 and keeps no token', async () => {
    const store = await t.store('IKT', admin);
    const body = { storeId: store.id, secret: store.secret };
    const first = await t.call('POST', '/api/auth/store-token', body, { idempotencyKey: 'tok-1' });
    const retry = await t.call('POST', '/api/auth/store-token', body, { idempotencyKey: 'tok-1' });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(retry.status).toBe(409);
    expect(JSON.stringify(retry.body)).not.toContain(first.body.token);
    expect(await rowsHolding(first.body.token)).toBe(0);
  });

  it('answers a retried sign-in with the 409 and keeps no session', async () => {
    const body = { email: ADMIN.email, password: ADMIN.password };
    const first = await t.call('POST', '/api/auth/login', body, { idempotencyKey: 'login-1' });
    const retry = await t.call('POST', '/api/auth/login', body, { idempotencyKey: 'login-1' });
    expect(first.status).toBe(200);
    const session = (first.headers.get('set-cookie') ?? '').split(';')[0]!.split('=')[1]!;
    expect(session.length).toBeGreaterThan(20);
    expect(retry.status).toBe(409);
    expect(retry.headers.get('set-cookie')).toBeNull();
    expect(await rowsHolding(session)).toBe(0);
  });

  it('refuses the same key with another body with 422', async () => {
    await t.call('POST', '/api/locations', location('IK2'), { cookie: admin, idempotencyKey: 'key-2' });
    const other = await t.call('POST', '/api/locations', location('IK3'), { cookie: admin, idempotencyKey: 'key-2' });
    expect(other.status).toBe(422);
    expect(other.body.detail).toBe('Idempotency-Key key-2 was already used for a different request');
    expect(await count('IK3')).toBe(0);
  });

  it('replays a first answer that was an error', async () => {
    const bad = { ...location('IK4'), lat: 200 };
    const first = await t.call('POST', '/api/locations', bad, { cookie: admin, idempotencyKey: 'key-4' });
    const retry = await t.call('POST', '/api/locations', bad, { cookie: admin, idempotencyKey: 'key-4' });
    expect(first.status).toBe(400);
    expect(retry.status).toBe(400);
    expect(retry.headers.get('content-type')).toContain('application/problem+json');
    expect(retry.body).toEqual(first.body);
  });

  it('lets concurrent retries produce exactly one location', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.call('POST', '/api/locations', location('IK5'), { cookie: admin, idempotencyKey: 'key-5' }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1); // the others were told it is running, or that it succeeded
    expect(await count('IK5')).toBe(1);
  });

  it('keeps keys apart between callers', async () => {
    const adminA = await t.call('POST', '/api/locations', location('IK6'), {
      cookie: admin,
      idempotencyKey: 'shared-key',
    });
    expect(adminA.status).toBe(201);
    const store = await t.store('IK7', admin);
    // The same key from a store is its own key: it runs (and is refused on role), it does not replay the admin's answer.
    const fromStore = await t.call('POST', '/api/locations', location('IK6'), {
      bearer: store.token,
      idempotencyKey: 'shared-key',
    });
    expect(fromStore.status).toBe(403);
  });

  /** What someone holding a copy of the table could test password guesses against: a plain hash of the request. */
  const plainFingerprint = (method: string, url: string, body: unknown) =>
    createHash('sha256')
      .update(`${method} ${url}\n${JSON.stringify(body ?? null)}`)
      .digest('hex');

  it('keeps no plain hash of a request in the table: fingerprints are keyed by a hub secret', async () => {
    const signIn = { email: ADMIN.email, password: ADMIN.password };
    expect((await t.call('POST', '/api/auth/login', signIn, { idempotencyKey: 'fp-1' })).status).toBe(200);
    const user = { email: 'fp@example.test', name: 'Fp', role: 'ADMIN', password: 'a new user password' };
    expect((await t.call('POST', '/api/users', user, { cookie: admin, idempotencyKey: 'fp-2' })).status).toBe(201);
    const { rows } = await t.hub.db.query<{ request_hash: string }>('SELECT request_hash FROM idempotency_keys');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const plain = new Set([
      plainFingerprint('POST', '/api/auth/login', signIn),
      plainFingerprint('POST', '/api/users', user),
    ]);
    for (const r of rows) expect(plain.has(r.request_hash)).toBe(false);
    // The key still stands for its request: another email under it is refused.
    const other = await t.call(
      'POST',
      '/api/users',
      { ...user, email: 'fp2@example.test' },
      { cookie: admin, idempotencyKey: 'fp-2' },
    );
    expect(other.status).toBe(422);
  });

  it('treats a retry with a corrected password as another request (422), not a replay of the first 401', async () => {
    const from = '127.0.0.31';
    const key = { 'idempotency-key': 'pw-1' };
    const wrong = await callFrom(
      t.url,
      from,
      'POST',
      '/api/auth/login',
      { email: ADMIN.email, password: 'a typo in it' },
      key,
    );
    expect(wrong.status).toBe(401);
    const corrected = await callFrom(
      t.url,
      from,
      'POST',
      '/api/auth/login',
      { email: ADMIN.email, password: ADMIN.password },
      key,
    );
    expect(corrected.status).toBe(422);
    expect(corrected.headers['idempotent-replayed']).toBeUndefined();
    expect(corrected.body.detail).toBe('Idempotency-Key pw-1 was already used for a different request');
    // The same wrong password again is the same request: its 401 is replayed.
    const again = await callFrom(
      t.url,
      from,
      'POST',
      '/api/auth/login',
      { email: ADMIN.email, password: 'a typo in it' },
      key,
    );
    expect(again.status).toBe(401);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it("keeps anonymous callers' keys apart by address and by route", async () => {
    const store = await t.store('IKA', admin);
    const wrong = { storeId: store.id, secret: 'not the secret' };
    const right = { storeId: store.id, secret: store.secret };
    const key = { 'idempotency-key': 'anon-key' };
    const fromA = await callFrom(t.url, '127.0.0.2', 'POST', '/api/auth/store-token', wrong, key);
    expect(fromA.status).toBe(401);
    // Another client at another address with the same key runs its own request: no 422, no replay of A's answer.
    const fromB = await callFrom(t.url, '127.0.0.3', 'POST', '/api/auth/store-token', right, key);
    expect(fromB.status).toBe(200);
    expect(fromB.headers['idempotent-replayed']).toBeUndefined();
    expect(typeof fromB.body.token).toBe('string');
    // The same client with the same key on another route is another request too.
    const signIn = await callFrom(
      t.url,
      '127.0.0.2',
      'POST',
      '/api/auth/login',
      { email: ADMIN.email, password: 'wrong password' },
      key,
    );
    expect(signIn.status).toBe(401);
    expect(signIn.body.detail).toBe('email or password is wrong');
    // …while a retry from A itself still gets A's first answer.
    const retryA = await callFrom(t.url, '127.0.0.2', 'POST', '/api/auth/store-token', wrong, key);
    expect(retryA.status).toBe(401);
    expect(retryA.headers['idempotent-replayed']).toBe('true');
  });

  it('replays an answer sent with a bare end() (a keyed sign-out: 204), instead of leaving its claim pending (409)', async () => {
    // No session: the key's scope is the anonymous caller's address and route, the same for the retry (a signed-in
    // caller's retry comes without the session the first call ended, so it is another caller).
    const first = await t.call('POST', '/api/auth/logout', undefined, { idempotencyKey: 'logout-1' });
    const retry = await t.call('POST', '/api/auth/logout', undefined, { idempotencyKey: 'logout-1' });
    expect(first.status).toBe(204);
    expect(retry.status).toBe(204);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const { rows } = await t.hub.db.query<{ state: string; status: number }>(
      "SELECT state, status FROM idempotency_keys WHERE key = 'logout-1'",
    );
    expect(rows).toEqual([{ state: 'done', status: 204 }]);
  });

  it('refuses a malformed key', async () => {
    const res = await t.call('POST', '/api/locations', location('IK8'), { cookie: admin, idempotencyKey: 'has space' });
    expect(res.status).toBe(400);
    expect(await count('IK8')).toBe(0);
  });
});
