import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { authWorld, basic, call, claimsOf, fetchToken } from './auth-fixture.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;
/** Past the per-process window (5 s) in which /v2/ trusts what the hub last said about a token's principal. */
const PAST_CACHE_MS = 6_000;

describe.each(dbTargets)('registry auth: a token ends with its account or credential on $name', (target) => {
  const w = authWorld(target);
  const blob = (repo: string) => `${w.guarded}/v2/${repo}/blobs/${DIGEST}`;
  const uploads = (repo: string) => `${w.guarded}/v2/${repo}/blobs/uploads/`;

  /** Runs `check` with the hub's clock moved past the cache window, then puts the clock back. */
  async function later<T>(check: () => Promise<T>): Promise<T> {
    w.t.clock.offsetMs += PAST_CACHE_MS;
    try {
      return await check();
    } finally {
      w.t.clock.offsetMs -= PAST_CACHE_MS;
    }
  }

  async function person(email: string, role: 'ADMIN' | 'ASSOCIATE', storeId?: string) {
    const password = 'a person password 1234';
    const user = await w.t.hub.auth.createUser({ email, name: email, role, storeId, password });
    return { id: user.id as string, email, password };
  }

  it("refuses a disabled person's token (401 invalid_token) once the hub's answer is re-read", async () => {
    const p = await person(`disabled-${target.name}@example.test`, 'ADMIN');
    const tok = await fetchToken(w.t.url, ['repository:team/app:pull'], { authorization: basic(p.email, p.password) });
    expect(tok.status).toBe(200);
    const bearer = tok.body.token as string;
    expect((await call(blob('team/app'), 'GET', { bearer })).status).toBe(200);

    await w.t.hub.auth.updateUser(p.id, { disabled: true }, null);
    const r = await later(() => call(blob('team/app'), 'GET', { bearer }));
    expect(r.status).toBe(401);
    expect(r.body.errors[0].code).toBe('UNAUTHORIZED');
    expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(JSON.stringify(r.body)).not.toContain(bearer);
    // nor does it pass GET /v2/ at the hub itself
    expect((await later(() => call(`${w.t.url}/v2/`, 'GET', { bearer }))).status).toBe(401);
  });

  it("refuses a store's token after its credential is rotated; a token from the new secret pulls", async () => {
    const store = await w.t.store(`RV${process.pid % 1000}${target.name.length}`, w.admin);
    const tok = await fetchToken(w.t.url, ['repository:releases/app:pull'], {
      authorization: basic(store.id, store.secret),
    });
    expect(tok.status).toBe(200);
    expect(claimsOf(tok.body.token).sfv).toBe(1);
    const bearer = tok.body.token as string;
    expect((await call(blob('releases/app'), 'GET', { bearer })).status).toBe(200);
    // a token fetched with the store's hub token carries the version too
    const viaHub = await fetchToken(w.t.url, ['repository:releases/app:pull'], {
      authorization: `Bearer ${store.token}`,
    });
    expect(claimsOf(viaHub.body.token).sfv).toBe(1);

    const rotated = await w.t.call('POST', `/api/locations/${store.id}/credential`, {}, { cookie: w.admin });
    expect(rotated.status).toBe(201);
    for (const old of [bearer, viaHub.body.token as string]) {
      const r = await later(() => call(blob('releases/app'), 'GET', { bearer: old }));
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    const fresh = await fetchToken(w.t.url, ['repository:releases/app:pull'], {
      authorization: basic(store.id, rotated.body.secret),
    });
    expect(claimsOf(fresh.body.token).sfv).toBe(2);
    expect((await later(() => call(blob('releases/app'), 'GET', { bearer: fresh.body.token }))).status).toBe(200);
  });

  it('refuses a push with a head-office token once its holder is an associate (403 DENIED)', async () => {
    const p = await person(`demoted-${target.name}@example.test`, 'ADMIN');
    const tok = await fetchToken(w.t.url, ['repository:team/app:pull,push'], {
      authorization: basic(p.email, p.password),
    });
    const bearer = tok.body.token as string;
    expect(claimsOf(bearer).access).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    expect((await call(uploads('team/app'), 'POST', { bearer })).status).toBe(200);

    await w.t.hub.db.query(`UPDATE users SET role = 'ASSOCIATE', store_id = $2 WHERE id = $1`, [p.id, w.storeA.id]);
    const push = await later(() => call(uploads('team/app'), 'POST', { bearer }));
    expect(push.status).toBe(403);
    expect(push.body.errors[0].code).toBe('DENIED');
    expect((await later(() => call(blob('team/app'), 'GET', { bearer }))).status).toBe(403);
  });
});
