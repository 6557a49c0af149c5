import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, storeNodeConfigFromEnv, type StoreNode } from '../src/index.js';
import { CROSS_SITE_WRITE, FOREIGN_HOST } from '../src/access/site-guard.js';
import { rawCall, type RawAnswer } from '../../central/tests/support/raw-http.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

// The node's own machine (loopback, a lane): what a browser on it sends when a page of another site talks to the node —
// by DNS rebinding (another Host) or by a cross-site form or fetch (another Origin, Sec-Fetch-Site: cross-site).
describe('the store node answers only for itself and takes writes only from its own pages', () => {
  let node: StoreNode;
  let port: string;
  const call = (
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ): Promise<RawAnswer> =>
    rawCall(node.url!, {
      method,
      path,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const counts = () => ({
    codes: (node.db.prepare('SELECT count(*) AS n FROM pairing_codes').get() as { n: number }).n,
    sales: (node.db.prepare('SELECT count(*) AS n FROM sales').get() as { n: number }).n,
  });

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-site-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      hostnames: ['Till-3.Store.Local'],
    });
    await node.start();
    port = new URL(node.url!).port;
  });
  afterAll(() => node?.stop());

  it('refuses a request naming another host (DNS rebinding) with 403 problem+json, reads and writes alike, and changes nothing', async () => {
    const before = counts();
    for (const [method, path, body] of [
      ['POST', '/api/pairing/codes', { role: 'handheld' }],
      ['POST', '/api/pos/sales', undefined],
      ['GET', '/api/sync/status', undefined],
      ['GET', '/api/pairing/devices', undefined],
      ['GET', '/healthz', undefined],
      ['GET', '/pos.html', undefined],
    ] as const) {
      const r = await call(method, path, { host: `evil.example:${port}` }, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.contentType, `${method} ${path}`).toBe(PROBLEM);
      expect(r.json.detail, `${method} ${path}`).toBe(
        `${FOREIGN_HOST} ("evil.example:${port}"): open it by its address (http://127.0.0.1:port) or add the name to STORE_HOSTNAMES`,
      );
    }
    for (const host of [
      'localhost.evil.example',
      '127.0.0.1.evil.example',
      'evil.example',
      'till-3.store.local.evil.example',
      '[::1',
      '[evil]:80',
      '127.0.0.1:80:80',
    ]) {
      expect((await call('GET', '/healthz', { host })).status, host).toBe(403);
    }
    expect(counts()).toEqual(before);
  });

  it('answers to IP literals (v4 and v6), localhost and the configured names, on any port, in any case', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      '127.0.0.1',
      '10.1.2.3:8090',
      `[::1]:${port}`,
      '[::ffff:127.0.0.1]',
      `localhost:${port}`,
      'LOCALHOST',
      'till-3.store.local',
      `TILL-3.store.local:${port}`,
    ]) {
      expect((await call('GET', '/healthz', { host })).status, host).toBe(200);
    }
    expect((await call('POST', '/api/pairing/codes', { host: `localhost:${port}` }, { role: 'handheld' })).status).toBe(
      201,
    );
  });

  it('refuses a write whose Origin is another site, or that the browser marks cross-site, and changes nothing', async () => {
    const before = counts();
    const host = `127.0.0.1:${port}`;
    const refused: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: `http://evil.example:${port}` },
      { origin: `http://127.0.0.1:${Number(port) + 1}` }, // the same machine, another port: another origin
      { origin: `https://127.0.0.1:${port}` },
      { origin: `http://localhost:${port}` },
      { origin: 'null' }, // a sandboxed frame or a file: page
      { origin: 'not a url' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'cross-site', origin: `http://${host}` },
      { 'sec-fetch-site': 'same-site' }, // another port of this machine, or a sibling name: another site's page
      { 'sec-fetch-site': 'Same-Site', origin: `http://${host}` },
      { 'sec-fetch-site': 'bogus' },
    ];
    for (const headers of refused) {
      for (const [method, path, body] of [
        ['POST', '/api/pos/sales', undefined], // no body, so requireJsonBody would let it through
        ['POST', '/api/pairing/codes', { role: 'handheld' }],
        ['DELETE', '/api/pairing/devices/0190a4b2-7c4d-7e1f-8a2b-3c4d5e6f7a8b', undefined],
      ] as const) {
        const r = await call(method, path, { host, ...headers }, body);
        expect(r.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(r.contentType).toBe(PROBLEM);
        expect(r.json.detail).toBe(`${CROSS_SITE_WRITE} (Origin ${JSON.stringify(headers.origin ?? '')})`);
      }
    }
    expect(counts()).toEqual(before);
  });

  it('takes writes from its own pages (same origin, same-origin fetch metadata) and from clients that send no Origin', async () => {
    const host = `127.0.0.1:${port}`;
    expect(
      (await call('POST', '/api/pos/sales', { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' }))
        .status,
    ).toBe(201);
    expect(
      (await call('POST', '/api/pos/sales', { host: `LOCALHOST:${port}`, origin: `http://localhost:${port}` })).status,
    ).toBe(201);
    expect(
      (await call('POST', '/api/pos/sales', { host: 'till-3.store.local', origin: 'http://till-3.store.local:80' }))
        .status,
    ).toBe(201);
    expect((await call('POST', '/api/pos/sales', { host, 'sec-fetch-site': 'none' })).status).toBe(201); // typed by a person
    expect((await call('POST', '/api/pos/sales', { host })).status).toBe(201); // curl, a device's own client
    // Reads are not writes: a cross-site image or link reaches a page (the Host check keeps rebinding out).
    expect(
      (await call('GET', '/pos.html', { host, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' })).status,
    ).toBe(200);
  });

  it('reads its names from STORE_HOSTNAMES', () => {
    expect(storeNodeConfigFromEnv({ STORE_HOSTNAMES: ' till-3.store.local, backoffice ,' }).hostnames).toEqual([
      'till-3.store.local',
      'backoffice',
    ]);
    expect(storeNodeConfigFromEnv({}).hostnames).toBeUndefined();
  });
});
