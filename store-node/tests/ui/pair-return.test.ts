import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { HANDHELD, haveChromium, launchChromium, pageErrors } from '../support/browser.js';

/** Issue #17, what a hostile caller found: `pair.html?then=/\evil` sent a freshly paired device to another site. */
describe.skipIf(!haveChromium && !process.env.CI)('where the pairing page goes once paired', () => {
  let node: StoreNode;
  let browser: Browser;
  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-pair-then-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      trustedAddresses: [],
    });
    await node.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  /** Pairs a fresh browser through `pair.html?then=…` (typed by keyboard) and says where it landed. */
  const landing = async (then: string) => {
    const context = await browser.newContext({ viewport: HANDHELD });
    const page = await context.newPage();
    const errors = pageErrors(page);
    // Any request off the node is stopped and noted: a redirect there must never happen.
    const offSite: string[] = [];
    await context.route(
      (url) => url.origin !== new URL(node.url!).origin,
      (route) => {
        offSite.push(route.request().url());
        return route.abort();
      },
    );
    await page.goto(`${node.url}/pair.html?then=${encodeURIComponent(then)}`);
    await page.getByLabel('Pairing code').fill(node.pairing.startPairing().code);
    await page.getByLabel('Name of this device').fill(`Handheld ${then.length}`);
    await page.getByLabel('Name of this device').press('Enter');
    await page.waitForURL((url) => !url.pathname.endsWith('/pair.html'), { timeout: 30_000 }).catch(() => undefined);
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 30_000 }).not.toBe('/pair.html');
    const url = new URL(page.url());
    await context.close();
    return { origin: url.origin, path: url.pathname, offSite, errors };
  };

  it('goes only to one of the node’s own pages; any other then= goes to the handheld page', async () => {
    for (const then of [
      '/\\evil.example/x',
      '//evil.example/',
      '/%5Cevil.example',
      'https://evil.example/',
      '/api/sync/status',
    ]) {
      const went = await landing(then);
      expect(went.origin, then).toBe(new URL(node.url!).origin);
      expect(went.path, then).toBe('/handheld.html');
      expect(went.offSite, then).toEqual([]);
    }
    const ok = await landing('/pickup.html');
    expect(ok.path).toBe('/pickup.html');
  });
});
