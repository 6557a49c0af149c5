import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';

/** A screen marker the node does not understand narrows the screen to a kiosk; it never leaves the back office open. */
describe('an sf_screen cookie whose value is not exactly a known role (on the node’s own machine)', () => {
  let node: StoreNode;
  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-marker-')), 's.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    await node.start();
  });
  afterAll(() => node?.stop());
  const call = (method: string, path: string, cookie?: string) =>
    fetch(node.url + path, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : '{}',
    });

  for (const cookie of [
    'sf_screen="kiosk"',
    'sf_screen=Kiosk',
    'sf_screen=%6biosk',
    'sf_screen=',
    'sf_screen=lane',
    'sf_screen=POS',
    'sf_screen=pos; sf_screen=whatever',
  ])
    it(`${cookie} is treated as a kiosk: staff APIs and pages are refused, the kiosk page opens`, async () => {
      for (const [method, path] of [
        ['POST', '/api/pos/sales'],
        ['GET', '/api/sync/status'],
        ['GET', '/pos.html'],
        ['GET', '/pickup.html'],
        ['POST', '/api/pairing/codes'],
      ] as const)
        expect((await call(method, path, cookie)).status, `${method} ${path}`).toBe(403);
      expect((await call('GET', '/kiosk.html', cookie)).status).toBe(200);
    });

  it('no sf_screen cookie at all is still the back office; a cookie of another name changes nothing', async () => {
    expect((await call('GET', '/api/sync/status')).status).toBe(200);
    expect((await call('GET', '/api/sync/status', 'sf_screenx=kiosk; other=1')).status).toBe(200);
  });
});
