import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { HANDHELD, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';

// A handheld on the store's network, as seen by a node that trusts no address (so 127.0.0.1 stands for the LAN).
describe.skipIf(!haveChromium && !process.env.CI)('pairing a handheld in Chromium', () => {
  let node: StoreNode;
  let browser: Browser;
  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-pair-ui-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      trustedAddresses: [],
    });
    await node.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('sends an unpaired handheld to the pairing page, and back to its page once paired', async () => {
    const page = await browser.newPage({ viewport: HANDHELD });
    const errors = pageErrors(page);
    await page.goto(`${node.url}/handheld.html`);
    await page.waitForURL(/\/pair\.html\?then=%2Fhandheld\.html$/);
    await page.getByLabel('Pairing code').fill('000000'); // no code is open yet: any code is wrong
    await page.getByLabel('Name of this device').fill('Handheld 7');
    await page.getByRole('button', { name: 'Pair' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 })
      .toMatch(/pairing code is wrong, used or expired/);
    await screenshot(page, 'pair-refused-390');

    await page.getByLabel('Pairing code').fill(node.pairing.startPairing().code);
    await page.getByRole('button', { name: 'Pair' }).click();
    await page.waitForURL(/\/handheld\.html$/);
    await page.getByRole('tab', { name: 'Devices' }).click();
    await expect
      .poll(() => page.locator('#device-list').textContent(), { timeout: 30_000 })
      .toMatch(/No devices configured/);
    expect(node.pairing.list().map((d) => d.name)).toEqual(['Handheld 7']);
    // A handheld cannot show codes for further devices.
    await page.getByRole('button', { name: 'Show a pairing code' }).click();
    await expect
      .poll(() => page.locator('#pair-code-area').textContent(), { timeout: 30_000 })
      .toBe('only the store node’s own screens can pair or unpair devices');
    await screenshot(page, 'handheld-paired-390');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a pairing whose answer was lost: pressing Pair again says the device may already be paired, not a raw key', async () => {
    const page = await browser.newPage({ viewport: HANDHELD });
    const errors = pageErrors(page);
    await page.goto(`${node.url}/pair.html`);
    const keys: string[] = [];
    let lost = false;
    await page.route('**/api/pairing/pair', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (lost) return route.continue();
      lost = true;
      await route.fetch(); // the node pairs the device…
      await page.context().clearCookies(); // (Playwright keeps the answer's cookie; the page never got it)
      await route.abort('connectionreset'); // …and its answer, cookie and all, never arrives
    });
    await page.getByLabel('Pairing code').fill(node.pairing.startPairing().code);
    await page.getByLabel('Name of this device').fill('Handheld 8');
    await page.getByRole('button', { name: 'Pair' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 })
      .toBe('This screen cannot reach the store node. Check the cable or Wi-Fi.');
    await page.getByRole('button', { name: 'Pair' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 })
      .toBe('This device may already be paired: reload the page, or ask for a new code.');
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]); // the retry was the same request: one device, not two
    expect(node.pairing.list().filter((d) => d.name === 'Handheld 8')).toHaveLength(1);
    await screenshot(page, 'pair-answer-lost-390');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a kiosk on the store’s network pairs with a kiosk code and then reaches only the kiosk', async () => {
    const page = await browser.newPage({ viewport: HANDHELD });
    const errors = pageErrors(page);
    await page.goto(`${node.url}/handheld.html`);
    await page.waitForURL(/\/pair\.html\?then=%2Fhandheld\.html$/);
    await page.getByLabel('Pairing code').fill(node.pairing.startPairing('kiosk').code);
    await page.getByLabel('Name of this device').fill('Kiosk by the door');
    await page.getByRole('button', { name: 'Pair' }).click();
    await page.waitForURL(/\/kiosk\.html$/); // whatever page sent it to pairing
    await page.getByRole('heading', { name: 'Find a product' }).waitFor();
    // no staff page is offered: the kiosk's one link is to its own booking page
    expect(await page.getByRole('link').allInnerTexts()).toEqual(['Book an event or a service']);
    await page.goto(`${node.url}/handheld.html`);
    await page.getByRole('heading', { name: 'This screen is a kiosk' }).waitFor();
    await screenshot(page, 'kiosk-paired-refused-handheld-390');
    expect(errors).toEqual([]);
    await page.close();
  });
});
