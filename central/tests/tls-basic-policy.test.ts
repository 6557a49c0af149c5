import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../src/kernel/edge/tls/demo-ca.js';
import { pinnedFetch } from '../../store-node/src/hub-link/pinned-fetch.js';
import { dbTargets } from './support/db-targets.js';
import { ADMIN, TestHub } from './support/test-hub.js';
import { tlsCall } from './support/tls-call.js';

/**
 * A store that must present its client certificate cannot use its secret anywhere: not at the token exchange, and not
 * through the registry's token realm (HTTP Basic, GET /api/registry/token) either (the hub's `checkCredentials` asks the same certificate policy).
 */
describe.each(dbTargets)('HTTP Basic and the certificate policy on $name', { timeout: 60_000 }, (target) => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-tls-basic-'));
  let pki: TestPki;
  let t: TestHub;
  let admin: string;
  let storeA: { storeId: string; secret: string };
  let storeB: { storeId: string; secret: string };

  beforeAll(async () => {
    pki = await makeTestPki(dir, { stores: ['storeA'] });
    t = await TestHub.start(target, {
      edge: { tls: pki.hubTls },
    });
    admin = (await t.hub.auth.login(ADMIN.email, ADMIN.password, '127.0.0.1')).sessionToken;
    storeA = (await t.hub.fleet.register({ code: 'BSCA', name: 'A', kind: 'STORE', lat: 40, lon: -74 })).credential!;
    storeB = (await t.hub.fleet.register({ code: 'BSCB', name: 'B', kind: 'STORE', lat: 40, lon: -74 })).credential!;
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const basic = async (s: { storeId: string; secret: string }) => {
    const res = await pinnedFetch({ ca: pki.ca.pem })(`${t.url}/api/registry/token`, {
      headers: { authorization: `Basic ${Buffer.from(`${s.storeId}:${s.secret}`).toString('base64')}` },
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  it('refuses a required store’s secret at the registry’s token realm and lets it in again once the policy is lifted', async () => {
    expect((await basic(storeA)).status).toBe(200);
    // requiring a certificate needs one registered first
    const registered = await tlsCall(
      t.url,
      'POST',
      `/api/stores/${storeA.storeId}/certificates`,
      { pem: pki.clients.storeA!.cert },
      { ca: pki.ca.pem, bearer: admin },
    );
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const policy = await tlsCall(
      t.url,
      'PATCH',
      `/api/stores/${storeA.storeId}/certificate-policy`,
      {
        required: true,
      },
      { ca: pki.ca.pem, bearer: admin },
    );
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);

    const refused = await basic(storeA);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('must present its client certificate');
    expect(refused.text).not.toContain(storeA.secret);
    // another store's secret still works, and a wrong secret is refused as before
    expect((await basic(storeB)).status).toBe(200);
    expect((await basic({ ...storeB, secret: 'not-the-secret' })).status).toBe(401);

    const lifted = await tlsCall(
      t.url,
      'PATCH',
      `/api/stores/${storeA.storeId}/certificate-policy`,
      {
        required: false,
      },
      { ca: pki.ca.pem, bearer: admin },
    );
    expect(lifted.status).toBe(200);
    expect((await basic(storeA)).status).toBe(200);
  });

  it('a name that is not a store id never reaches the policy: a 401 as before, not a 5xx', async () => {
    const res = await basic({ storeId: 'not-a-uuid', secret: 'x' });
    expect(res.status).toBe(401);
  });
});
