import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { StoreOutbox } from '../../src/modules/sales/tests/sales-fixture.js';
import { TestHub } from './test-hub.js';
import type { DbTarget } from './db-targets.js';
import { waitFor } from './wait-for.js';

/** Generous: the machine is shared and slow. */
export const UI_WAIT_MS = 30_000;

/** Debian's Chromium (apt-get install chromium); CHROMIUM_PATH names another. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Skip the console's browser tests only on a machine without Chromium that is not CI: on CI (`CI` set) a missing
 * Chromium makes them fail, loudly, instead of passing by skipping. As store-node's browser tests.
 */
export const skipWithoutChromium = !existsSync(chromiumPath) && !process.env.CI;

/** Where screenshots are kept as test artefacts (git-ignored). */
export const SHOTS = fileURLToPath(new URL('../../../.test-artifacts/screenshots/', import.meta.url));

/** Chromium, headless, for the console's browser tests; the screenshot folder made. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

/** A full-page screenshot named `name` among the artefacts. */
export const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

/**
 * A hub on `target` holding `consoleFixture`'s two stores, signed in as head office, and a browser (none where
 * `skipWithoutChromium`, whose tests are skipped). `stop()` closes both.
 */
export async function consoleHub(target: DbTarget) {
  const t = await TestHub.start(target);
  const admin = await t.login();
  const fx = await consoleFixture(t, admin);
  const browser = skipWithoutChromium ? undefined : await launchChromium();
  const stop = async () => {
    await browser?.close();
    await t.stop();
  };
  return { t, admin, fx, browser, stop };
}

export const MANAGER_A = { email: 'mia@example.test', password: 'manager of riverside', name: 'Mia Manager' };
export const MANAGER_B = { email: 'hugo@example.test', password: 'manager of hillside', name: 'Hugo Manager' };

/**
 * Two stores as a console user meets them, each with what a manager looks after: stock of named products, a hold,
 * an order for pickup, an oversell incident, an order incident (a hand-over after a cancel) and an associate.
 * Riverside (A) and Hillside (B) differ in every name, so a page that shows B's things to A's manager is caught.
 */
