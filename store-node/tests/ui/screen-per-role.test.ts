import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';

/** What a fetch from inside the page answers: the status a script of that screen would get. */
const fetchFrom = (page: Page, method: string, path: string) =>
  page.evaluate(
    async ([m, p]) =>
      (
        await fetch(p!, {
          method: m,
          headers: { 'content-type': 'application/json' },
          body: m === 'GET' ? undefined : '{}',
        })
      ).status,
    [method, path],
  );

const STAFF_PAGES = ['/pos.html', '/pickup.html', '/handheld.html'];

// A screen per role (#17): the kiosk is a customer's screen, and a till or the pickup desk can be set to its one job,
// each in its own browser, as staff and customers would meet them.
describe.skipIf(!haveChromium && !process.env.CI)('a screen per role, in Chromium', () => {
  let node: StoreNode;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const fresh = async () => {
    const c = await browser.newContext({ viewport: DESKTOP });
    contexts.push(c);
    return c;
  };

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-screen-roles-ui-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      name: 'Harbour Street',
    });
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
         VALUES ('TEA-GREEN', NULL, 'Green tea, 20 bags', NULL, NULL, 'Beverages', 399, 'USD', 'ZERO', 1)`,
      )
      .run();
    await node.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await node?.stop();
  });

  it('a kiosk window shows no link to a staff page, cannot open one, and cannot call their APIs', async () => {
    const page = await (await fresh()).newPage();
    const errors = pageErrors(page);
    await page.goto(`${node.url}/kiosk.html`);
    await page.getByRole('heading', { name: 'Find a product' }).waitFor({ timeout: 30_000 });
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs.filter((h) => /pos|pickup|handheld|index|^\/$/.test(h ?? ''))).toEqual([]);
    for (const path of STAFF_PAGES) {
      const res = await page.goto(`${node.url}${path}`);
      expect(res?.status(), path).toBe(403);
      await page.getByRole('heading', { name: 'This screen is a kiosk' }).waitFor({ timeout: 30_000 });
    }
    for (const [method, path] of [
      ['POST', '/api/pos/sales'],
      ['GET', '/api/bopis/pickups'],
      ['POST', '/api/bopis/pickups/verify'],
      ['POST', '/api/stock/counts'],
      ['GET', '/api/devices'],
      ['POST', '/api/pairing/codes'],
    ] as const)
      expect(await fetchFrom(page, method, path), `${method} ${path}`).toBe(403);
    expect(errors).toEqual([]);
  });

  for (const job of [
    {
      role: 'pos',
      button: 'A POS lane only…',
      dialog: 'Make this browser a POS lane?',
      confirm: 'Make this browser a POS lane',
      ready: (page: Page) => page.getByLabel('Scan or type a sku / barcode').waitFor({ timeout: 30_000 }),
      heading: 'This is a POS screen',
      back: 'Back to the POS',
      refused: ['/handheld.html', '/pickup.html', '/'],
      apis: [
        ['GET', '/api/bopis/pickups'],
        ['POST', '/api/stock/movements'],
        ['GET', '/api/devices'],
      ],
      own: ['GET', '/api/catalog/products?q=tea'],
    },
    {
      role: 'pickup',
      button: 'The pickup desk only…',
      dialog: 'Make this browser the pickup desk?',
      confirm: 'Make this browser the pickup desk',
      ready: (page: Page) => page.locator('#sync-badge').waitFor({ timeout: 30_000 }),
      heading: 'This is the pickup desk',
      back: 'Back to the pickup desk',
      refused: ['/pos.html', '/handheld.html', '/'],
      apis: [
        ['POST', '/api/pos/sales'],
        ['POST', '/api/stock/counts'],
        ['GET', '/api/catalog/products'],
      ],
      own: ['GET', '/api/bopis/pickups'],
    },
  ] as const) {
    it(`"Use this screen as …" makes a browser ${job.role === 'pos' ? 'a POS lane' : 'the pickup desk'}, by keyboard, after a confirmation; then it opens only that page`, async () => {
      const context = await fresh();
      const page = await context.newPage();
      const errors = pageErrors(page);
      await page.goto(`${node.url}/`);
      await page.getByRole('heading', { name: 'Use this screen as …' }).waitFor({ timeout: 30_000 });
      const found = await seriousAxeViolations(page);
      expect(found, describeAxe(found)).toEqual([]);

      // by keyboard alone: focus the button, open the dialog, cancel with Escape, open again, confirm
      const button = page.getByRole('button', { name: job.button });
      const box = await button.boundingBox();
      expect(box!.height).toBeGreaterThanOrEqual(44);
      await button.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: job.dialog });
      await dialog.waitFor({ timeout: 30_000 });
      expect(await dialog.textContent()).toContain('will be refused in it, in every tab, until you undo it');
      expect(await dialog.textContent()).toContain(
        'It stays so after the browser or the machine restarts (for 400 days)',
      );
      const inDialog = await seriousAxeViolations(page);
      expect(inDialog, describeAxe(inDialog)).toEqual([]);
      await screenshot(page, `index-${job.role}-confirm-1920`);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
      expect((await context.cookies()).find((c) => c.name === 'sf_screen')).toBeUndefined();

      await button.focus();
      await page.keyboard.press('Enter');
      await dialog.waitFor({ timeout: 30_000 });
      if (job.role === 'pos') {
        // a POS screen is a lane of the store: the dialog asks which (its own sale numbers and open basket)
        await dialog.getByLabel('Which lane is this till? (1–99)').focus();
        await page.keyboard.type('5');
      }
      await dialog.getByRole('button', { name: job.confirm }).focus();
      await page.keyboard.press('Enter');
      await job.ready(page);
      if (job.role === 'pos')
        expect((await context.cookies()).find((c) => c.name === 'sf_lane')).toMatchObject({
          value: '5',
          httpOnly: true,
        });
      expect(new URL(page.url()).pathname).toBe(`/${job.role}.html`);
      expect((await context.cookies()).find((c) => c.name === 'sf_screen')).toMatchObject({
        value: job.role,
        httpOnly: true,
        sameSite: 'Strict',
      });
      expect(await fetchFrom(page, job.own[0], job.own[1])).toBe(200);
      // its status bar links only to its own pages (the pickup desk's counter is also the delivery desk): the others
      // would be refused here
      const nav = page.getByRole('navigation', { name: 'Store pages' });
      await expect
        .poll(() => nav.getByRole('link').allTextContents(), { timeout: 30_000 })
        .toEqual(job.role === 'pos' ? ['POS'] : ['Pickups', 'Deliveries']);
      const screen = await seriousAxeViolations(page);
      expect(screen, describeAxe(screen)).toEqual([]);
      await screenshot(page, `${job.role}-screen-1920`);
      for (const [method, path] of job.apis) expect(await fetchFrom(page, method, path), `${method} ${path}`).toBe(403);

      // a second tab of the same browser is the same screen
      const other = await context.newPage();
      for (const path of job.refused) {
        const res = await other.goto(`${node.url}${path}`);
        expect(res?.status(), path).toBe(403);
        await other.getByRole('heading', { name: job.heading }).waitFor({ timeout: 30_000 });
      }
      const refusal = await seriousAxeViolations(other);
      expect(refusal, describeAxe(refusal)).toEqual([]);
      await screenshot(other, `refused-${job.role}-screen-1920`);
      await other.getByRole('link', { name: job.back }).click();
      await job.ready(other);
      expect(new URL(other.url()).pathname).toBe(`/${job.role}.html`);
      expect(errors).toEqual([]);
    });
  }

  it('an unmarked browser on the node’s machine stays the back office: every staff page opens', async () => {
    const page = await (await fresh()).newPage();
    for (const path of [...STAFF_PAGES, '/']) {
      const res = await page.goto(`${node.url}${path}`);
      expect(res?.status(), path).toBe(200);
    }
  });
});
