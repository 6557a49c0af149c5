import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { CatalogProduct } from '@storefleet/shared';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { upsertCatalog } from '../../src/catalog/catalog-sink.js';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { HANDHELD, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { smallTargets } from '../support/targets.js';

const WAIT = { timeout: 30_000 };

/**
 * 1,250 pantry products (SF-0001…SF-1250), the first 300 organic and every fifth frozen (so 60 organic ones are
 * frozen, 240 are not); two produce products, both organic; nothing under Snacks.
 */
const PANTRY = 1250;
const sku = (i: number) => `SF-${String(i).padStart(4, '0')}`;
const product = (s: string, name: string, category: string): CatalogProduct => ({
  sku: s,
  gtin: null,
  name,
  brand: 'Demo Farms',
  size: null,
  category,
  priceMinor: 399,
  currency: 'USD',
  taxClass: 'REDUCED',
  updatedAt: 1,
  version: 1,
});
const PRODUCTS = [
  ...Array.from({ length: PANTRY }, (_, i) => product(sku(i + 1), `Pantry item ${sku(i + 1)}`, 'Pantry')),
  product('APPLE', 'Gala apples', 'Produce'),
  product('PEAR', 'Conference pears', 'Produce'),
];
const tag = (id: number, slug: string, name: string, tagKind: string, parentId: number | null, path: string) => ({
  kind: 'tag',
  id,
  slug,
  name,
  tagKind,
  parentId,
  path,
  deleted: false,
  version: 1,
  updatedAt: 1,
});
/** The hub's tags section as the store pulls it (lane D's `tagsPullRowSchema` rows), written by the store's own pull. */
const ROWS = [
  tag(1, 'food', 'Food', 'CATEGORY', null, 'food'),
  tag(2, 'pantry', 'Pantry', 'CATEGORY', 1, 'food.pantry'),
  tag(3, 'produce', 'Produce', 'CATEGORY', 1, 'food.produce'),
  tag(4, 'snacks', 'Snacks', 'CATEGORY', 1, 'food.snacks'),
  tag(5, 'organic', 'Organic', 'ATTRIBUTE', null, 'organic'),
  tag(6, 'frozen', 'Frozen', 'ATTRIBUTE', null, 'frozen'),
  ...Array.from({ length: PANTRY }, (_, i) => ({
    kind: 'product',
    sku: sku(i + 1),
    tagIds: [2, ...(i < 300 ? [5] : []), ...(i % 5 === 0 ? [6] : [])],
    version: 1,
    updatedAt: 1,
  })),
  { kind: 'product', sku: 'APPLE', tagIds: [3, 5], version: 1, updatedAt: 1 },
  { kind: 'product', sku: 'PEAR', tagIds: [3, 5], version: 1, updatedAt: 1 },
];

async function expectAccessible(page: Page, state: string): Promise<void> {
  const found = await seriousAxeViolations(page);
  expect(found, `${state}:\n${describeAxe(found)}`).toEqual([]);
  expect(await smallTargets(page), state).toEqual([]);
}

describe.skipIf(!haveChromium && !process.env.CI)('the handheld’s products by tag, in Chromium at 390×844', () => {
  let node: StoreNode;
  let browser: Browser;
  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-tags-hh-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    upsertCatalog(node.db, PRODUCTS);
    node.db.transaction(() => node.tags.repo.applyPage(ROWS, null, Date.now())).immediate();
    await node.start();
    const hand = (s: string, delta: number) =>
      fetch(`${node.url}/api/stock/movements`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: s, delta, kind: 'RECEIVE' }),
      });
    await hand(sku(1), 1234);
    await hand('APPLE', 7);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  const open = async () => {
    const page = await browser.newPage({ viewport: HANDHELD });
    const errors = pageErrors(page);
    await page.goto(`${node.url}/handheld.html`);
    await page.getByRole('region', { name: 'Products by tag' }).getByRole('button', { name: /^Food/ }).waitFor(WAIT);
    return { page, errors };
  };
  const area = (page: Page) => page.getByRole('region', { name: 'Products by tag' });
  const chipNames = (page: Page) =>
    area(page)
      .locator('.tag-chips button')
      .evaluateAll((bs) => bs.map((b) => b.textContent));

  it('a query narrows with AND NOT, says how many match (1,234 style) and lists sku and on hand; chips narrow further', async () => {
    const { page, errors } = await open();
    // Before any query: the root tags with the products carrying each, numbers grouped.
    expect(await chipNames(page)).toEqual(['Food1,252 products', 'Frozen250 products', 'Organic302 products']);
    await expectAccessible(page, 'tags, nothing chosen');

    await page.getByLabel('Tag query').fill('tag:organic AND NOT tag:frozen');
    await page.keyboard.press('Enter');
    const count = area(page).locator('.tag-count'); // the query as the store read it, in its canonical form
    await expect.poll(() => count.textContent(), WAIT).toBe('242 products match organic AND NOT frozen');
    // The first page of results: sku, name and on hand, by name.
    const rows = area(page).locator('table tbody tr');
    await expect.poll(() => rows.count(), WAIT).toBe(50);
    expect(await rows.nth(0).locator('td, th').allTextContents()).toEqual(['PEAR', 'Conference pearsDemo Farms', '0']);
    expect(await rows.nth(1).locator('td, th').allTextContents()).toEqual(['APPLE', 'Gala applesDemo Farms', '7']);
    expect(await rows.nth(2).locator('td').first().textContent()).toBe(sku(2)); // SF-0001 is frozen
    // The chips are counted among the results: Food 242, Organic 242, Frozen none.
    expect(await chipNames(page)).toEqual(['Food242 products', 'Frozen0 products', 'Organic242 products']);
    await expectAccessible(page, 'a query’s results');

    // Show more: the next page, and the keyboard goes on from its first row.
    await area(page).getByRole('button', { name: 'Show more' }).click();
    await expect.poll(() => rows.count(), WAIT).toBe(100);

    // A chip narrows the query's results to a tag; the breadcrumb goes back.
    await area(page).getByRole('button', { name: /^Food/ }).click();
    await expect
      .poll(() => count.textContent(), WAIT)
      .toMatch(/^242 products match \(?organic AND NOT frozen\)? AND path:food$/); // the store's canonical text
    expect(await chipNames(page)).toEqual(['Pantry240 products', 'Produce2 products', 'Snacks0 products']);
    await area(page)
      .getByRole('button', { name: /^Produce/ })
      .click();
    await expect.poll(() => rows.count(), WAIT).toBe(2);
    expect(
      await area(page).getByRole('navigation', { name: 'Tags chosen' }).getByRole('listitem').allTextContents(),
    ).toEqual(['All tags', 'Food', 'Produce']);
    await expectAccessible(page, 'narrowed to Food › Produce');
    await screenshot(page, 'handheld-tags-produce-390');
    await area(page).getByRole('button', { name: 'All tags' }).click();
    await expect.poll(() => count.textContent(), WAIT).toBe('242 products match organic AND NOT frozen');

    // Numbers read grouped: the first pantry item's stock is 1,234.
    await page.getByLabel('Tag query').fill('tag:pantry AND tag:frozen AND tag:organic');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows.nth(0).locator('td.n').textContent(), WAIT).toBe('1,234');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('a query that does not parse shows the mistake with its position and a caret under it, and the field says so', async () => {
    const { page, errors } = await open();
    const field = page.getByLabel('Tag query');
    await field.fill('tag:organic AND AND tag:frozen');
    await page.getByRole('button', { name: 'Find' }).click();
    const alert = area(page).getByRole('alert');
    await expect.poll(() => alert.textContent(), WAIT).toMatch(/ — at character 17\.$/);
    // The query as typed with carets under the mistake (the second AND, characters 17–19).
    expect(await area(page).locator('.tag-caret').textContent()).toBe(
      'tag:organic AND AND tag:frozen\n                ^^^',
    );
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    // The field is described by the mistake (a screen reader reads it with the field) and has the mistake selected.
    expect(await field.getAttribute('aria-describedby')).toMatch(/^handheld-tag-err /);
    expect(await page.evaluate<boolean>('document.activeElement?.id === "handheld-tag-query"')).toBe(true);
    expect(
      await page.evaluate<[number, number]>(
        '[document.activeElement.selectionStart, document.activeElement.selectionEnd]',
      ),
    ).toEqual([16, 19]);
    expect(await area(page).locator('table').count()).toBe(0);
    await expectAccessible(page, 'a query refused');
    await screenshot(page, 'handheld-tags-refused-390');

    // An unknown tag is refused as at the hub, named with where it is written: the store's words as they are.
    await field.fill('organic OR no-such-tag');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => alert.textContent(), WAIT)
      .toBe('there is no tag "no-such-tag" at this store — at character 12.');
    expect(await area(page).locator('.tag-caret').textContent()).toBe('organic OR no-such-tag\n           ^^^^^^^^^^^');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('by keyboard alone: Tab reaches the chips with a visible ring, Enter narrows', async () => {
    const { page } = await open();
    await page.getByLabel('Tag query').focus();
    const rings: string[] = [];
    let onChip = false;
    for (let i = 0; i < 6 && !onChip; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate<{ text: string; outline: string; chip: boolean }>(
        `(() => { const e = document.activeElement; const s = getComputedStyle(e);
           return { text: e.textContent.trim(), outline: s.outlineStyle + ' ' + s.outlineWidth,
                    chip: e.classList.contains('tag-chip') }; })()`,
      );
      rings.push(`${focused.text}: ${focused.outline}`);
      onChip = focused.chip;
    }
    expect(onChip, rings.join('\n')).toBe(true);
    expect(
      rings.filter((r) => !r.endsWith('solid 3px')),
      rings.join('\n'),
    ).toEqual([]);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => area(page).locator('.tag-count').textContent(), WAIT)
      .toBe('1,252 products match path:food');
    await page.close();
  }, 180_000);

  it('says quietly how old the store’s tags are while head office has newer ones, and nothing once caught up', async () => {
    const { page, errors } = await open();
    const line = area(page).locator('.tag-freshness');
    expect(await line.isHidden()).toBe(true); // pulled and up to date: nothing said
    node.tags.repo.want(99, Date.now()); // head office announced a version this store has not pulled yet
    await page.reload();
    await expect.poll(() => line.textContent(), WAIT).toMatch(/^Tags as of \d{1,2}:\d{2}.* — updating…$/);
    expect(await line.getAttribute('role')).toBeNull(); // a line, not an alert
    await expectAccessible(page, 'tags behind head office');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
