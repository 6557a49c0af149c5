import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import type { RecsStoreTop } from '@storefleet/shared';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { smallTargets } from '../support/targets.js';

const WAIT = { timeout: 30_000 };
const PRODUCTS: [sku: string, name: string, category: string, priceMinor: number, onHand: number][] = [
  ['MILK', 'Whole milk 1 l', 'Dairy', 129, 40],
  ['BUTTER', 'Salted butter', 'Dairy', 299, 20],
  ['CHEESE', 'Mature cheddar', 'Dairy', 449, 12],
  ['BREAD', 'Sourdough loaf', 'Bakery', 350, 15],
  ['JAM', 'Strawberry jam', 'Pantry', 279, 9],
  ['COFFEE', 'Ground coffee', 'Pantry', 699, 8],
  ['KETTLE', 'Stovetop kettle', 'Kitchen', 3499, 0], // out of stock here
];
const popular = (sku: string, category: string, score: number) => ({
  sku,
  category,
  score,
  reason: 'Popular at this store',
});
const TOP: RecsStoreTop = {
  modelVersion: 1,
  generatedAt: 1_700_000_000_000,
  items: [
    popular('MILK', 'Dairy', 1),
    popular('KETTLE', 'Kitchen', 0.9),
    popular('COFFEE', 'Pantry', 0.8),
    popular('BREAD', 'Bakery', 0.7),
    popular('BUTTER', 'Dairy', 0.2),
  ],
  pairs: [
    {
      sku: 'MILK',
      with: [
        { sku: 'BREAD', score: 1, reason: 'Customers who bought Whole milk 1 l also bought this' },
        { sku: 'KETTLE', score: 0.8, reason: 'Customers who bought Whole milk 1 l also bought this' },
      ],
    },
    { sku: 'BREAD', with: [{ sku: 'JAM', score: 1, reason: 'Customers who bought Sourdough loaf also bought this' }] },
  ],
};

async function expectAccessible(page: Page, state: string): Promise<void> {
  const found = await seriousAxeViolations(page);
  expect(found, `${state}:\n${describeAxe(found)}`).toEqual([]);
  expect(await smallTargets(page), state).toEqual([]);
}
/** Each card of a shelf: its name and its reason. */
const cards = (shelf: Locator) =>
  shelf
    .locator('article.product')
    .evaluateAll((els) =>
      els.map((e) => [e.querySelector('.product-name')?.textContent, e.querySelector('.reason')?.textContent]),
    );

/**
 * Issue #21, the kiosk's "You may also like" as a customer sees it, on a store node with no hub at all (the store's
 * list came through its feed before the network went): on the home page and on a product's page, each item with its
 * name, price and reason; tapping one opens it; the products looked at re-rank the list; nothing shown when the store
 * has no list yet.
 */
