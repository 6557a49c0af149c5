import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { MAX_WRONG_CODES } from '../src/pairing/pairing-service.js';

/** The product the probes look up (stock is kept only for products in the store's catalog). */
const withMug = (node: StoreNode) =>
  node.db
    .prepare(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES ('MUG', 'Mug', 'Home', 799, 'USD', 'STANDARD', 1)`,
    )
    .run();

// Calls from 127.0.0.1 are what a handheld on the store's network looks like once loopback is not trusted.
describe('handhelds pair with the store node before they may use its API', () => {
  let node: StoreNode;
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(node.url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: (await res.json().catch(() => null)) as any,
      cookie: res.headers.get('set-cookie'),
    };
  };

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-pair-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      trustedAddresses: [],
    });
    withMug(node);
    await node.start();
  });
  afterAll(() => node?.stop());

  it('refuses an unpaired device with a clear problem, and lets it pair with a code from a trusted screen', async () => {
    const refused = await call('GET', '/api/stock/MUG');
    expect(refused.status).toBe(401);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body.detail).toBe(
      'this device is not paired with the store node: open /pair.html and enter a pairing code',
    );
    expect((await call('POST', '/api/pairing/codes')).status).toBe(401);
    expect((await fetch(`${node.url}/metrics`)).status).toBe(401);

    const { code } = node.pairing.startPairing(); // shown on the lane's screen
    const paired = await call('POST', '/api/pairing/pair', { code, name: 'Handheld 3' });
    expect(paired.status).toBe(201);
    expect(paired.body.device).toMatchObject({ name: 'Handheld 3', revokedAt: null });
    expect(paired.cookie).toMatch(/^sf_device=[^;]+; .*HttpOnly/);
    expect((await call('GET', '/api/stock/MUG', undefined, paired.body.token)).body).toEqual({
      sku: 'MUG',
      name: 'Mug',
      onHand: 0,
    });
    const noCodes = await call('POST', '/api/pairing/codes', undefined, paired.body.token);
    expect(noCodes.status).toBe(403); // a handheld cannot pair further devices: only the node's own screens show codes
    expect(noCodes.body.detail).toBe('only the store node’s own screens can pair or unpair devices');

    const again = await call('POST', '/api/pairing/pair', { code, name: 'Another' });
    expect(again.status).toBe(401); // a code pairs once
    expect((await call('POST', '/api/pairing/pair', { code: '12ab', name: 'x' })).status).toBe(400);

    node.pairing.revoke(paired.body.device.id);
    const revoked = await call('GET', '/api/stock/MUG', undefined, paired.body.token);
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toBe('this device’s pairing was revoked or is unknown: pair it again');
  });

  it('voids every open code after too many wrong guesses', async () => {
    for (let i = 0; i < MAX_WRONG_CODES; i++)
      await call('POST', '/api/pairing/pair', { code: '999999', name: 'reset' }); // whatever count the test above left
    const { code } = node.pairing.startPairing();
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < MAX_WRONG_CODES; i++)
      expect((await call('POST', '/api/pairing/pair', { code: wrong, name: 'guesser' })).status).toBe(401);
    expect((await call('POST', '/api/pairing/pair', { code, name: 'late' })).status).toBe(401);
  });
});

describe('the node’s own screens need no pairing', () => {
  it('answers calls from loopback by default', async () => {
    const node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-pair-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    withMug(node);
    await node.start();
    try {
      expect((await fetch(`${node.url}/api/stock/MUG`)).status).toBe(200);
      const codes = await fetch(`${node.url}/api/pairing/codes`, { method: 'POST' });
      expect(codes.status).toBe(201);
      expect((await codes.json()) as { code: string }).toMatchObject({ code: expect.stringMatching(/^\d{6}$/) });
    } finally {
      await node.stop();
    }
  });
});
