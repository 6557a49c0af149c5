import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';

// Calls from 127.0.0.1 look like a LAN device here: loopback is not trusted, so the device cookie is read.
describe('text the store node cannot keep as sent', () => {
  let node: StoreNode;
  const post = async (path: string, rawBody: string) => {
    const res = await fetch(node.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: rawBody,
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-badtext-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      trustedAddresses: [],
    });
    await node.start();
  });
  afterAll(() => node?.stop());

  it('refuses a lone surrogate in a JSON body (the escape JSON.parse turns into one) with 400, before SQLite, leaving the code unused', async () => {
    const { code } = node.pairing.startPairing();
    for (const name of ['\\ud800x', 'x\\udc00']) {
      const res = await post('/api/pairing/pair', `{"code":${JSON.stringify(code)},"name":"${name}"}`);
      expect(res).toMatchObject({
        status: 400,
        body: {
          type: 'urn:storefleet:problem:validation',
          detail: 'name: text may not contain a lone surrogate (U+D800–U+DFFF outside a pair)',
        },
      });
    }
    expect(node.pairing.list()).toEqual([]);
    const paired = await post('/api/pairing/pair', JSON.stringify({ code, name: 'Zoë 😀' }));
    expect(paired.status).toBe(201);
    expect(node.pairing.list()).toEqual([expect.objectContaining({ name: 'Zoë 😀' })]);
  });
});
