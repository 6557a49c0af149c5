import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { provide } from '../src/kernel/ports.js';
import { SimulatedPaymentProvider } from '../src/modules/orders/payments.js';
import { PAYMENTS_PROVIDER, WAREHOUSE } from '../src/modules/orders/ports.js';
import { SimulatedWarehouse } from '../src/modules/orders/warehouse.js';
import { launchChromium, shot, skipWithoutChromium, UI_WAIT_MS } from './support/console-fixture.js';
import { dbTargets } from './support/db-targets.js';
import { StoreOutbox } from './support/store-outbox.js';
import { TestHub, type Caller } from './support/test-hub.js';
import { waitFor } from './support/wait-for.js';

/**
 * The customers' shop page at /shop/ (issue #26) in Chromium, at phone width, as a shopper uses it: a guest's cart
 * kept at sign-up, a line the store's kiosk adds showing live, a pickup order whose hand-over at the store shows live,
 * and signing out leaving no cart on the page. The page talks to the hub only through /graphql.
 */
describe.skipIf(skipWithoutChromium).each(dbTargets)('the shop page, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let storeA: { id: string; token: string };
  let browser: Browser;
  /** Store A's outbox: its stock arrives through it, and later its pickup desk's hand-over. */
  let outboxA: StoreOutbox;

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'silent',
      externals: [
        provide(PAYMENTS_PROVIDER, new SimulatedPaymentProvider(50)),
        provide(WAREHOUSE, new SimulatedWarehouse()),
      ],
    });
    admin = { cookie: await t.login() };
    storeA = await t.store('RIV', admin.cookie!);
    const storeB = await t.store('HIL', admin.cookie!);
    await t.call('PATCH', `/api/locations/${storeA.id}`, { name: 'Riverside' }, admin);
    await t.call('PATCH', `/api/locations/${storeB.id}`, { name: 'Hillside' }, admin);
    const imported = await t.call(
      'POST',
      '/api/catalog/products/import',
      {
        items: [
          { sku: 'OAT-1L', name: 'Oat milk 1 l', category: 'Dairy', priceMinor: 329 },
          { sku: 'MUG-STONE', name: 'Stoneware mug', category: 'Kitchen', priceMinor: 1299 },
          { sku: 'TEA-EARL', name: 'Earl Grey tea', category: 'Grocery', priceMinor: 450 },
        ],
      },
      admin,
    );
    expect(imported.status).toBeLessThan(300);
    outboxA = new StoreOutbox(t, storeA.id);
    const receive = (sku: string, delta: number) =>
      outboxA.event('stock.moved', { sku, delta, kind: 'RECEIVE', at: Date.now() });
    await outboxA.send(receive('OAT-1L', 24), receive('MUG-STONE', 6), receive('TEA-EARL', 12));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  /** Waits for `selector` to hold `text`, with a message that says what the page showed instead. */
  const shows = async (page: Page, selector: string, text: string | RegExp) => {
    try {
      await page.locator(selector, { hasText: text }).first().waitFor({ timeout: UI_WAIT_MS });
    } catch {
      const seen = await page
        .locator('main')
        .textContent()
        .catch(() => '(no main)');
      const error = await page
        .locator('#error')
        .textContent()
        .catch(() => '');
      throw new Error(`the page never showed ${String(text)} in ${selector}; it shows: ${seen} ${error}`);
    }
  };

  it('a guest’s cart survives sign-up, the kiosk’s line and the store’s hand-over show live, sign-out leaves no cart; only /graphql is called', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const requests: string[] = [];
    const sockets: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.goto(`${t.url}/shop/`);
      await shows(page, 'main li', 'Stoneware mug');
      await page.getByLabel('Your store').selectOption({ label: 'Riverside' });
      // a guest: nobody signed in, the cart filled anyway
      await page.getByRole('button', { name: 'Add Oat milk 1 l to cart' }).click();
      await shows(page, '#status', 'Added Oat milk 1 l');
      await page.getByRole('button', { name: 'Add Stoneware mug to cart' }).click();
      await shows(page, '#status', 'Added Stoneware mug');
      await shows(page, '#cart-count', '2');

      // a product's page: its price and its stock at the chosen store
      await page.getByRole('link', { name: 'Earl Grey tea' }).click();
      await shows(page, 'main', '$4.50');
      await shows(page, 'main', 'At Riverside: In stock (12 available)');

      await page.getByRole('link', { name: 'Sign in' }).click();
      await shows(page, 'main', 'shopping as a guest');
      const email = `shopper-${Date.now()}@example.test`;
      await page.getByLabel('Your name').fill('Sam Shopper');
      await page.locator('#up-email').fill(email);
      await page.getByLabel('Password (at least 10 characters)').fill('a long enough secret');
      await page.getByRole('button', { name: 'Create account' }).click();
      await shows(page, 'h1', 'Your cart');
      await shows(page, 'main li[data-sku="OAT-1L"]', 'Oat milk 1 l');
      await shows(page, 'main li[data-sku="MUG-STONE"]', 'Stoneware mug');
      await shows(page, '#account-link', 'Sam Shopper');

      const who = await t.call('GET', '/api/account', undefined, {
        cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; '),
      });
      expect(who.body).toMatchObject({ email, guest: false });
      const customerId = who.body.customerId as string;

      // the store's kiosk adds a line: it appears without a reload
      await page.evaluate(() => {
        (window as unknown as { notReloaded: boolean }).notReloaded = true;
      });
      const kiosk = await t.call(
        'POST',
        `/api/carts/${customerId}/lines`,
        { sku: 'TEA-EARL', qty: 2 },
        { bearer: storeA.token },
      );
      expect(kiosk.status).toBe(200);
      await shows(page, 'main li[data-sku="TEA-EARL"]', 'Earl Grey tea');
      expect(await page.locator('#qty-TEA-EARL').inputValue()).toBe('2');
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

      // a quantity changed and a line removed on the page, the cart REST shows agrees
      await page.getByLabel('Quantity of Oat milk 1 l').fill('3');
      await page.getByLabel('Quantity of Oat milk 1 l').press('Tab');
      await shows(page, 'main li[data-sku="OAT-1L"]', '$9.87');
      await page.getByRole('button', { name: 'Remove Stoneware mug' }).click();
      await page.locator('main li[data-sku="MUG-STONE"]').waitFor({ state: 'detached', timeout: UI_WAIT_MS });
      const rest = await t.call('GET', `/api/carts/${customerId}`, undefined, { bearer: storeA.token });
      expect(
        Object.fromEntries((rest.body.lines as { sku: string; qty: number }[]).map((l) => [l.sku, l.qty])),
      ).toEqual({ 'OAT-1L': 3, 'TEA-EARL': 2 });
      await shows(page, '#cart-subtotal', '$18.87');
      const total = (rest.body.priced.totalMinor / 100).toFixed(2);
      await shows(page, '#cart-total', `$${total}`);

      await page.getByLabel('Pickup store').selectOption({ label: 'Riverside' });
      await shows(page, '#pickup-note', 'Pickup at Riverside');
      const axeCart = await seriousAxeViolations(page);
      expect(axeCart, describeAxe(axeCart)).toEqual([]);
      await page.getByRole('button', { name: 'Place pickup order' }).click();
      await shows(page, 'h1', /Order \S+/);
      const orderId = new URL(page.url()).hash.replace('#/orders/', '');
      const order = await t.call('GET', `/api/orders/${orderId}`, undefined, admin);
      expect(order.body).toMatchObject({ customerId, fulfilment: { type: 'PICKUP', storeId: storeA.id } });
      await shows(page, 'h1', `Order ${order.body.orderNumber}`);
      await shows(page, '#order-status', 'Confirmed');
      await shot(page, 'shop-order-confirmed');

      // the store hands the order over at its pickup desk: the page follows without a reload
      const confirmed = await waitFor('the order’s hold at store A', async () => {
        const r = await t.call('GET', `/api/orders/${orderId}`, undefined, admin);
        return r.body.reservationId ? r.body : undefined;
      });
      await outboxA.send(outboxA.event('reservation.picked-up', { reservationId: confirmed.reservationId }));
      await shows(page, '#order-status', 'Picked up');
      await shows(page, '#timeline', 'Picked up');
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      const axeOrder = await seriousAxeViolations(page);
      expect(axeOrder, describeAxe(axeOrder)).toEqual([]);

      // sign out: the cart is gone from the page
      await page.getByRole('link', { name: /Account/ }).click();
      await shows(page, 'main', order.body.orderNumber);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await shows(page, '#status', 'signed out');
      await shows(page, '#cart-count', '0');
      await page.getByRole('link', { name: /Cart/ }).click();
      await shows(page, 'main', 'Your cart is empty');
      expect(await page.locator('main li[data-sku]').count()).toBe(0);
      await page.getByRole('link', { name: 'Sign in' }).click();
      await shows(page, 'h1', 'Sign in');
      const axeForms = await seriousAxeViolations(page);
      expect(axeForms, describeAxe(axeForms)).toEqual([]);

      // nothing left for anywhere but the page's own files and /graphql
      const elsewhere = requests.filter((u) => {
        const url = new URL(u);
        return (
          url.origin !== t.url ||
          !(url.pathname === '/graphql' || /^\/(shop|shared)\//.test(url.pathname) || url.pathname === '/favicon.svg')
        );
      });
      expect(elsewhere).toEqual([]);
      expect(requests.some((u) => u.endsWith('/graphql'))).toBe(true);
      expect(new Set(sockets.map((u) => new URL(u).pathname))).toEqual(new Set(['/graphql']));
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
