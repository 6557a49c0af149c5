import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

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
    (await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM locations WHERE code = $1', [code])).rows[0]!.n;

  it('returns the first answer to a retry and creates one location', async () => {
    const first = await t.call('POST', '/api/locations', location('IK1'), { cookie: admin, idempotencyKey: 'key-1' });
    const retry = await t.call('POST', '/api/locations', location('IK1'), { cookie: admin, idempotencyKey: 'key-1' });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body); // the same id and the same one-time secret
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await count('IK1')).toBe(1);
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
      Array.from({ length: 8 }, () => t.call('POST', '/api/locations', location('IK5'), { cookie: admin, idempotencyKey: 'key-5' })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses).toContain(201);
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.location.id));
    expect(ids.size).toBe(1);
    expect(await count('IK5')).toBe(1);
  });

  it('keeps keys apart between callers', async () => {
    const adminA = await t.call('POST', '/api/locations', location('IK6'), { cookie: admin, idempotencyKey: 'shared-key' });
    expect(adminA.status).toBe(201);
    const store = await t.store('IK7', admin);
    // The same key from a store is its own key: it runs (and is refused on role), it does not replay the admin's answer.
    const fromStore = await t.call('POST', '/api/locations', location('IK6'), { bearer: store.token, idempotencyKey: 'shared-key' });
    expect(fromStore.status).toBe(403);
  });

  it('refuses a malformed key', async () => {
    const res = await t.call('POST', '/api/locations', location('IK8'), { cookie: admin, idempotencyKey: 'has space' });
    expect(res.status).toBe(400);
    expect(await count('IK8')).toBe(0);
  });
});
