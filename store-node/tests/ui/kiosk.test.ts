import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { dbTargets } from '@storefleet/central/testing';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { DESKTOP, HANDHELD, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';

const target = dbTargets.at(-1)!;
const ADMIN = { email: 'kiosk-admin@example.test', password: 'a long enough password' };
const WAIT = { timeout: 30_000 };
const product = (sku: string, name: string, category: string, priceMinor: number, brand?: string) => ({
  sku,
  name,
  category,
  priceMinor,
  taxClass: 'STANDARD',
  ...(brand ? { brand } : {}),
});
const PRODUCTS = [
  product('COLA-12', 'Cola, 12 cans', 'Beverages', 599, 'Fizz Co'),
  { ...product('COLA-ZERO', 'Cola Zero', 'Beverages', 199, 'Fizz Co'), featuredRank: 2 }, // head office features it
  product('WATER-6', 'Spring water, 6 bottles', 'Beverages', 349),
  { ...product('CHOC-DARK', 'Dark chocolate 70 %', 'Snacks', 299, 'Cacao Lane'), featuredRank: 1 },
  product('CHOC-MILK', 'Milk chocolate bar', 'Snacks', 149, 'Cacao Lane'),
  product('CRISPS', 'Sea salt crisps', 'Snacks', 249),
  product('MUG-RED', 'Red enamel mug', 'Kitchen', 1250),
  product('KETTLE', 'Stovetop kettle', 'Kitchen', 3499),
];
/** Stock at the kiosk's store: KETTLE none (out of stock here), CRISPS 2 (low), the rest plenty. */
const STOCK: Record<string, number> = {
  'COLA-12': 40,
  'COLA-ZERO': 25,
  'WATER-6': 30,
  'CHOC-DARK': 12,
  'CHOC-MILK': 20,
  CRISPS: 2,
  'MUG-RED': 8,
};

async function noSeriousAxe(page: Page, state: string) {
  const found = await seriousAxeViolations(page);
  expect(found, `${state}: ${describeAxe(found)}`).toEqual([]);
}

/** Every visible button, input and link is at least 44×44 CSS px (a finger at a kiosk). */
async function touchTargetsOk(page: Page, state: string) {
  // Evaluated as text: this test is compiled without the DOM's types.
  const small = await page.evaluate<{ what: string; w: number; h: number }[]>(`
    [...document.querySelectorAll('button, input, a[href], select')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => {
        const r = e.getBoundingClientRect();
        return { what: e.tagName + ' ' + (e.getAttribute('aria-label') ?? e.textContent.trim()), w: r.width, h: r.height };
      })
      .filter((t) => t.w < 44 || t.h < 44)`);
  expect(small, state).toEqual([]);
}

const isFocused = (l: Locator) => l.evaluate((e) => e.ownerDocument.activeElement === e);

describe.skipIf(!haveChromium && !process.env.CI)(
  `the kiosk as a customer uses it, in Chromium (${target.name})`,
  () => {
    let f: SyncFixture;
    let browser: Browser;
    let store: StoreNode;
    let storeId: string;
    let cookie: string;
    let ana: { id: string; loyaltyCard: string };

    const hubCall = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(f.hubUrl + path, {
        method,
        headers: { cookie, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as any;
    };
    const openKiosk = async (query = '') => {
      const page = await browser.newPage({ viewport: DESKTOP }); // a browser context of its own: a kiosk's
      await page.goto(`${store.url}/kiosk.html${query}`);
      await page.locator('.store-name').filter({ hasText: 'Quay Road' }).waitFor(WAIT);
      return page;
    };
    const openCart = async (page: Page, who: string) => {
      await page.getByLabel('Your customer card, phone number or e-mail').fill(who);
      await page.getByRole('button', { name: 'Open my cart' }).click();
      await page.getByRole('heading', { name: 'Hello, Ana' }).waitFor(WAIT);
    };

    beforeAll(async () => {
      const dataDir = target.name === 'pglite' ? mkdtempSync(join(tmpdir(), 'sf-kiosk-hub-')) : undefined;
      f = await SyncFixture.start(target, dataDir ? { dataDir } : {});
      await f.hub.auth.createUser({ ...ADMIN, name: 'Kiosk admin', role: 'ADMIN' });
      cookie = `sf_session=${(await f.hub.auth.login(ADMIN.email, ADMIN.password, 'test')).sessionToken}`;
      await hubCall('POST', '/api/catalog/products/import', { items: PRODUCTS });
      store = await f.store('KIOSK1', { name: 'Quay Road' });
      storeId = f.credentials.get('KIOSK1')!.storeId;
      await waitFor('the catalog at the store', () => store.pos.repo.product('KETTLE', undefined));
      for (const [sku, delta] of Object.entries(STOCK))
        await fetch(`${store.url}/api/stock/movements`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sku, delta, kind: 'RECEIVE' }),
        });
      await fetch(`${store.url}/api/stock/CRISPS/low-stock-at`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lowStockAt: 3 }),
      });
      await waitFor('stock at the hub', async () => {
        const { rows } = await f.hub.db.query<{ on_hand: number }>(
          'SELECT on_hand FROM inventory_stock WHERE store_id = $1 AND sku = $2',
          [storeId, 'MUG-RED'],
        );
        return rows[0]?.on_hand === 8;
      });
      ana = await hubCall('POST', '/api/customers', {
        name: 'Ana Lopes',
        email: 'ana.lopes@example.test',
        phone: '+1 (555) 201-4477',
      });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await f?.stop();
    });

    it('the home page shows what is in stock here by category, each with a category placeholder, price and stock wording', async () => {
      const page = await openKiosk();
      const errors = pageErrors(page);
      const beverages = page.getByRole('region', { name: 'Beverages' });
      await beverages.getByRole('article').first().waitFor(WAIT);
      // Head office's featured products first (a new store: no sales, full shelves), never an alphabetical list
      // called popular; no best sellers until the store has sold something.
      const shelves = await page.locator('#view-body h3').allTextContents();
      expect(shelves[0]).toBe('Featured');
      expect(shelves).not.toContain('Best sellers here');
      expect(
        await page
          .getByRole('region', { name: 'Featured' })
          .getByRole('article')
          .evaluateAll((a) => a.map((e) => e.getAttribute('aria-label'))),
      ).toEqual(['Dark chocolate 70 %', 'Cola Zero']);
      expect(await page.locator('#view-title').textContent()).toBe('In this store');
      expect(await page.getByText(/popular/i).count()).toBe(0);
      expect(await page.getByRole('region', { name: /Beverages|Snacks|Kitchen/ }).count()).toBe(3);
      // Only what is in stock here: the kettle (none here) is not featured.
      expect(await page.getByRole('article', { name: 'Stovetop kettle' }).count()).toBe(0);
      const crisps = page.getByRole('article', { name: 'Sea salt crisps' });
      await expect.poll(() => crisps.textContent(), WAIT).toMatch(/\$2\.49.*Low stock here — 2 left/);
      expect(await page.getByRole('article', { name: 'Red enamel mug' }).textContent()).toMatch(/In stock here/);
      // The placeholder: the category's initials, decoration only (hidden from screen readers).
      expect(await page.getByRole('article', { name: 'Red enamel mug' }).locator('.ph').textContent()).toBe('K');
      expect(await page.locator('.ph[aria-hidden="true"]').count()).toBeGreaterThanOrEqual(7);
      await noSeriousAxe(page, 'home');
      await touchTargetsOk(page, 'home');
      await screenshot(page, 'kiosk-home-1920');
      await page.setViewportSize(HANDHELD);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(HANDHELD.width);
      await screenshot(page, 'kiosk-home-390');
      expect(errors).toEqual([]);
      await page.close();
    });

    it('search is ranked: "cola" lists the colas and not chocolate; "choc" finds chocolate as you type; out of stock says check nearby', async () => {
      const page = await openKiosk();
      const errors = pageErrors(page);
      await page.getByLabel('Search by name, brand or barcode').fill('cola');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Results for “cola”' }).waitFor(WAIT);
      await expect
        .poll(() => page.getByRole('article').evaluateAll((a) => a.map((e) => e.getAttribute('aria-label'))), WAIT)
        .toEqual(['Cola Zero', 'Cola, 12 cans']);
      await noSeriousAxe(page, 'results');
      await touchTargetsOk(page, 'results');
      await screenshot(page, 'kiosk-results-1920');
      await page.getByLabel('Search by name, brand or barcode').fill('choc');
      await page.keyboard.press('Enter');
      await expect
        .poll(
          () => page.getByRole('article').evaluateAll((a) => a.map((e) => e.getAttribute('aria-label')).sort()),
          WAIT,
        )
        .toEqual(['Dark chocolate 70 %', 'Milk chocolate bar']);
      await page.getByLabel('Search by name, brand or barcode').fill('kettle');
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.getByRole('article', { name: 'Stovetop kettle' }).textContent(), WAIT)
        .toMatch(/Out of stock here — check nearby/);
      await page.getByLabel('Search by name, brand or barcode').fill('"NEAR(*');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Nothing matches “"NEAR(*”' }).waitFor(WAIT);
      expect(errors).toEqual([]);
      await page.close();
    });

    it('by keyboard alone: open the cart with an e-mail, search, open a product, add it; greeted by first name', async () => {
      const page = await openKiosk();
      const errors = pageErrors(page);
      await page.getByLabel('Your customer card, phone number or e-mail').focus();
      await page.keyboard.type('ana.lopes@example.test');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Hello, Ana' }).waitFor(WAIT);
      expect(await page.textContent('body')).not.toContain(ana.id); // the page never learns who it is beyond the name
      expect(await isFocused(page.getByLabel('Search by name, brand or barcode'))).toBe(true);
      // Choose pickup here first (the cart starts as shipping, and this test hub has no warehouse).
      await page.getByRole('button', { name: 'Pick up here' }).click();
      await page.getByText('✓ You’ll pick up your order at this store.').waitFor(WAIT);
      await page.getByLabel('Search by name, brand or barcode').focus();
      await page.keyboard.type('mug');
      await page.keyboard.press('Enter');
      const mugName = page.getByRole('button', { name: 'Red enamel mug', exact: true });
      await mugName.waitFor(WAIT);
      for (let i = 0; i < 5 && !(await isFocused(mugName)); i++) await page.keyboard.press('Tab'); // from the search field: Search, (Back), then the first product
      expect(await isFocused(mugName)).toBe(true);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Red enamel mug', level: 2 }).waitFor(WAIT);
      await page.getByRole('heading', { name: 'Stock at nearby stores' }).waitFor(WAIT);
      const add = page.locator('.product-detail').getByRole('button', { name: 'Add to cart' });
      for (let i = 0; i < 6 && !(await isFocused(add)); i++) await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByLabel('Quantity of Red enamel mug').waitFor(WAIT);
      await expect.poll(() => page.locator('#cart-msg').textContent(), WAIT).toBe('Added Red enamel mug.');
      await noSeriousAxe(page, 'product and cart open');
      await touchTargetsOk(page, 'product and cart open');
      await screenshot(page, 'kiosk-product-cart-1920');
      // Escape goes back to the results, to the product it came from.
      await page.keyboard.press('Escape');
      await page.getByRole('heading', { name: 'Results for “mug”' }).waitFor(WAIT);
      await expect.poll(() => isFocused(mugName), WAIT).toBe(true);
      await waitFor('the cart at the hub', async () =>
        (await hubCall('GET', `/api/carts/${ana.id}`)).lines?.some(
          (l: { sku: string; qty: number }) => l.sku === 'MUG-RED',
        ),
      );
      // An out-of-stock line for pickup here is refused as the hub refuses it, in plain words.
      await page.getByLabel('Search by name, brand or barcode').fill('kettle');
      await page.keyboard.press('Enter');
      await page.getByRole('article', { name: 'Stovetop kettle' }).getByRole('button', { name: 'Add to cart' }).click();
      await expect
        .poll(() => page.locator('#cart-msg').textContent(), WAIT)
        .toBe(
          'Stovetop kettle is out of stock in this store, so it can’t be added for pickup. Remove it, or ask us about other stores.',
        );
      await noSeriousAxe(page, 'a refused line');
      await screenshot(page, 'kiosk-refused-line-1920');
      // Done: the next customer sees nothing of Ana.
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('heading', { name: 'Your cart' }).waitFor(WAIT);
      expect(await page.textContent('body')).not.toContain('Ana');
      expect(await page.getByLabel('Quantity of Red enamel mug').count()).toBe(0);
      expect((await page.request.get(`${store.url}/api/kiosk/cart`)).ok()).toBe(true);
      expect(await (await page.request.get(`${store.url}/api/kiosk/cart`)).json()).toEqual({ firstName: null });
      expect(errors).toEqual([]);
      await page.close();
    });

    it('an “Add to cart” whose answer was lost, pressed again, adds the item once and shows the cart', async () => {
      const page = await openKiosk();
      const errors = pageErrors(page);
      await openCart(page, 'ana.lopes@example.test');
      // The first add reaches the node and the hub, but its answer never comes back to the page.
      let lost = false;
      await page.route('**/api/kiosk/cart/lines', async (route) => {
        if (lost) return route.continue();
        lost = true;
        await route.fetch();
        await route.abort('connectionreset');
      });
      await page.getByLabel('Search by name, brand or barcode').fill('spring water');
      await page.keyboard.press('Enter');
      const add = page
        .getByRole('article', { name: 'Spring water, 6 bottles' })
        .getByRole('button', { name: 'Add to cart' });
      await add.click();
      await expect.poll(() => page.locator('#cart-msg').textContent(), WAIT).toMatch(/cannot reach the store node/);
      await add.click(); // the same add again: the node answers that it did it already, and the page reads the cart
      await expect.poll(() => page.locator('#cart-msg').textContent(), WAIT).toBe('Added Spring water, 6 bottles.');
      await expect.poll(() => page.getByLabel('Quantity of Spring water, 6 bottles').inputValue(), WAIT).toBe('1');
      const atHub = await hubCall('GET', `/api/carts/${ana.id}`);
      expect(atHub.lines.find((l: { sku: string }) => l.sku === 'WATER-6')?.qty).toBe(1);
      await noSeriousAxe(page, 'cart read again after a retried add');
      await hubCall('DELETE', `/api/carts/${ana.id}/lines/WATER-6`);
      expect(errors).toEqual([]);
      await page.close();
    });

    it('"Pick up here" is refused when a line is not in stock here, as the hub refuses it', async () => {
      // Ana chose pickup at another store on her phone, with a kettle there.
      const other = await f.store('KIOSK2', { name: 'Harbour Lane' });
      const otherId = f.credentials.get('KIOSK2')!.storeId;
      await waitFor('the catalog at the other store', () => other.pos.repo.product('KETTLE', undefined));
      await fetch(`${other.url}/api/stock/movements`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'KETTLE', delta: 4, kind: 'RECEIVE' }),
      });
      await waitFor('the kettles at the hub', async () => {
        const { rows } = await f.hub.db.query<{ on_hand: number }>(
          'SELECT on_hand FROM inventory_stock WHERE store_id = $1 AND sku = $2',
          [otherId, 'KETTLE'],
        );
        return rows[0]?.on_hand === 4;
      });
      await hubCall('DELETE', `/api/carts/${ana.id}/lines/MUG-RED`); // bought the mug already
      const chosen = await hubCall('PUT', `/api/carts/${ana.id}/fulfilment`, { type: 'PICKUP', storeId: otherId });
      expect(chosen.fulfilment, JSON.stringify(chosen)).toEqual({ type: 'PICKUP', storeId: otherId });
      const kettle = await hubCall('POST', `/api/carts/${ana.id}/lines`, { sku: 'KETTLE', qty: 1 });
      expect(kettle.lines, JSON.stringify(kettle)).toBeDefined();

      const page = await openKiosk();
      const errors = pageErrors(page);
      await openCart(page, ana.loyaltyCard); // the card, as the scanner types it
      await page.getByText('Right now your order is set for pickup at another store.').waitFor(WAIT);
      await page.getByRole('button', { name: 'Pick up here' }).click();
      await expect
        .poll(() => page.locator('#cart-msg').textContent(), WAIT)
        .toBe(
          'Stovetop kettle is out of stock in this store, so it can’t be added for pickup. Remove it, or ask us about other stores.',
        );
      expect((await hubCall('GET', `/api/carts/${ana.id}`)).fulfilment).toEqual({ type: 'PICKUP', storeId: otherId });
      // Remove the kettle (one less), then pickup here is accepted.
      await page.getByRole('button', { name: 'One less Stovetop kettle' }).click();
      await expect.poll(() => page.getByLabel('Quantity of Stovetop kettle').count(), WAIT).toBe(0);
      await page.getByRole('button', { name: 'Pick up here' }).click();
      await page.getByText('✓ You’ll pick up your order at this store.').waitFor(WAIT);
      expect((await hubCall('GET', `/api/carts/${ana.id}`)).fulfilment).toEqual({ type: 'PICKUP', storeId });
      await page.getByRole('button', { name: 'Done' }).click();
      expect(errors).toEqual([]);
      await page.close();
    });

    it('a phone number opens the cart; an unknown one says so plainly; another kiosk never sees the cart; 90 s idle clears it', async () => {
      const page = await openKiosk('?idleSeconds=3');
      const errors = pageErrors(page);
      await page.getByLabel('Your customer card, phone number or e-mail').fill('555 201 9999');
      await page.getByRole('button', { name: 'Open my cart' }).click();
      await expect
        .poll(() => page.locator('#cart-msg').textContent(), WAIT)
        .toBe(
          'We couldn’t find an account with that card, phone number or e-mail. Check it and try again, or ask a member of staff.',
        );
      await noSeriousAxe(page, 'an unknown customer');
      await openCart(page, '(555) 201-4477');
      // Another kiosk (its own browser) asking for "the cart" gets none: the session is this screen's.
      const second = await openKiosk();
      expect(await (await second.request.get(`${store.url}/api/kiosk/cart`)).json()).toEqual({ firstName: null });
      await second.close();
      // Nobody touches the screen: it clears itself.
      await page.getByRole('heading', { name: 'Your cart' }).waitFor(WAIT);
      expect(await page.getByLabel('Your customer card, phone number or e-mail').inputValue()).toBe('');
      await expect.poll(() => page.textContent('body'), WAIT).not.toContain('Hello, Ana');
      expect(errors).toEqual([]);
      await page.close();
    });

    it('offline: nearby stock and the online cart say they need head office, in plain words; an open cart keeps working here', async () => {
      const open = await openKiosk();
      const openErrors = pageErrors(open);
      await openCart(open, 'ana.lopes@example.test');
      await waitFor('Ana’s cart (pickup here) on the store node', async () => {
        const local = (await (await fetch(`${store.url}/api/carts/${ana.id}`)).json()) as {
          fulfilment?: { storeId: string };
        };
        return local.fulfilment?.storeId === storeId;
      });
      const port = new URL(f.hubUrl).port;
      await f.hub.stop();
      try {
        // The customer already at the screen goes on: the line is kept on this store node and syncs later.
        await open.getByLabel('Search by name, brand or barcode').fill('cola zero');
        await open.keyboard.press('Enter');
        await open.getByRole('article', { name: 'Cola Zero' }).getByRole('button', { name: 'Add to cart' }).click();
        await open.getByLabel('Quantity of Cola Zero').waitFor(WAIT);
        await open
          .getByText(
            'Head office can’t be reached right now: changes are kept on this kiosk and reach your online cart later.',
          )
          .waitFor(WAIT);
        await noSeriousAxe(open, 'cart kept here while offline');
        await screenshot(open, 'kiosk-cart-offline-1920');
        expect(openErrors).toEqual([]);
        await open.close();
        const page = await openKiosk();
        const errors = pageErrors(page);
        await page.getByLabel('Search by name, brand or barcode').fill('mug');
        await page.keyboard.press('Enter');
        await page.getByRole('button', { name: 'Red enamel mug', exact: true }).click(); // search works offline
        await expect
          .poll(() => page.locator('.nearby').textContent(), WAIT)
          .toBe('Stock at nearby stores needs a connection to head office — try again in a minute.');
        await page.getByLabel('Your customer card, phone number or e-mail').fill('ana.lopes@example.test');
        await page.getByRole('button', { name: 'Open my cart' }).click();
        await expect
          .poll(() => page.locator('#cart-msg').textContent(), WAIT)
          .toBe(
            'Your online cart can’t be opened right now — it needs a connection to head office. Try again in a minute.',
          );
        const text = await page.textContent('body');
        expect(text).not.toMatch(/fetch failed|ECONNREFUSED|\b50\d\b|HTTP/);
        await noSeriousAxe(page, 'offline');
        await touchTargetsOk(page, 'offline');
        await screenshot(page, 'kiosk-offline-1920');
        expect(errors).toEqual([]);
        await page.close();
      } finally {
        await f.startHub(Number(port));
      }
    });
  },
);
