import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { authRepository } from '../auth-repository.js';
import { authWorld, basic, call, claimsOf, fetchToken } from './auth-fixture.js';

const ADMIN_PASSWORD = 'correct horse battery staple';

describe.each(dbTargets)('registry token endpoint on $name', (target) => {
  const lines: string[] = [];
  const w = authWorld(target, { logLevel: 'debug', logDestination: { write: (l: string) => void lines.push(l) } });

  const signingKeys = async () =>
    (await w.t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM registry_signing_keys')).rows[0]!.n;

  it('asks for HTTP Basic when no credential comes, or a wrong one', async () => {
    const none = await fetchToken(w.t.url, ['repository:releases/app:pull']);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="storefleet-registry"');
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.body.token).toBeUndefined();

    for (const authorization of [
      basic('admin@example.test', 'not the password'),
      basic(w.storeA.id, `${w.storeA.secret}x`),
      basic('00000000-0000-4000-8000-000000000000', 'whatever'),
      basic('', 'x'),
      'Basic %%%not-base64%%%',
      'Basic bm9jb2xvbg==', // "nocolon"
    ]) {
      const r = await fetchToken(w.t.url, ['repository:releases/app:pull'], { authorization });
      expect(r.status, authorization).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Basic realm="storefleet-registry"');
      expect(r.body.token).toBeUndefined();
    }
    // a hub credential that is not valid is no credential either
    const stale = await fetchToken(w.t.url, [], { authorization: 'Bearer not-a-token' });
    expect(stale.status).toBe(401);
  });

  it('refuses junk scopes and another service with 400, issuing nothing', async () => {
    const before = await signingKeys();
    const who = { cookie: w.admin };
    for (const scope of [
      'repository:releases/app',
      'repository:Releases/App:pull',
      'repository:releases/app:pull,fly',
      'repository::pull',
      'registry:catalog:pull',
      'registry:other:*',
      'image:releases/app:pull',
      'nonsense',
      `repository:${'a'.repeat(300)}:pull`,
      'repository:releases/app\u0000:pull',
    ]) {
      const r = await fetchToken(w.t.url, [scope], who);
      expect(r.status, scope).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.token).toBeUndefined();
    }
    const many = await fetchToken(
      w.t.url,
      Array.from({ length: 21 }, (_, i) => `repository:team/app${i}:pull`),
      who,
    );
    expect(many.status).toBe(400);
    const other = await fetchToken(w.t.url, ['repository:team/app:pull'], who, 'someone-else');
    expect(other.status).toBe(400);
    expect(other.body.detail).toContain('storefleet-registry');
    expect(await signingKeys()).toBe(before);

    // several scopes in one parameter (space-separated, as the spec allows), duplicates merged
    const merged = await fetchToken(
      w.t.url,
      ['repository:team/app:pull repository:team/app:push', 'repository:team/base:pull'],
      who,
    );
    expect(merged.status).toBe(200);
    expect(claimsOf(merged.body.token).access).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'team/base', actions: ['pull'] },
    ]);
    // without `service` the answer is the same (the spec makes it optional)
    expect((await fetchToken(w.t.url, ['repository:team/app:pull'], who, '')).status).toBe(200);
  });

  it('never logs the password, the Basic header or the token it issues', async () => {
    const tok = await fetchToken(w.t.url, ['repository:team/app:pull'], {
      authorization: basic('admin@example.test', ADMIN_PASSWORD),
    });
    expect(tok.status).toBe(200);
    expect((await call(`${w.t.url}/v2/`, 'GET', { bearer: tok.body.token })).status).toBe(200);
    const text = lines.join('');
    expect(text).toContain('/api/registry/token');
    expect(text).toContain('/v2/');
    for (const secret of [
      ADMIN_PASSWORD,
      Buffer.from(`admin@example.test:${ADMIN_PASSWORD}`).toString('base64'),
      tok.body.token,
      (tok.body.token as string).split('.')[2]!,
      w.storeA.secret,
    ])
      expect(text).not.toContain(secret);
  });

  it('makes one signing key whichever replica offers first', async () => {
    const db = w.t.hub.db;
    const [a, b] = await Promise.all([
      authRepository.ensureKey(db, 'race-test', Buffer.alloc(32, 1), Date.now()),
      authRepository.ensureKey(db, 'race-test', Buffer.alloc(32, 2), Date.now()),
    ]);
    expect(a.equals(b)).toBe(true);
    const again = await authRepository.ensureKey(db, 'race-test', Buffer.alloc(32, 3), Date.now());
    expect(again.equals(a)).toBe(true);
    await db.query("DELETE FROM registry_signing_keys WHERE id = 'race-test'");
  });

  // last: it fills the sign-in limits of this address
  it('passes the sign-in limits through: a burst of wrong passwords is a 429 with Retry-After', async () => {
    let limited: Awaited<ReturnType<typeof fetchToken>> | undefined;
    for (let i = 0; i < 30 && !limited; i++) {
      const r = await fetchToken(w.t.url, [], { authorization: basic(w.managerA.email, `wrong ${i}`) });
      if (r.status === 429) limited = r;
      else expect(r.status).toBe(401);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited?.body.token).toBeUndefined();
  });
});
