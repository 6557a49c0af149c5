import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createStoreNode, type StoreNode } from '../../store-node/src/index.js';
import { launchChromium, shot, skipWithoutChromium, UI_WAIT_MS } from './support/console-fixture.js';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/** What the page did: every request it made (by URL), and every error its scripts threw or the console reported. */
function watch(page: Page): { requests: string[]; errors: string[] } {
  const seen = { requests: [] as string[], errors: [] as string[] };
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('pageerror', (e) => seen.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') seen.errors.push(m.text());
  });
  return seen;
}

/** The requests that left for anywhere but `origin` (data: and blob: URLs never leave the page). */
const elsewhere = (requests: readonly string[], origin: string) =>
  requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin);

/**
 * Scrolls down a screen at a time, as a person would, until `target` is in the page: Swagger UI renders only the
 * operations near the screen, so one far down the list is not in the page until it is scrolled to. Fails at the
 * bottom of the page.
 */
async function scrollTo(page: Page, target: ReturnType<Page['locator']>): Promise<void> {
  for (;;) {
    if (await target.count()) return target.first().scrollIntoViewIfNeeded();
    const atBottom = await page.evaluate(() => {
      const bottom = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
      window.scrollBy(0, Math.round(window.innerHeight / 2)); // half a screen: an operation stays in view for two steps
      return bottom;
    });
    if (atBottom) throw new Error(`scrolled to the bottom of the docs page without finding ${String(target)}`);
    await page.waitForTimeout(150);
  }
}

/**
 * Opens `origin`'s docs page as a person would, waits for Swagger UI to list the operations, and returns the page and
 * what it did. The operation `method path` must be listed: `data-path` is the path as Swagger UI shows it.
 */
async function openDocs(browser: Browser, origin: string, method: string, path: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const seen = watch(page);
  await page.goto(`${origin}/api-docs/`);
  const operation = page
    .locator(`.opblock-${method.toLowerCase()}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
  await operation.first().waitFor({ state: 'visible', timeout: UI_WAIT_MS });
  return { context, page, seen, operation };
}

/**
 * The docs page works in a real browser (issue #26): Debian's Chromium opens the hub's `/api-docs/`, Swagger UI (served
 * from the installed swagger-ui-dist) renders the operations of the hub's own `/openapi.json`, a customer-facing
 * operation is listed and opens to show the answer the document promises, and nothing is fetched from any other host
 * (no CDN, no validator badge) nor refused by the page's Content-Security-Policy.
 */
describe.skipIf(skipWithoutChromium)('the API docs page in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(() => browser?.close());

  describe('the hub’s', () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await TestHub.start(dbTargets[0]!);
    }, 120_000);
    afterAll(() => t?.stop());

    it('lists POST /api/account/sign-in, opens it with its answer, and loads nothing from another host', async () => {
      const origin = new URL(t.url).origin;
      const { context, page, seen, operation } = await openDocs(browser, origin, 'POST', '/api/account/sign-in');
      try {
        await expect.poll(() => operation.count()).toBe(1);
        await expect.poll(() => operation.locator('.opblock-summary-method').textContent()).toBe('POST');
        // open the sign-in: its 200 answer names the fields the document promises (the account, the token, its expiry)
        await operation.locator('.opblock-summary').first().click();
        const answers = operation.locator('.responses-wrapper');
        await answers.waitFor({ state: 'visible', timeout: UI_WAIT_MS });
        await expect.poll(() => answers.textContent(), { timeout: UI_WAIT_MS }).toMatch(/expiresAt/);
        expect(await answers.textContent()).toMatch(/customerId/);
        // far down the list, under its module's tag: a product's read, whose answer names its price
        const product = page
          .locator('.opblock-get')
          .filter({ has: page.locator('.opblock-summary-path[data-path="/api/catalog/products/{sku}"]') });
        await scrollTo(page, product);
        await product.locator('.opblock-summary').first().click();
        const productAnswers = product.locator('.responses-wrapper');
        await productAnswers.waitFor({ state: 'visible', timeout: UI_WAIT_MS });
        await expect.poll(() => productAnswers.textContent(), { timeout: UI_WAIT_MS }).toMatch(/priceMinor/);
        await shot(page, 'api-docs-hub');
        // Swagger UI's stand-in for a part it failed to draw
        expect(await page.getByText('Could not render').count()).toBe(0);
        expect(seen.requests.some((u) => u === `${origin}/openapi.json`)).toBe(true);
        expect(elsewhere(seen.requests, origin)).toEqual([]);
        expect(seen.errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });

  describe('the store node’s', () => {
    let dir: string;
    let node: StoreNode;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sf-api-docs-'));
      node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), port: 0, logLevel: 'silent', mode: 'test' });
      await node.start();
    });
    afterAll(async () => {
      await node?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('lists the node’s operations and loads nothing from another host', async () => {
      const origin = new URL(node.url ?? 'the node did not start').origin;
      const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, object> };
      const path = Object.keys(doc.paths).find((p) => 'get' in doc.paths[p]! && p.startsWith('/api/'));
      expect(path, 'the node documents a GET under /api').toBeDefined();
      const { context, page, seen } = await openDocs(browser, origin, 'GET', path!);
      try {
        await shot(page, 'api-docs-store-node');
        expect(await page.getByText('Could not render').count()).toBe(0);
        expect(elsewhere(seen.requests, origin)).toEqual([]);
        expect(seen.errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
});
