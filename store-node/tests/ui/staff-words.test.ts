import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import type { StoreNodeConfig } from '../../src/config.js';
import { DESKTOP, haveChromium, launchChromium } from '../support/browser.js';

const WAIT = { timeout: 30_000 };
/** What staff and customers should never read: an issue number ("#27") or a command-line flag ("--page=kiosk"). */
const JARGON = /#\d+|(?:^|[^\w-])--[a-z]/i;

const startNode = (prefix: string, extra: Partial<StoreNodeConfig> = {}) => {
  const node = createStoreNode({
    dbPath: join(mkdtempSync(join(tmpdir(), prefix)), 'store.sqlite'),
    port: 0,
    logLevel: 'silent',
    mode: 'test',
    name: 'Quay Road',
    ...extra,
  });
  return node.start().then(() => node);
};

/** #17: "issue #27" and "--page=kiosk" were on the store's screens; they say it in staff words now. */
describe.skipIf(!haveChromium && !process.env.CI)(
  'the store’s pages and refusal pages speak to staff, not developers',
  () => {
    let node: StoreNode;
    let posMachine: StoreNode;
    let browser: Browser;
    beforeAll(async () => {
      node = await startNode('sf-words-');
      posMachine = await startNode('sf-words-pos-machine-', { loopbackRole: 'pos' });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await node?.stop();
      await posMachine?.stop();
    });

    /** The whole text of a page once it has loaded, dialogs not yet open included (they are read when they open). */
    const textOf = async (base: string, path: string, cookie?: string) => {
      const context = await browser.newContext({ viewport: DESKTOP });
      if (cookie) {
        const [name, value] = cookie.split('=') as [string, string];
        await context.addCookies([{ name, value, url: base }]);
      }
      const page = await context.newPage();
      await page.goto(`${base}${path}`);
      await page.locator('h1').first().waitFor(WAIT);
      const text = await page.evaluate<string>('document.body.textContent');
      await context.close();
      return text.replace(/\s+/g, ' ');
    };

    it('no page shows an issue number or a command-line flag', async () => {
      for (const path of ['/', '/pos.html', '/pickup.html', '/handheld.html', '/pair.html', '/kiosk.html']) {
        const text = await textOf(node.url!, path);
        expect(text.length, path).toBeGreaterThan(100);
        expect(text, path).not.toMatch(JARGON);
      }
      expect(await textOf(node.url!, '/')).toContain('Staff sign-in with PINs is not available yet.');
    });

    it('no refusal page does either: a browser set to one job, a kiosk, a machine set up for one job', async () => {
      const refusals = [
        [node.url!, '/handheld.html', 'sf_screen=pos'],
        [node.url!, '/pos.html', 'sf_screen=pickup'],
        [node.url!, '/pos.html', 'sf_screen=kiosk'],
        [posMachine.url!, '/handheld.html', undefined],
      ] as const;
      for (const [base, path, cookie] of refusals) {
        const text = await textOf(base, path, cookie);
        expect(text, `${cookie ?? 'machine'} ${path}`).toMatch(/This is|This screen is/);
        expect(text, `${cookie ?? 'machine'} ${path}`).not.toMatch(JARGON);
        expect(text).not.toContain('STORE_LOOPBACK_ROLE');
      }
      const staff = await textOf(node.url!, '/handheld.html', 'sf_screen=pos');
      expect(staff).toContain('Staff sign-in with PINs is not available yet.');
    });
  },
);