export async function consoleFixture(t: TestHub, admin: string) {
  const a = await t.store('RIV', admin);
  const b = await t.store('HIL', admin);
  await t.call('PATCH', `/api/locations/${a.id}`, { name: 'Riverside' }, { cookie: admin });
  await t.call('PATCH', `/api/locations/${b.id}`, { name: 'Hillside' }, { cookie: admin });
  const imported = await t.call(
    'POST',
    '/api/catalog/products/import',
    {
      items: [
        { sku: 'OAT-1L', name: 'Oat milk 1 l', category: 'Dairy', priceMinor: 329 },
        { sku: 'MUG-STONE', name: 'Stoneware mug', category: 'Kitchen', priceMinor: 1299 },
        { sku: 'TEA-EARL', name: 'Earl Grey tea', category: 'Grocery', priceMinor: 450 },
        { sku: 'HIL-HONEY', name: 'Hillside honey', category: 'Grocery', priceMinor: 899 },
      ],
    },
    { cookie: admin },
  );
  if (imported.status !== 200 && imported.status !== 201) throw new Error(`import: ${JSON.stringify(imported.body)}`);
  const oa = new StoreOutbox(t, a.id);
  const ob = new StoreOutbox(t, b.id);
  const move = (o: StoreOutbox, sku: string, delta: number, kind: string) =>
    o.event('stock.moved', { sku, delta, kind, at: Date.now() });
  await oa.send(
    move(oa, 'OAT-1L', 24, 'RECEIVE'),
    move(oa, 'MUG-STONE', 6, 'RECEIVE'),
    move(oa, 'TEA-EARL', 1, 'RECEIVE'),
  );
  await ob.send(
    move(ob, 'HIL-HONEY', 9, 'RECEIVE'),
    move(ob, 'TEA-EARL', 1, 'RECEIVE'),
    move(ob, 'MUG-STONE', 5, 'RECEIVE'),
  );

  const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`fixture: ${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const hold = (storeId: string, customerRef: string, sku: string, qty = 1) =>
    must(
      `hold ${customerRef}`,
      t.call('POST', '/api/reservations', { storeId, customerRef, lines: [{ sku, qty }] }, { cookie: admin }),
    );
  const holdA = await hold(a.id, 'Alice Ashdown', 'OAT-1L', 2);
  const holdB = await hold(b.id, 'Bruno Barrow', 'HIL-HONEY', 1);
  // an oversell at each store: the last tea was promised, then sold at the till
  await hold(a.id, 'Tea promised at Riverside', 'TEA-EARL');
  await hold(b.id, 'Tea promised at Hillside', 'TEA-EARL');
  await oa.send(move(oa, 'TEA-EARL', -1, 'SALE'));
  await ob.send(move(ob, 'TEA-EARL', -1, 'SALE'));

  const customer = await must(
    'customer',
    t.call('POST', '/api/customers', { name: 'Carla Customer', email: 'carla@example.com' }, { cookie: admin }),
  );
  const order = (storeId: string, sku: string, qty: number) =>
    must(
      `order at ${storeId}`,
      t.call(
        'POST',
        '/api/orders',
        {
          customerId: customer.id,
          placeKey: `console-${randomUUID()}`,
          lines: [{ sku, qty }],
          fulfilment: { type: 'PICKUP', storeId },
        },
        { cookie: admin },
      ),
    );
  const orderA = await order(a.id, 'MUG-STONE', 2);
  const orderB = await order(b.id, 'MUG-STONE', 1);
  // an order incident at each store: the store handed over a hold whose order head office had cancelled
  const lateA = await order(a.id, 'OAT-1L', 1);
  const lateB = await order(b.id, 'MUG-STONE', 1);
  for (const [o, outbox] of [
    [lateA, oa],
    [lateB, ob],
  ] as const) {
    await must('cancel', t.call('POST', `/api/orders/${o.id}/cancel`, {}, { cookie: admin }));
    await outbox.send(outbox.event('reservation.picked-up', { reservationId: o.reservationId }));
  }
  // an order at A handed over and paid: the refund's target
  const paidA = await order(a.id, 'OAT-1L', 3);
  await oa.send(oa.event('reservation.picked-up', { reservationId: paidA.reservationId }));
  await waitFor('the handed-over order’s payment captured', async () => {
    const r = await t.call('GET', `/api/orders/${paidA.id}`, undefined, { cookie: admin });
    return r.body.paymentCapturedAt ? r : undefined;
  });
  await waitFor('an oversell incident at each store', async () => {
    const r = await t.call('GET', '/api/inventory/incidents', undefined, { cookie: admin });
    const stores = new Set(r.body.items.map((i: { storeId: string }) => i.storeId));
    return stores.has(a.id) && stores.has(b.id) ? r : undefined;
  });

  const user = (email: string, name: string, role: string, storeId: string, password = 'an associate password') =>
    must(`user ${email}`, t.call('POST', '/api/users', { email, name, role, storeId, password }, { cookie: admin }));
  await user(MANAGER_A.email, MANAGER_A.name, 'STORE_MANAGER', a.id, MANAGER_A.password);
  await user(MANAGER_B.email, MANAGER_B.name, 'STORE_MANAGER', b.id, MANAGER_B.password);
  await user('ann@example.test', 'Ann Associate', 'ASSOCIATE', a.id);
  await user('ben@example.test', 'Ben Bystander', 'ASSOCIATE', b.id);
  /** Each store's outbox, for more of its events (each gets the store's next seq). */
  const [outboxA, outboxB] = [oa, ob];
  return { a, b, holdA, holdB, customer, orderA, orderB, lateA, lateB, paidA, outboxA, outboxB };
}
export type ConsoleFixture = Awaited<ReturnType<typeof consoleFixture>>;

/** A browser page signed in with `cookie` (or signed out without), collecting uncaught script errors in `errors`. */
export async function consolePage(
  browser: Browser,
  url: string,
  cookie: string | undefined,
  errors: string[],
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
  if (cookie) {
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url }]);
  }
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page };
}

/**
 * Runs `use` on a console page signed in with `cookie`, then checks no script on it threw and closes it, pass or fail.
 */
export async function onConsolePage(
  browser: Browser,
  url: string,
  cookie: string | undefined,
  use: (page: Page) => Promise<void>,
): Promise<void> {
  const errors: string[] = [];
  const { context, page } = await consolePage(browser, url, cookie, errors);
  try {
    await use(page);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
}

/** No serious or critical axe-core violation on the page as it is now. */
export async function expectNoSeriousViolations(page: Page): Promise<void> {
  const found = await seriousAxeViolations(page);
  expect(found, describeAxe(found)).toEqual([]);
}
