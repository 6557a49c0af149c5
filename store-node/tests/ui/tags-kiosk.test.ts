import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { dbTargets } from '@storefleet/central/testing';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { smallTargets } from '../support/targets.js';

const target = dbTargets.at(-1)!;
const ADMIN = { email: 'tags-kiosk-admin@example.test', password: 'a long enough password' };
const WAIT = { timeout: 30_000 };
const product = (sku: string, name: string, category: string, priceMinor: number) => ({
  sku,
  name,
  category,
  priceMinor,
  taxClass: 'STANDARD',
});
const PRODUCTS = [
  product('OIL-OLIVE', 'Extra virgin olive oil', 'Pantry', 1049),
  product('OIL-SUN', 'Sunflower oil', 'Pantry', 349),
  product('RICE', 'Wild rice', 'Pantry', 299),
  product('APPLE', 'Gala apples', 'Produce', 359),
  product('PEAR', 'Conference pears', 'Produce', 249),
  product('CHARGER', 'USB-C charger', 'General Merchandise', 1999),
];
/** Stock here: the sunflower oil low (2), the rice none at all. */
const STOCK: Record<string, number> = { 'OIL-OLIVE': 12, 'OIL-SUN': 2, APPLE: 40, PEAR: 30, CHARGER: 5 };

/** Electronics > Mobile > {Smartphones, Accessories}; Food > {Pantry > Oils, Produce}; Organic (an attribute). */
const TAGS = [
  [1, 'electronics', 'Electronics', 'CATEGORY', null, 'electronics'],
  [2, 'mobile', 'Mobile', 'CATEGORY', 1, 'electronics.mobile'],
  [3, 'smartphones', 'Smartphones', 'CATEGORY', 2, 'electronics.mobile.smartphones'],
  [4, 'accessories', 'Accessories', 'CATEGORY', 2, 'electronics.mobile.accessories'],
  [5, 'food', 'Food', 'CATEGORY', null, 'food'],
  [6, 'pantry', 'Pantry', 'CATEGORY', 5, 'food.pantry'],
  [7, 'oils', 'Oils', 'CATEGORY', 6, 'food.pantry.oils'],
  [8, 'produce', 'Produce', 'CATEGORY', 5, 'food.produce'],
  [9, 'organic', 'Organic', 'ATTRIBUTE', null, 'organic'],
] as const;
const GIVEN: Record<string, number[]> = {
  'OIL-OLIVE': [7, 9],
  'OIL-SUN': [7],
  RICE: [6],
  APPLE: [8, 9],
  PEAR: [8],
  CHARGER: [4],
};

async function expectAccessible(page: Page, state: string): Promise<void> {
  const found = await seriousAxeViolations(page);
  expect(found, `${state}:\n${describeAxe(found)}`).toEqual([]);
  expect(await smallTargets(page), state).toEqual([]);
}
const names = (l: Locator) => l.evaluateAll((els) => els.map((e) => e.textContent));

