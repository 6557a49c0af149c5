import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { makeTestPki, type TestPki } from '../../central/src/kernel/edge/tls/demo-ca.js';
import { pinnedFetch } from '../src/hub-link/pinned-fetch.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

describe.each(dbTargets)('a store node and its hub over TLS on $name', { timeout: 90_000 }, (target) => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-hub-tls-'));
  let pki: TestPki;
  let f: SyncFixture;
  const register = async (code: string) => {
    const reg = await f.hub.fleet.register({ code, name: `Store ${code}`, kind: 'STORE', lat: 40, lon: -74 });
    f.credentials.set(code, reg.credential!);
    return reg.credential!;
  };

  beforeAll(async () => {
    pki = await makeTestPki(dir, { stores: ['TLSC'] });
    f = await SyncFixture.start(target, {
      edge: { tls: pki.hubTls },
    });
  }, 240_000);
  afterAll(async () => {
    await f?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs a sale up over wss when pinned to the hub’s CA', async () => {
    expect(f.hubUrl).toMatch(/^https:/);
    const cred = await register('TLSP');
    const node = await f.store('TLSP', { hub: { url: f.hubUrl, ...cred, ca: pki.ca.pem } });
    node.sync.write((emit) => emit('test.sale', { qty: 3 }));
    await waitFor('the sale to reach the hub', async () => (await f.ledger(cred.storeId)).count === 1);
    expect(await f.ledger(cred.storeId)).toMatchObject({ count: 1, total: 3 });
    expect(node.hubLink.state).toBe('connected');
  });

  it('refuses a hub whose certificate does not chain to the pinned CA, and says why', async () => {
    const cred = await register('TLSX');
    const node = await f.store('TLSX', { hub: { url: f.hubUrl, ...cred, ca: pki.otherCa.pem } });
    node.sync.write((emit) => emit('test.sale', { qty: 5 }));
    await expect(node.hubLink.token()).rejects.toThrow(/untrusted certificate/);
    expect(node.hubLink.state).toBe('untrusted-certificate');
    expect(node.hubLink.lastError).toMatch(/does not verify against this store's pinned CA \(HUB_CA_FILE\)/);
    await new Promise((r) => setTimeout(r, 500));
    expect((await f.ledger(cred.storeId)).count).toBe(0);
    expect(node.sync.status().pendingUp).toBe(1);
  });

  it('uses its client certificate as its credential when the hub requires it, and its secret when none is registered', async () => {
    const cred = await register('TLSC');
    const client = pki.clients.TLSC!;
    // nothing registered yet: the hub answers 401 for the certificate and the link falls back to the secret
    const first = await f.store('TLSC', {
      hub: { url: f.hubUrl, ...cred, ca: pki.ca.pem, clientCert: { cert: client.cert, key: client.key } },
    });
    await first.hubLink.token();
    expect(first.hubLink.state).toBe('connected');
    await first.stop();

    // registered and required: the secret is refused, so a node that connects did so by its certificate
    await f.hub.auth.createUser({
      email: 'tls-admin@example.test',
      name: 'A',
      role: 'ADMIN',
      password: 'correct horse battery',
    });
    const { sessionToken } = await f.hub.auth.login('tls-admin@example.test', 'correct horse battery', '127.0.0.1');
    const asAdmin = async (method: string, path: string, body: unknown) => {
      const res = await pinnedFetch({ ca: pki.ca.pem })(f.hubUrl + path, {
        method,
        headers: { authorization: `Bearer ${sessionToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return res.status;
    };
    expect(await asAdmin('POST', `/api/stores/${cred.storeId}/certificates`, { pem: client.cert })).toBe(201);
    expect(await asAdmin('PATCH', `/api/stores/${cred.storeId}/certificate-policy`, { required: true })).toBe(200);
    const bySecret = await f.store('TLSC', {
      dbPath: join(f.dir, 'TLSC-secret.sqlite'),
      hub: { url: f.hubUrl, ...cred, ca: pki.ca.pem },
    });
    await expect(bySecret.hubLink.token()).rejects.toThrow(/must present its client certificate/);
    expect(bySecret.hubLink.state).toBe('unauthorized');

    const node = await f.store('TLSC', {
      dbPath: join(f.dir, 'TLSC-cert.sqlite'),
      hub: {
        url: f.hubUrl,
        storeId: cred.storeId,
        secret: 'not-the-secret',
        ca: pki.ca.pem,
        clientCert: { cert: client.cert, key: client.key },
      },
    });
    node.sync.write((emit) => emit('test.sale', { qty: 2 }));
    await waitFor('the sale to reach the hub', async () => (await f.ledger(cred.storeId)).count === 1);
    expect(node.hubLink.state).toBe('connected');
  });
});
