import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';

// The kiosk and the lane on the node's own machine, each in its own browser (context): the kiosk's gets the marker
// when it opens the kiosk page, the lane's never does.
describe.skipIf(!haveChromium && !process.env.CI)('a kiosk and a lane on the same machine, in Chromium', () => {
  let node: StoreNode;
  let browser: Browser;
  const csp: string[] = [];

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-kiosk-ui-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      name: 'Harbour Street',
    });
    const put = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
       VALUES (?, NULL, ?, NULL, NULL, 'Kitchen', ?, 'USD', 'ZERO', 1)`,
    );
    put.run('MUG-RED', 'Red enamel mug', 1250);
    put.run('TEA-GREEN', 'Green tea, 20 bags', 399);
    await node.start();
    for (const sku of ['MUG-RED', 'TEA-GREEN']) {
      await fetch(`${node.url}/api/stock/movements`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku, delta: 10, kind: 'RECEIVE' }),
      });
    }
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('the kiosk links to no staff page, is refused the POS, and cannot mint pairing codes', async () => {
    const kiosk = await browser.newContext({ viewport: DESKTOP });
    const page = await kiosk.newPage();
    const errors = pageErrors(page);
    page.on('console', (m) => m.type() === 'error' && /Content.Security.Policy/i.test(m.text()) && csp.push(m.text()));
    await page.goto(`${node.url}/kiosk.html`);
    await page.getByRole('article', { name: 'Red enamel mug' }).waitFor();
    await expect.poll(() => page.locator('.store-name').textContent(), { timeout: 30_000 }).toBe('Harbour Street');
    // no POS, pickups or handheld: no staff link at all, only the customer's booking page
    expect(await page.getByRole('link').allTextContents()).toEqual(['Book an event or a service']);
    expect(await page.getByRole('navigation').count()).toBe(0);
    expect((await kiosk.cookies()).find((c) => c.name === 'sf_screen')).toMatchObject({
      value: 'kiosk',
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      expires: -1, // opened by a link, not confirmed on the start page: gone when the browser closes
    });
    await screenshot(page, 'kiosk-no-staff-links-1920');

    // Typed into the address bar (or a kiosk escaping its page): the POS is refused, with the way back.
    const refused = await page.goto(`${node.url}/pos.html`);
    expect(refused!.status()).toBe(403);
    await page.getByRole('heading', { name: 'This screen is a kiosk' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0); // a customer's screen: no word on staff pages
    expect(await page.getByLabel('Scan or type a sku / barcode').count()).toBe(0);
    await screenshot(page, 'kiosk-refused-pos-1920');

    // What the kiosk page's own script could send: refused, and no code minted.
    const minted = await page.evaluate(async () => {
      const r = await fetch('/api/pairing/codes', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"role":"handheld"}',
      });
      return {
        status: r.status,
        type: r.headers.get('content-type'),
        detail: ((await r.json()) as { detail: string }).detail,
      };
    });
    expect(minted).toEqual({
      status: 403,
      type: 'application/problem+json; charset=utf-8',
      detail: 'this is a kiosk screen: staff pages need a staff sign-in',
    });
    await page.getByRole('link', { name: 'Back to the kiosk' }).click();
    await page.getByRole('heading', { name: 'Find a product' }).waitFor();
    expect(errors).toEqual([]);
    await kiosk.close();
  });

  it('the lane, in its own browser, still reaches every staff page and links to them', async () => {
    const lane = await browser.newContext({ viewport: DESKTOP });
    const page = await lane.newPage();
    const errors = pageErrors(page);
    page.on('console', (m) => m.type() === 'error' && /Content.Security.Policy/i.test(m.text()) && csp.push(m.text()));
    await page.goto(`${node.url}/`);
    await page
      .locator('#sync-badge')
      .filter({ hasText: /waiting/ })
      .waitFor(); // index.js ran (no inline script any more)
    await screenshot(page, 'index-1920');
    const nav = page.getByRole('navigation', { name: 'Store pages' });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'POS',
      'Pickups',
      'Deliveries',
      'Handheld',
      'Door',
      'Scan & Go exit',
      'Documents',
    ]);
    await nav.getByRole('link', { name: 'POS' }).click();
    await page.getByLabel('Scan or type a sku / barcode').waitFor();
    await page.getByRole('link', { name: 'Handheld' }).click();
    // The tabs are in the page's HTML before its script makes them work: a click before handheld.js ran switches
    // nothing. So the page is loaded (its module scripts ran) and its status bar refreshed before the click, and the
    // Devices panel shown after it.
    await page.waitForURL(/\/handheld\.html$/);
    await page
      .locator('#sync-badge')
      .filter({ hasText: /waiting|unknown/ })
      .waitFor();
    await page.getByRole('tab', { name: 'Devices' }).click(); // pairing lives on the handheld's Devices tab
    await page.getByRole('tabpanel', { name: 'Devices' }).waitFor();
    await page.getByLabel('The device is').selectOption('kiosk');
    await page.getByRole('button', { name: 'Show a pairing code' }).click();
    await expect
      .poll(() => page.locator('#pair-code-area').textContent(), { timeout: 30_000 })
      .toMatch(/^Pairing code for a kiosk \d{6} — valid until/);
    expect((await lane.cookies()).find((c) => c.name === 'sf_screen')).toBeUndefined();
    expect(errors).toEqual([]);
    expect(csp).toEqual([]); // no page broke the Content-Security-Policy
    await lane.close();
  });

  it('the start page makes a lane a kiosk only after a confirmation that says how to undo it; it stays a kiosk after a restart and its refusal page keeps that to staff', async () => {
    const lane = await browser.newContext({ viewport: DESKTOP });
    const page = await lane.newPage();
    const errors = pageErrors(page);
    await page.goto(`${node.url}/`);
    expect(await page.getByRole('link', { name: /kiosk/i }).count()).toBe(0); // no one-click way into the kiosk
    await page.getByRole('button', { name: 'Open this screen as a kiosk…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Make this browser a kiosk?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('the POS, pickups and handheld pages will be refused in it');
    expect(await dialog.textContent()).toContain(
      "It stays so after the browser or the machine restarts (for 400 days). To undo it: clear this site's data",
    );
    await screenshot(page, 'index-kiosk-confirm-1920');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(page.url()).toBe(`${node.url}/`);
    expect((await lane.cookies()).find((c) => c.name === 'sf_screen')).toBeUndefined();

    await page.getByRole('button', { name: 'Open this screen as a kiosk…' }).click();
    await dialog.getByRole('button', { name: 'Make this browser a kiosk' }).click();
    await page.getByRole('heading', { name: 'Find a product' }).waitFor();
    const marker = (await lane.cookies()).find((c) => c.name === 'sf_screen');
    expect(marker).toMatchObject({ value: 'kiosk', httpOnly: true, sameSite: 'Strict', path: '/' });
    // Not a session cookie: a restart of the browser keeps it (about 400 days from now)
    expect(marker!.expires * 1000 - Date.now()).toBeGreaterThan(399 * 86_400_000);
    await page.goto(`${node.url}/pos.html`);
    await page.getByRole('heading', { name: 'This screen is a kiosk' }).waitFor();
    expect(((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ').trim()).toBe(
      'This screen is a kiosk Back to the kiosk',
    );
    const found = await seriousAxeViolations(page);
    expect(found, describeAxe(found)).toEqual([]);
    const way = await page.getByRole('link', { name: 'Back to the kiosk' }).boundingBox();
    expect(way?.height).toBeGreaterThanOrEqual(44); // a customer's finger finds the way back
    await screenshot(page, 'kiosk-refused-pos-way-back-1920');
    expect(errors).toEqual([]);
    await lane.close();
  });

  it('a pairing code whose answer was lost: pressing again shows a fresh code (no Idempotency-Key, no “shown once” refusal)', async () => {
    const lane = await browser.newContext({ viewport: DESKTOP });
    const page = await lane.newPage();
    const errors = pageErrors(page);
    await page.goto(`${node.url}/handheld.html`);
    await page.getByRole('tab', { name: 'Devices' }).click();
    const keys: (string | undefined)[] = [];
    let lost = false;
    await page.route('**/api/pairing/codes', async (route) => {
      keys.push(route.request().headers()['idempotency-key']);
      if (lost) return route.continue();
      lost = true;
      await route.fetch(); // the node mints a code…
      await route.abort('connectionreset'); // …and the page never sees it
    });
    const before = (node.db.prepare('SELECT count(*) AS n FROM pairing_codes').get() as { n: number }).n;
    await page.getByRole('button', { name: 'Show a pairing code' }).click();
    await expect
      .poll(() => page.locator('#pair-code-area').textContent(), { timeout: 30_000 })
      .toBe('This screen cannot reach the store node. Check the cable or Wi-Fi.');
    await page.getByRole('button', { name: 'Show a pairing code' }).click();
    await expect
      .poll(() => page.locator('#pair-code-area').textContent(), { timeout: 30_000 })
      .toMatch(/^Pairing code for a handheld \d{6} — valid until/);
    expect(keys).toEqual([undefined, undefined]);
    expect(node.db.prepare('SELECT count(*) AS n FROM pairing_codes').get()).toEqual({ n: before + 2 });
    expect(errors).toEqual([]);
    await lane.close();
  });

  it('a tender whose answer is lost is paid once when the cashier presses Card again', async () => {
    const lane = await browser.newContext({ viewport: DESKTOP });
    const page = await lane.newPage();
    const errors = pageErrors(page);
    await page.goto(`${node.url}/pos.html`);
    await page.getByLabel('Scan or type a sku / barcode').fill('MUG-RED');
    await page.keyboard.press('Enter');
    await page.getByLabel('Quantity of Red enamel mug').waitFor();
    // The first tender reaches the node and is paid, but its answer never reaches the lane (a cable pulled mid-way).
    const keys: string[] = [];
    let lost = false;
    await page.route('**/api/pos/sales/*/tender', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (lost) return route.continue();
      lost = true;
      await route.fetch(); // the node does the work…
      await route.abort('connectionreset'); // …and the page never hears
    });
    await page.getByRole('button', { name: /Card/ }).click();
    await expect
      .poll(() => page.locator('#pay-msg').textContent(), { timeout: 30_000 })
      .toBe('This screen cannot reach the store node. Check the cable or Wi-Fi.');
    await page.getByRole('button', { name: /Card/ }).click();
    await page.getByLabel('Receipt', { exact: true }).waitFor();
    expect(await page.locator('#pay-msg').textContent()).toBe('Paid.');
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    const saleNumber = /Sale (\S+)/.exec((await page.getByLabel('Receipt', { exact: true }).textContent())!)![1]!;
    const saleId = node.db.prepare('SELECT id FROM sales WHERE number = ?').pluck().get(saleNumber) as string;
    expect(node.db.prepare("SELECT count(*) AS n FROM sales WHERE status = 'COMPLETED'").get()).toEqual({ n: 1 });
    expect(
      node.db
        .prepare("SELECT count(*) AS n FROM sync_outbox WHERE type = 'stock.moved' AND payload LIKE ?")
        .get(`%${saleId}%`),
    ).toEqual({ n: 1 });
    await screenshot(page, 'pos-tender-retried-1920');
    expect(errors).toEqual([]);
    await lane.close();
  });
});