describe.skipIf(!haveChromium && !process.env.CI)(
  `the kiosk’s Browse by tag, offline, in Chromium (${target.name})`,
  () => {
    let f: SyncFixture;
    let browser: Browser;
    let store: StoreNode;
    let cookie: string;
    let hubPort: string;

    const hubCall = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(f.hubUrl + path, {
        method,
        headers: { cookie, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json().catch(() => null)) as any };
    };

    beforeAll(async () => {
      const dataDir = target.name === 'pglite' ? mkdtempSync(join(tmpdir(), 'sf-tags-kiosk-hub-')) : undefined;
      f = await SyncFixture.start(target, dataDir ? { dataDir } : {});
      await f.hub.auth.createUser({ ...ADMIN, name: 'Tags admin', role: 'ADMIN' });
      cookie = `sf_session=${(await f.hub.auth.login(ADMIN.email, ADMIN.password, 'test')).sessionToken}`;
      await hubCall('POST', '/api/catalog/products/import', { items: PRODUCTS });
      store = await f.store('TAGS1', { name: 'Harbour Street' });
      await waitFor('the catalog at the store', () => store.pos.repo.product('CHARGER', undefined), 120_000);
      for (const [sku, delta] of Object.entries(STOCK))
        await fetch(`${store.url}/api/stock/movements`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sku, delta, kind: 'RECEIVE' }),
        });
      // Head office makes the tags and tags the products; the store pulls its copy (the hub's tags.changed notice,
      // then its tags section), as every store does.
      const hubId = new Map<number, number>();
      for (const [id, slug, name, kind, parentId] of TAGS) {
        const made = await hubCall('POST', '/api/tags', {
          slug,
          name,
          kind,
          parentId: parentId === null ? null : hubId.get(parentId),
        });
        expect(made.status, JSON.stringify(made.body)).toBe(201);
        hubId.set(id, made.body.id);
      }
      for (const [sku, ids] of Object.entries(GIVEN)) {
        const given = await hubCall('PUT', `/api/tags/products/${sku}`, { tagIds: ids.map((i) => hubId.get(i)) });
        expect(given.status, JSON.stringify(given.body)).toBe(200);
      }
      const { version } = (await hubCall('GET', '/api/tags')).body;
      await waitFor('the tags at the store', () => store.tags.status().version >= version, 120_000);
      hubPort = new URL(f.hubUrl).port;
      await f.hub.stop(); // head office unreachable from here on: the kiosk answers from the store's copy
      browser = await launchChromium();
    }, 600_000);
    afterAll(async () => {
      await browser?.close();
      await f?.startHub(Number(hubPort)).catch(() => undefined); // the fixture stops a running hub
      await f?.stop();
    });

    const openKiosk = async () => {
      const page = await browser.newPage({ viewport: DESKTOP });
      const errors = pageErrors(page);
      await page.goto(`${store.url}/kiosk.html`);
      await page.getByRole('region', { name: 'Browse by tag' }).getByRole('button').first().waitFor(WAIT);
      return { page, errors, area: page.getByRole('region', { name: 'Browse by tag' }) };
    };

    it('a customer taps Food, then Pantry: its products with price and stock here, children with counts, a breadcrumb back', async () => {
      const { page, errors, area } = await openKiosk();
      await expect(fetch(`${f.hubUrl}/healthz`)).rejects.toThrow(); // head office is down
      const chips = area.locator('.tag-chips button');
      expect(await names(chips)).toEqual(['Electronics1 product', 'Food5 products', 'Organic2 products']);
      expect(await area.getByRole('article').count()).toBe(0); // no products until a tag is tapped
      await expectAccessible(page, 'root tags');

      await area.getByRole('button', { name: 'Food 5 products' }).click();
      const heading = area.locator('.tag-count');
      await expect.poll(() => heading.textContent(), WAIT).toBe('Food: 5 products here');
      expect(await names(chips)).toEqual(['Pantry3 products', 'Produce2 products']);
      expect(await area.getByRole('article').evaluateAll((a) => a.map((e) => e.getAttribute('aria-label')))).toEqual([
        'Conference pears',
        'Extra virgin olive oil',
        'Gala apples',
        'Sunflower oil',
        'Wild rice',
      ]);
      expect(
        await area.getByRole('navigation', { name: 'Tags chosen' }).getByRole('listitem').allTextContents(),
      ).toEqual(['All tags', 'Food']);
      await expectAccessible(page, 'Food');

      await area.getByRole('button', { name: 'Pantry 3 products' }).click();
      await expect.poll(() => heading.textContent(), WAIT).toBe('Pantry: 3 products here');
      expect(await names(chips)).toEqual(['Oils2 products']);
      const card = (name: string) => area.getByRole('article', { name });
      expect(await card('Extra virgin olive oil').locator('.price').textContent()).toBe('$10.49');
      expect(await card('Extra virgin olive oil').locator('.badge').textContent()).toBe('In stock here');
      expect(await card('Sunflower oil').locator('.price').textContent()).toBe('$3.49');
      expect(await card('Sunflower oil').locator('.badge').textContent()).toBe('Low stock here — 2 left');
      expect(await card('Wild rice').locator('.badge').textContent()).toBe('Out of stock here — check nearby');
      expect(
        await area.getByRole('navigation', { name: 'Tags chosen' }).getByRole('listitem').allTextContents(),
      ).toEqual(['All tags', 'Food', 'Pantry']);
      await expectAccessible(page, 'Food › Pantry');
      await screenshot(page, 'kiosk-tags-pantry-offline-1920');

      // The breadcrumb goes back a step, then to every tag.
      await area.getByRole('button', { name: 'Food' }).click();
      await expect.poll(() => heading.textContent(), WAIT).toBe('Food: 5 products here');
      await area.getByRole('button', { name: 'All tags' }).click();
      await expect
        .poll(() => names(chips), WAIT)
        .toEqual(['Electronics1 product', 'Food5 products', 'Organic2 products']);
      expect(await area.getByRole('article').count()).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    }, 180_000);

    it('a tag no product here carries says so in words; the attribute tags filter too', async () => {
      const { page, errors, area } = await openKiosk();
      await area.getByRole('button', { name: 'Electronics 1 product' }).click();
      await area.getByRole('button', { name: 'Mobile 1 product' }).click();
      const chips = area.locator('.tag-chips button');
      await expect.poll(() => names(chips), WAIT).toEqual(['Accessories1 product', 'Smartphones0 products']);
      await area.getByRole('button', { name: 'Smartphones 0 products' }).click();
      const heading = area.locator('.tag-count');
      await expect.poll(() => heading.textContent(), WAIT).toBe('No products carry Smartphones here');
      expect(await area.getByRole('article').count()).toBe(0);
      await expectAccessible(page, 'Smartphones: none here');
      await screenshot(page, 'kiosk-tags-none-1920');

      await area.getByRole('button', { name: 'All tags' }).click();
      await area.getByRole('button', { name: 'Organic 2 products' }).click();
      await expect.poll(() => heading.textContent(), WAIT).toBe('Organic: 2 products here');
      expect(await area.getByRole('article').evaluateAll((a) => a.map((e) => e.getAttribute('aria-label')))).toEqual([
        'Extra virgin olive oil',
        'Gala apples',
      ]);
      expect(errors).toEqual([]);
      await page.close();
    }, 180_000);

    it('by keyboard alone: Tab from the search reaches the chips with a visible ring; Enter narrows and focus lands on the result', async () => {
      const { page } = await openKiosk();
      await page.getByLabel('Search by name, brand or barcode').focus();
      const rings: string[] = [];
      let chip = '';
      for (let i = 0; i < 6 && !chip; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate<{ text: string; outline: string; chip: boolean }>(
          `(() => { const e = document.activeElement; const s = getComputedStyle(e);
           return { text: e.textContent.trim(), outline: s.outlineStyle + ' ' + s.outlineWidth,
                    chip: e.classList.contains('tag-chip') }; })()`,
        );
        rings.push(`${focused.text}: ${focused.outline}`);
        if (focused.chip) chip = focused.text;
      }
      expect(chip, rings.join('\n')).toBe('Electronics1 product');
      expect(
        rings.filter((r) => !r.endsWith('solid 3px')),
        rings.join('\n'),
      ).toEqual([]);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter'); // Food
      await expect
        .poll(() => page.evaluate<string | undefined>('document.activeElement?.textContent'), WAIT)
        .toBe('Food: 5 products here');
      await page.close();
    }, 180_000);
  },
);
