import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../src/kernel/edge/tls/demo-ca.js';
import { dbTargets } from './support/db-targets.js';
import { ADMIN, TestHub } from './support/test-hub.js';
import { tlsCall } from './support/tls-call.js';
import { waitFor } from './support/wait-for.js';

describe.each(dbTargets)('mutual TLS per store on $name', { timeout: 60_000 }, (target) => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-tls-'));
  let pki: TestPki;
  let t: TestHub;
  let admin: string;
  let storeA: { storeId: string; secret: string };
  let storeB: { storeId: string; secret: string };
  let expired: { cert: string; key: string };
  let foreign: { cert: string; key: string };

  beforeAll(async () => {
    pki = await makeTestPki(dir, { stores: ['storeA', 'storeA-next', 'storeA-third', 'storeA-fourth', 'storeB'] });
    expired = await pki.issue('expired', { use: 'client', commonName: 'storeA', days: 0 });
    foreign = await pki.issue('foreign', { use: 'client', commonName: 'storeA', from: 'other' });
    t = await TestHub.start(target, {
      edge: { tls: pki.hubTls },
    });
    admin = (await t.hub.auth.login(ADMIN.email, ADMIN.password, '127.0.0.1')).sessionToken;
    storeA = (await t.hub.fleet.register({ code: 'TLSA', name: 'A', kind: 'STORE', lat: 40, lon: -74 })).credential!;
    storeB = (await t.hub.fleet.register({ code: 'TLSB', name: 'B', kind: 'STORE', lat: 40, lon: -74 })).credential!;
    // the certificate made with 0 days ends the second it was made (notAfter, whole seconds): wait until the clock is
    // in a later second, so both the hub (notAfter <= now) and OpenSSL (notAfter < now, in seconds) judge it expired
    const ends = Date.parse(new X509Certificate(expired.cert).validTo);
    await waitFor('the 0-day certificate past its end', () => Date.now() >= ends + 1_000, 5_000);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const asAdmin = (method: string, path: string, body?: unknown) =>
    tlsCall(t.url, method, path, body, { ca: pki.ca.pem, bearer: admin });
  const byCertificate = (storeId: string, pair: { cert: string; key: string } | undefined) =>
    tlsCall(t.url, 'POST', '/api/auth/store-token/certificate', { storeId }, { ca: pki.ca.pem, ...pair });
  const bySecret = (s: { storeId: string; secret: string }) =>
    tlsCall(t.url, 'POST', '/api/auth/store-token', s, { ca: pki.ca.pem });
  const register = (storeId: string, pem: string) => asAdmin('POST', `/api/stores/${storeId}/certificates`, { pem });

  it('serves HTTPS with the configured certificate and gives its CA at /tls/ca.pem', async () => {
    expect(t.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await tlsCall(t.url, 'GET', '/healthz', undefined, { ca: pki.ca.pem });
    expect(health.status).toBe(200);
    const ca = await tlsCall(t.url, 'GET', '/tls/ca.pem', undefined, { ca: pki.ca.pem });
    expect(ca.status).toBe(200);
    expect(ca.body).toBe(pki.ca.pem);
    // a client trusting another CA does not get through the handshake
    await expect(tlsCall(t.url, 'GET', '/healthz', undefined, { ca: pki.otherCa.pem })).rejects.toThrow(
      /self.signed|unable to verify|certificate/i,
    );
  });

  it('trades a registered client certificate for a token the API accepts', async () => {
    const a = pki.clients.storeA!;
    const before = await byCertificate(storeA.storeId, a);
    expect(before.status).toBe(401);
    expect(before.body.detail).toMatch(/not registered for store/);

    const reg = await register(storeA.storeId, a.cert);
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ storeId: storeA.storeId, expired: false });
    expect(reg.body.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(reg.body.subject).toContain('CN=storeA');

    const got = await byCertificate(storeA.storeId, a);
    expect(got.status).toBe(200);
    expect(typeof got.body.serverTime).toBe('number');
    const me = await tlsCall(t.url, 'GET', '/api/auth/me', undefined, { ca: pki.ca.pem, bearer: got.body.token });
    expect(me.body).toEqual({ kind: 'store', storeId: storeA.storeId });

    // registered for A, so it is no credential for B
    const other = await byCertificate(storeB.storeId, a);
    expect(other.status).toBe(401);
    expect(other.body.detail).toMatch(/not registered for store/);
  });

  it('refuses no certificate, an unregistered one, an expired one and one from another CA (401 problems)', async () => {
    const none = await byCertificate(storeA.storeId, undefined);
    expect(none.status).toBe(401);
    expect(none.contentType).toMatch(/application\/problem\+json/);
    expect(none.body.detail).toMatch(/no client certificate/);

    const unregistered = await byCertificate(storeB.storeId, pki.clients.storeB);
    expect(unregistered.status).toBe(401);

    const old = await byCertificate(storeA.storeId, expired);
    expect(old.status).toBe(401);
    expect(old.body.detail).toMatch(/not accepted: .*expired/i);

    const stranger = await byCertificate(storeA.storeId, foreign);
    expect(stranger.status).toBe(401);
    expect(stranger.body.detail).toMatch(/not accepted/);
  });

  it('registers only readable client certificates of the client CA, stores nothing else, and is for ADMINs only', async () => {
    const list = async () => (await asAdmin('GET', `/api/stores/${storeB.storeId}/certificates`)).body;
    const before = await list();
    for (const pem of ['not a certificate', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n']) {
      const bad = await register(storeB.storeId, pem);
      expect(bad.status).toBe(400);
      expect(bad.contentType).toMatch(/application\/problem\+json/);
    }
    const withKey = await register(storeB.storeId, pki.clients.storeB!.cert + pki.clients.storeB!.key);
    expect(withKey.status).toBe(400);
    expect(JSON.stringify(withKey.body)).not.toContain('PRIVATE KEY');
    expect((await register(storeB.storeId, foreign.cert)).status).toBe(422);
    expect((await register(storeB.storeId, expired.cert)).status).toBe(422);
    expect((await register(storeB.storeId, pki.clientCa.pem)).status).toBe(422); // a CA, not a store's
    expect(await list()).toEqual(before);

    // a store's own token may not register certificates, not even its own
    const tok = (await bySecret(storeB)).body.token;
    const byStore = await tlsCall(
      t.url,
      'POST',
      `/api/stores/${storeB.storeId}/certificates`,
      { pem: pki.clients.storeB!.cert },
      { ca: pki.ca.pem, bearer: tok },
    );
    expect(byStore.status).toBe(403);
    expect(await list()).toEqual(before);
  });

  it('refuses the secret of a store that must present its certificate, and rotates certificates without a refusal', async () => {
    const pair = (n: string) => pki.clients[n]!;
    const [a, next, third, fourth] = [pair('storeA'), pair('storeA-next'), pair('storeA-third'), pair('storeA-fourth')];
    const policy = await asAdmin('PATCH', `/api/stores/${storeA.storeId}/certificate-policy`, { required: true });
    expect(policy.status).toBe(200);
    expect(policy.body).toEqual({ storeId: storeA.storeId, required: true });
    const secret = await bySecret(storeA);
    expect(secret.status).toBe(401);
    expect(secret.body.detail).toBe(
      `store ${storeA.storeId} must present its client certificate (its certificate policy is required); the secret is refused`,
    );
    // another store is not concerned
    expect((await bySecret(storeB)).status).toBe(200);

    // rotation: the new one registered, the store switches, the old one deleted; every exchange in between works
    const statuses: number[] = [];
    const exchange = async (pair: { cert: string; key: string }) =>
      statuses.push((await byCertificate(storeA.storeId, pair)).status);
    await exchange(a);
    const added = await register(storeA.storeId, next!.cert);
    expect(added.status).toBe(201);
    await exchange(a);
    await exchange(next!);
    await exchange(a);
    await exchange(next!);
    const fpOld = (await asAdmin('GET', `/api/stores/${storeA.storeId}/certificates`)).body.items.find(
      (c: { fingerprint: string }) => c.fingerprint !== added.body.fingerprint,
    ).fingerprint;
    expect((await asAdmin('DELETE', `/api/stores/${storeA.storeId}/certificates/${fpOld}`)).status).toBe(204);
    await exchange(next!);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const gone = await byCertificate(storeA.storeId, a);
    expect(gone.status).toBe(401);

    // at most three unexpired per store
    expect((await register(storeA.storeId, third!.cert)).status).toBe(201);
    expect((await register(storeA.storeId, a.cert)).status).toBe(201);
    const full = await register(storeA.storeId, fourth!.cert);
    expect(full.status).toBe(409);
    expect(full.body.detail).toMatch(/at most 3/);

    // the last valid certificate of a store that must present one cannot be deleted
    const listed = (await asAdmin('GET', `/api/stores/${storeA.storeId}/certificates`)).body;
    expect(listed.required).toBe(true);
    expect(listed.items).toHaveLength(3);
    for (const c of listed.items.slice(1))
      expect((await asAdmin('DELETE', `/api/stores/${storeA.storeId}/certificates/${c.fingerprint}`)).status).toBe(204);
    const last = await asAdmin('DELETE', `/api/stores/${storeA.storeId}/certificates/${listed.items[0].fingerprint}`);
    expect(last.status).toBe(409);

    // back to the secret
    expect(
      (await asAdmin('PATCH', `/api/stores/${storeA.storeId}/certificate-policy`, { required: false })).status,
    ).toBe(200);
    expect((await bySecret(storeA)).status).toBe(200);
  });
});