describe.skipIf(!haveChromium && !process.env.CI)('the kiosk’s “You may also like”, offline, in Chromium', () => {
  let node: StoreNode;
  let browser: Browser;
  const viewed = () =>
    (
      node.db.prepare("SELECT payload FROM sync_outbox WHERE type = 'recs.viewed' ORDER BY seq").all() as {
        payload: string;
      }[]
    ).map((r) => JSON.parse(r.payload) as { sku: string; sessionId: string; customerId: string | null });

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-kiosk-recs-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      name: 'Quay Road',
    });
    const put = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
       VALUES (?, NULL, ?, NULL, NULL, ?, ?, 'USD', 'STANDARD', 1)`,
    );
    for (const [sku, name, category, price] of PRODUCTS) put.run(sku, name, category, price);
    await node.start();
    for (const [sku, , , , onHand] of PRODUCTS)
      if (onHand)
        await fetch(`${node.url}/api/stock/movements`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sku, delta: onHand, kind: 'RECEIVE' }),
        });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('shows nothing before the store has a list, then the list with reasons; a tap opens the product', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${node.url}/kiosk.html?idleSeconds=20`);
    await page.getByRole('region', { name: 'Dairy' }).waitFor(WAIT);
    const like = page.getByRole('region', { name: 'You may also like' });
    expect(await like.count()).toBe(0);
    await page.getByRole('region', { name: 'Dairy' }).getByRole('button', { name: 'Whole milk 1 l' }).click();
    await page.getByRole('heading', { name: 'Whole milk 1 l', level: 2 }).waitFor(WAIT);
    expect(await like.count()).toBe(0);
    await expectAccessible(page, 'a product page with nothing to recommend');

    // The hub's list arrives through the feed; the next customer's home page has it.
    const cursor = node.sync.storage.feedCursor();
    node.sync.storage.applyFeed([{ seq: cursor + 1, type: 'recs.store-top', createdAt: 1, payload: TOP }]);
    await page.goto(`${node.url}/kiosk.html?idleSeconds=20`);
    await like.waitFor(WAIT);
    // in stock here only (no kettle), with the price and the reason on each card
    expect(await cards(like)).toEqual([
      ['Whole milk 1 l', 'Popular at this store'],
      ['Ground coffee', 'Popular at this store'],
      ['Sourdough loaf', 'Popular at this store'],
      ['Salted butter', 'Popular at this store'],
    ]);
    expect(await like.locator('article.product').first().locator('.price').textContent()).toBe('$1.29');
    expect(await page.locator('.reason').count(), 'reasons only on the recommendations').toBe(4);
    await expectAccessible(page, 'the home page with “You may also like”');
    await screenshot(page, 'kiosk-recommendations-home');

    // A product's page: what is bought with it first, then popular here; never the product itself.
    const views = viewed().length;
    await like.getByRole('button', { name: 'Whole milk 1 l' }).click();
    await page.getByRole('heading', { name: 'Whole milk 1 l', level: 2 }).waitFor(WAIT);
    await like.waitFor(WAIT);
    expect(await cards(like)).toEqual([
      ['Sourdough loaf', 'Customers who bought Whole milk 1 l also bought this'],
      ['Ground coffee', 'Popular at this store'],
      ['Salted butter', 'Popular at this store'],
    ]);
    await expectAccessible(page, 'a product page with “You may also like”');
    await screenshot(page, 'kiosk-recommendations-product');
    // the view reached the outbox once, for no customer (nobody opened a cart at this screen)
    expect(viewed().slice(views)).toEqual([expect.objectContaining({ sku: 'MILK', customerId: null })]);

    // Tapping a recommendation opens it, with its own list (jam goes with bread, and milk was looked at).
    await like.getByRole('button', { name: 'Sourdough loaf' }).click();
    await page.getByRole('heading', { name: 'Sourdough loaf', level: 2 }).waitFor(WAIT);
    await expect
      .poll(() => cards(like), WAIT)
      .toEqual([
        ['Strawberry jam', 'Customers who bought Sourdough loaf also bought this'],
        ['Whole milk 1 l', 'Popular at this store'],
        ['Ground coffee', 'Popular at this store'],
        ['Salted butter', 'Popular at this store'],
      ]);
    expect(
      viewed()
        .slice(views)
        .map((v) => v.sku),
    ).toEqual(['MILK', 'BREAD']);
    expect(
      new Set(
        viewed()
          .slice(views)
          .map((v) => v.sessionId),
      ).size,
    ).toBe(1);

    // Back home: this customer's list is re-ranked by what they looked at.
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('heading', { name: 'In this store', level: 2 }).waitFor(WAIT);
    await expect
      .poll(() => cards(like), WAIT)
      .toEqual([
        ['Sourdough loaf', 'Because you looked at Whole milk 1 l'],
        ['Strawberry jam', 'Because you looked at Sourdough loaf'],
        ['Whole milk 1 l', 'Popular at this store'],
        ['Ground coffee', 'Popular at this store'],
        ['Salted butter', 'Popular at this store'],
      ]);
    await expectAccessible(page, 'the home page re-ranked by the session');

    // The screen clears after a while untouched (here 20 s, on a product's page): the next customer starts afresh.
    await like.getByRole('button', { name: 'Strawberry jam' }).click();
    await page.getByRole('heading', { name: 'Strawberry jam', level: 2 }).waitFor(WAIT);
    await page.getByRole('heading', { name: 'In this store', level: 2 }).waitFor({ timeout: 60_000 });
    await expect
      .poll(() => cards(like), WAIT)
      .toEqual([
        ['Whole milk 1 l', 'Popular at this store'],
        ['Ground coffee', 'Popular at this store'],
        ['Sourdough loaf', 'Popular at this store'],
        ['Salted butter', 'Popular at this store'],
      ]);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000); // Chromium, axe four times and a 20 s idle: generous for a loaded machine
});
