import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';
import { PAIRING_REVOKED } from '../src/access/screen-policy.js';
import { rawExchange } from '../../central/tests/support/raw-socket.js';

// Calls from 127.0.0.1 look like a LAN device here: loopback is not trusted, so the device cookie is read.
describe('hostile input to the store node', () => {
  let node: StoreNode;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(node.url + path, init);
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json().catch(() => null)) as any,
    };
  };

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-hostile-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      trustedAddresses: [],
    });
    await node.start();
  });
  afterAll(() => node?.stop());

  it('answers a device cookie that is not valid percent-encoding as an unknown pairing (401), never 500', async () => {
    for (const cookie of ['sf_device=%%%', 'sf_device=%E0%A4%A']) {
      const res = await call('/api/stock/MUG', { headers: { cookie } });
      expect(res).toMatchObject({
        status: 401,
        type: 'application/problem+json; charset=utf-8',
        body: { status: 401, detail: PAIRING_REVOKED },
      });
    }
    expect((await call('/healthz')).status).toBe(200);
  });

  it('refuses U+0000 in a JSON body or the URL with 400, before anything reaches SQLite', async () => {
    const { code } = node.pairing.startPairing();
    const nul = await call('/api/pairing/pair', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, name: 'Hand\u0000held' }),
    });
    expect(nul).toMatchObject({
      status: 400,
      body: { type: 'urn:storefleet:problem:validation', detail: 'name: text may not contain U+0000 (NUL)' },
    });
    expect(node.pairing.list()).toEqual([]);
    const paired = await call('/api/pairing/pair', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, name: 'Handheld' }),
    });
    expect(paired.status).toBe(201); // the refused attempt did not use up the code
    const inPath = await call('/api/stock/MU%00G', { headers: { authorization: `Bearer ${paired.body.token}` } });
    expect(inPath).toMatchObject({
      status: 400,
      body: { detail: 'the URL contains a NUL character (%00); text may not contain U+0000' },
    });
  });

  it('answers an oversized header with 431 problem+json', async () => {
    const text = await rawExchange(
      node.url!,
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(text).toMatch(/\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 431,
      type: 'urn:storefleet:problem:header-too-large',
    });
    expect((await call('/healthz')).status).toBe(200);
  });
});

describe('a document sync the hub refuses', () => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(dbTargets[0]!);
  });
  afterAll(() => f?.stop());

  it('is reported to the store (doc-error), which keeps syncing on the same connection', async () => {
    const store = await f.store('DOCREF');
    await waitFor('the store to connect', () => store.sync.status().phase === 'syncing');
    const reconnects = store.sync.status().reconnects;
    store.sync.docs.open('secret:plans'); // a namespace no hub module declares
    const refused = await waitFor('the refusal', () => store.sync.status().lastDocError);
    expect(refused).toEqual({ docId: 'secret:plans', detail: 'no read access to document secret:plans' });
    expect(store.sync.status()).toMatchObject({ phase: 'syncing', reconnects, lastError: null });
  });
});
