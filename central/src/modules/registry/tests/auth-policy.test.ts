import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { authWorld, basic, call, claimsOf, fetchToken } from './auth-fixture.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const CHALLENGE = /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/api\/registry\/token",service="storefleet-registry"/;

describe.each(dbTargets)('registry auth: the policy and the Docker token flow on $name', (target) => {
  const w = authWorld(target);
  const blob = (repo: string) => `${w.guarded}/v2/${repo}/blobs/${DIGEST}`;

  it('asks an anonymous client for a token with the realm, the service and the scope it needs', async () => {
    const base = await call(`${w.t.url}/v2/`, 'GET');
    expect(base.status).toBe(401);
    expect(base.headers.get('www-authenticate')).toMatch(CHALLENGE);
    expect(base.headers.get('content-type')).toContain('application/problem+json');
    expect(base.body.errors[0].code).toBe('UNAUTHORIZED');

    const pull = await call(blob('releases/app'), 'GET');
    expect(pull.status).toBe(401);
    // the realm names the hub the client reached (the guarded app shares the hub's auth, so its own address)
    expect(pull.headers.get('www-authenticate')).toMatch(/scope="repository:releases\/app:pull"$/);
    const push = await call(`${w.guarded}/v2/team/app/blobs/uploads/`, 'POST');
    expect(push.headers.get('www-authenticate')).toMatch(/scope="repository:team\/app:pull,push"$/);
    const mount = await call(`${w.guarded}/v2/team/app/blobs/uploads/?mount=${DIGEST}&from=team/base`, 'POST');
    expect(mount.headers.get('www-authenticate')).toMatch(
      /scope="repository:team\/app:pull,push repository:team\/base:pull"$/,
    );
    const catalog = await call(`${w.guarded}/v2/_catalog`, 'GET');
    expect(catalog.status).toBe(401);
    expect(catalog.headers.get('www-authenticate')).toMatch(/scope="registry:catalog:\*"$/);
  });

  it('refuses a name the OCI spec does not allow before anything else', async () => {
    for (const bad of ['Releases/app', 'releases//app', 'a/-b', 'x'.repeat(256)]) {
      const r = await call(blob(bad), 'GET', { cookie: w.admin });
      expect(r.status, bad).toBe(400);
      expect(r.body.errors[0].code).toBe('NAME_INVALID');
    }
    const from = await call(`${w.guarded}/v2/team/app/blobs/uploads/?mount=${DIGEST}&from=NOPE`, 'POST', {
      cookie: w.admin,
    });
    expect(from.status).toBe(400);
    expect(from.body.errors[0].code).toBe('NAME_INVALID');
  });

  it('lets head office pull, push and delete anywhere and list the catalog — with its session or a token', async () => {
    expect((await call(`${w.t.url}/v2/`, 'GET', { cookie: w.admin })).status).toBe(200);
    expect((await call(blob('team/app'), 'GET', { cookie: w.admin })).status).toBe(200);
    expect((await call(`${w.guarded}/v2/team/app/blobs/uploads/`, 'POST', { cookie: w.admin })).status).toBe(200);
    expect((await call(`${w.guarded}/v2/team/app/manifests/v1`, 'DELETE', { cookie: w.admin })).status).toBe(200);
    expect((await call(`${w.guarded}/v2/_catalog`, 'GET', { cookie: w.admin })).status).toBe(200);

    const tok = await fetchToken(w.t.url, ['repository:team/app:pull,push,delete', 'registry:catalog:*'], {
      authorization: basic('admin@example.test', 'correct horse battery staple'),
    });
    expect(tok.status).toBe(200);
    expect(tok.headers.get('cache-control')).toBe('no-store');
    expect(tok.body.token).toBe(tok.body.access_token);
    expect(tok.body.expires_in).toBe(300);
    expect(Date.parse(tok.body.issued_at)).not.toBeNaN();
    const claims = claimsOf(tok.body.token);
    expect(claims).toMatchObject({ iss: 'storefleet-hub', aud: 'storefleet-registry' });
    expect(claims.sub).toMatch(/^user:/);
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.access).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    const bearer = tok.body.token as string;
    const pulled = await call(blob('team/app'), 'GET', { bearer });
    expect(pulled.status).toBe(200);
    expect(pulled.body.subject).toBe(claims.sub);
    expect((await call(`${w.guarded}/v2/team/app/blobs/uploads/`, 'POST', { bearer })).status).toBe(200);
    expect((await call(`${w.guarded}/v2/team/app/manifests/v1`, 'DELETE', { bearer })).status).toBe(200);
    expect((await call(`${w.guarded}/v2/_catalog`, 'GET', { bearer })).status).toBe(200);
    expect((await call(`${w.t.url}/v2/`, 'GET', { bearer })).status).toBe(200);

    // '*' is everything the policy allows
    const star = await fetchToken(w.t.url, ['repository:team/other:*'], { cookie: w.admin });
    expect(claimsOf(star.body.token).access).toEqual([
      { type: 'repository', name: 'team/other', actions: ['pull', 'push', 'delete'] },
    ]);
  });

  it('gives a store token pull on release repositories only, with or without a registry token', async () => {
    const asStore = { bearer: w.storeA.token };
    expect((await call(blob('releases/app'), 'GET', asStore)).status).toBe(200);
    const image = await call(blob('team/app'), 'GET', asStore);
    expect(image.status).toBe(403);
    expect(image.body.errors[0].code).toBe('DENIED');
    expect((await call(`${w.guarded}/v2/releases/app/blobs/uploads/`, 'POST', asStore)).status).toBe(403);
    expect((await call(`${w.guarded}/v2/releases/app/manifests/v1`, 'DELETE', asStore)).status).toBe(403);
    expect((await call(`${w.guarded}/v2/_catalog`, 'GET', asStore)).status).toBe(403);

    // by store id and secret (HTTP Basic), asking for more than the policy allows: the token is cut, no error
    const tok = await fetchToken(
      w.t.url,
      ['repository:releases/app:pull,push,delete', 'repository:team/app:pull', 'registry:catalog:*'],
      { authorization: basic(w.storeA.id, w.storeA.secret) },
    );
    expect(tok.status).toBe(200);
    const claims = claimsOf(tok.body.token);
    expect(claims.sub).toBe(`store:${w.storeA.id}`);
    expect(claims.access).toEqual([{ type: 'repository', name: 'releases/app', actions: ['pull'] }]);
    const bearer = tok.body.token as string;
    expect((await call(blob('releases/app'), 'GET', { bearer })).status).toBe(200);
    expect((await call(blob('team/app'), 'GET', { bearer })).status).toBe(403);
    expect((await call(`${w.guarded}/v2/releases/app/blobs/uploads/`, 'POST', { bearer })).status).toBe(403);

    // the store's hub token at the realm works as Basic does
    const viaHub = await fetchToken(w.t.url, ['repository:releases/app:pull'], {
      authorization: `Bearer ${w.storeA.token}`,
    });
    expect(claimsOf(viaHub.body.token).access).toEqual([
      { type: 'repository', name: 'releases/app', actions: ['pull'] },
    ]);
  });

  it("gives a store's people pull on release repositories only", async () => {
    const asManager = { cookie: w.managerA.cookie };
    expect((await call(blob('releases/app'), 'GET', asManager)).status).toBe(200);
    expect((await call(blob('team/app'), 'GET', asManager)).status).toBe(403);
    expect((await call(`${w.guarded}/v2/releases/app/blobs/uploads/`, 'POST', asManager)).status).toBe(403);
    expect((await call(`${w.guarded}/v2/releases/app/manifests/v1`, 'DELETE', asManager)).status).toBe(403);

    const tok = await fetchToken(w.t.url, ['repository:releases/app:pull,push', 'repository:team/app:pull'], {
      authorization: basic(w.managerA.email, w.managerA.password),
    });
    expect(tok.status).toBe(200);
    expect(claimsOf(tok.body.token).access).toEqual([{ type: 'repository', name: 'releases/app', actions: ['pull'] }]);
    expect((await call(blob('releases/app'), 'GET', { bearer: tok.body.token })).status).toBe(200);
  });

  it('answers a token for another repository with 401 insufficient_scope and the scope to ask for', async () => {
    const tok = await fetchToken(w.t.url, ['repository:team/one:pull'], { cookie: w.admin });
    const r = await call(blob('team/two'), 'GET', { bearer: tok.body.token });
    expect(r.status).toBe(401);
    expect(r.body.errors[0].code).toBe('UNAUTHORIZED');
    expect(r.headers.get('www-authenticate')).toMatch(CHALLENGE);
    expect(r.headers.get('www-authenticate')).toContain('scope="repository:team/two:pull",error="insufficient_scope"');
    // a pull token does not push in the same repository either
    const push = await call(`${w.guarded}/v2/team/one/blobs/uploads/`, 'POST', { bearer: tok.body.token });
    expect(push.status).toBe(401);
    expect(push.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    // an empty token (no scope asked) still passes GET /v2/
    const none = await fetchToken(w.t.url, [], { cookie: w.admin });
    expect(claimsOf(none.body.token).access).toEqual([]);
    expect((await call(`${w.t.url}/v2/`, 'GET', { bearer: none.body.token })).status).toBe(200);
  });

  it('refuses a tampered token, one signed with another key or none, and an expired one', async () => {
    const tok = await fetchToken(w.t.url, ['repository:releases/app:pull'], {
      authorization: basic(w.storeA.id, w.storeA.secret),
    });
    const [h, p, sig] = (tok.body.token as string).split('.') as [string, string, string];
    const claims = claimsOf(tok.body.token);
    const widened = Buffer.from(
      JSON.stringify({ ...claims, access: [{ type: 'repository', name: 'team/app', actions: ['push'] }] }),
    ).toString('base64url');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    for (const bad of [
      `${h}.${widened}.${sig}`,
      `${noneHeader}.${p}.`,
      `${noneHeader}.${p}.${sig}`,
      `${h}.${p}.${sig}x`,
    ]) {
      const r = await call(blob('releases/app'), 'GET', { bearer: bad });
      expect(r.status, bad).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(CHALLENGE);
      expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(JSON.stringify(r.body)).not.toContain(sig);
    }
    expect((await call(blob('releases/app'), 'GET', { bearer: tok.body.token })).status).toBe(200);
    // five minutes on by the hub's clock, the token has expired
    w.t.clock.offsetMs += 301_000;
    try {
      const late = await call(blob('releases/app'), 'GET', { bearer: tok.body.token });
      expect(late.status).toBe(401);
      expect(late.body.detail).toContain('expired');
      expect(late.headers.get('www-authenticate')).toContain('error="invalid_token"');
    } finally {
      w.t.clock.offsetMs -= 301_000;
    }
  });

  it('refuses a hub credential that is no longer valid with the challenge, not as anonymous', async () => {
    const r = await call(blob('releases/app'), 'GET', { bearer: 'not-a-session-token' });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(CHALLENGE);
    expect(r.body.errors[0].code).toBe('UNAUTHORIZED');
  });

  it('keeps one signing key for the database, made once', async () => {
    const { rows } = await w.t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM registry_signing_keys');
    expect(rows[0]!.n).toBe(1);
  });
});
