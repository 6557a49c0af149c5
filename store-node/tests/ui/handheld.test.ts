import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { HANDHELD, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { type HandheldStore, startHandheldStore } from '../support/handheld-store.js';
import { smallTargets } from '../support/targets.js';

const WAIT = { timeout: 30_000 };

async function expectAccessible(page: Page, state: string): Promise<void> {
  const found = await seriousAxeViolations(page);
  expect(found, `${state}:\n${describeAxe(found)}`).toEqual([]);
  expect(await smallTargets(page), state).toEqual([]);
}

/**
 * The camera where the browser has none (page source: the tests compile without the DOM library): a BarcodeDetector
 * that reads an EAN-13 once `__barcodeInView` is set, and a blank canvas's stream for the camera.
 */
const FAKE_CAMERA = `
  window.BarcodeDetector = class {
    static async getSupportedFormats() { return ['ean_13', 'code_128', 'qr_code']; }
    constructor(options) { window.__detectorFormats = options?.formats ?? []; }
    async detect() { return window.__barcodeInView ? [{ rawValue: '4006381333931', format: 'ean_13' }] : []; }
  };
  const getUserMedia = async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    canvas.getContext('2d').fillRect(0, 0, 320, 240);
    window.__cameraOpen = true;
    return canvas.captureStream(5);
  };
  if (!navigator.mediaDevices) Object.defineProperty(navigator, 'mediaDevices', { value: {} });
  Object.defineProperty(navigator.mediaDevices, 'getUserMedia', { value: getUserMedia });
`;
const focusedId = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.id');
const focusedText = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.textContent');

describe.skipIf(!haveChromium && !process.env.CI)('the handheld in Chromium at 390×844', () => {
  let store: HandheldStore;
  let browser: Browser;
  let url: string;
  beforeAll(async () => {
    store = await startHandheldStore();
    url = `${store.node.url}/handheld.html`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await store?.stop();
  });

  const open = async (hash = '') => {
    const page = await browser.newPage({ viewport: HANDHELD });
    const errors = pageErrors(page);
    await page.goto(url + hash);
    await page
      .locator('#sync-badge')
      .filter({ hasText: /waiting|unknown/ })
      .waitFor(WAIT);
    return { page, errors };
  };
  const selectedTab = (page: Page) => page.locator('[role="tab"][aria-selected="true"]').textContent();

  it('is five tabs; arrow keys move between them, the hash keeps the choice over a reload; a count is done by keyboard alone', async () => {
    const { page, errors } = await open();
    expect(await page.getByRole('tab').allTextContents()).toEqual([
      'Look-up',
      'Receive',
      'Count',
      'RFID drift',
      'Devices',
    ]);
    expect(await selectedTab(page)).toBe('Look-up');
    await expect.poll(() => focusedId(page), WAIT).toBe('lookup-code');
    await page.getByRole('tab', { name: 'Look-up' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await selectedTab(page)).toBe('Receive');
    expect(await focusedText(page)).toBe('Receive');
    await page.keyboard.press('End');
    expect(await selectedTab(page)).toBe('Devices');
    await page.keyboard.press('ArrowRight'); // wraps round
    expect(await selectedTab(page)).toBe('Look-up');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await selectedTab(page)).toBe('Count');
    expect(new URL(page.url()).hash).toBe('#count');
    expect(await page.getByRole('tabpanel').count()).toBe(1); // the others are hidden
    await expect.poll(() => page.getByRole('tabpanel').getAttribute('aria-labelledby'), WAIT).toBe('tab-count');

    await page.reload();
    expect(await selectedTab(page)).toBe('Count');
    // From the top of the page: Tab reaches the chosen tab (one stop for the tab list), then the count's fields.
    const stops: string[] = [];
    for (let i = 0; i < 12 && stops.at(-1) !== 'count-sku'; i++) {
      await page.keyboard.press('Tab');
      stops.push((await focusedId(page)) || (await focusedText(page)) || '');
    }
    expect(stops).toContain('tab-count');
    expect(stops.filter((s) => s.startsWith('tab-'))).toEqual(['tab-count']);
    expect(stops.at(-1)).toBe('count-sku');
    await page.keyboard.type('TEA-GREEN');
    await page.keyboard.press('Tab');
    await page.keyboard.type('27');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#count-msg').textContent(), WAIT)
      .toBe('Adjusted by -3; Green tea, 20 bags (TEA-GREEN) now has 27 on hand.');
    await expect.poll(() => focusedId(page), WAIT).toBe('count-sku'); // ready for the next
    await expectAccessible(page, 'count done');
    await screenshot(page, 'handheld-tab-count-390');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('every tab, as it first shows, has no serious axe finding and only controls of 44×44 px or more', async () => {
    const { page, errors } = await open();
    for (const name of ['Look-up', 'Receive', 'Count', 'RFID drift', 'Devices']) {
      await page.getByRole('tab', { name }).click();
      await expect.poll(() => selectedTab(page), WAIT).toBe(name);
      await page.getByRole('tabpanel').getByRole('heading').first().waitFor(WAIT);
      await expectAccessible(page, `${name} tab`);
    }
    await screenshot(page, 'handheld-devices-first-390');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('looks up by barcode or by name and shows product names, with Receive and Count at hand', async () => {
    const { page, errors } = await open('#lookup');
    await expectAccessible(page, 'look-up, empty');
    await page.getByLabel('Sku, barcode or name').fill('4006381333931');
    await page.keyboard.press('Enter');
    const mug = page.getByRole('article', { name: 'Red enamel mug' });
    await mug.waitFor(WAIT);
    expect(await mug.textContent()).toMatch(/MUG-RED · barcode 4006381333931 · Kitchen.*10 on hand/);
    await expectAccessible(page, 'look-up, one product');
    await screenshot(page, 'handheld-lookup-390');

    await page.getByLabel('Sku, barcode or name').fill('blue cap');
    await page.keyboard.press('Enter');
    const cap = page.getByRole('article', { name: 'Blue cap' });
    await cap.waitFor(WAIT);
    expect(await cap.textContent()).toMatch(/CAP-BLUE.*5 on hand/);

    await page.getByLabel('Sku, barcode or name').fill('no such thing');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toBe('No product matches “no such thing”.');
    await expectAccessible(page, 'look-up, nothing found');

    await page.getByLabel('Sku, barcode or name').fill('MUG-RED');
    await page.keyboard.press('Enter');
    await mug.getByRole('button', { name: 'Count Red enamel mug' }).click();
    expect(await selectedTab(page)).toBe('Count');
    expect(await page.locator('#count-sku').inputValue()).toBe('MUG-RED');
    expect(await focusedId(page)).toBe('count-qty');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows drifting skus first by name, with a “Drifts only” filter that starts on', async () => {
    const { page, errors } = await open('#rfid');
    const toggle = page.getByRole('button', { name: /^Drifts only/ });
    await toggle.waitFor(WAIT);
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    const rows = () =>
      page
        .locator('table.drift tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c.firstChild?.textContent ?? '').trim())));
    expect(await rows()).toEqual([
      ['Green tea, 20 bags', '30', '27', '-3'],
      ['Blue cap', '5', '6', '+1'],
    ]);
    expect(await page.locator('#rfid-summary').textContent()).toMatch(/Cycle 12 at .*: 51 tags read\. 2 skus drift\./);
    await expectAccessible(page, 'RFID, drifts only');
    await screenshot(page, 'handheld-rfid-drifts-390');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed'), WAIT).toBe('false');
    expect((await rows()).map((r) => r[0])).toEqual(['Green tea, 20 bags', 'Blue cap', 'Red enamel mug', 'White tee']);
    // The drift the count already settled is gone from the table; what it corrected in the last 24 hours stays listed.
    const corrected = page.getByRole('region', { name: 'Stock corrected by the count (last 24 hours)' });
    expect(
      (await corrected.getByRole('listitem').allTextContents()).map((t) => t.replace(/\d\d:\d\d( [AP]M)?/, 'HH:MM')),
    ).toEqual(['Red enamel mug — counted 10, expected 12: stock corrected -2 at HH:MM']);
    await screenshot(page, 'handheld-rfid-corrections-390');
    await expectAccessible(page, 'RFID, every sku');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists devices by name and status, the path in a details line; staff rename one by keyboard', async () => {
    const { page, errors } = await open('#devices');
    const device = (label: string) =>
      page.locator('ul.devices li').filter({ has: page.getByText(label, { exact: true }) });
    await expect.poll(() => device('Barcode scanner 1').locator('.badge').textContent(), WAIT).toBe('Connected');
    expect(await page.locator('ul.devices li strong').allTextContents()).toEqual([
      'RFID reader 1',
      'Barcode scanner 1',
      'Till receipt printer',
    ]);
    expect(await device('RFID reader 1').locator('.badge').textContent()).toBe('Not connected');
    expect(await device('Barcode scanner 1').locator('.detail').first().textContent()).toMatch(
      /^Barcode scanner · lane-scanner · \/.*scanner-dev$/,
    );
    await expectAccessible(page, 'devices');

    const rename = page.getByRole('button', { name: 'Rename Barcode scanner 1' });
    await rename.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Rename a device' });
    await dialog.waitFor(WAIT);
    await expectAccessible(page, 'rename dialog');
    await page.keyboard.press('Escape'); // cancels
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    expect(await focusedText(page)).toBe('Rename Barcode scanner 1');

    await page.keyboard.press('Enter');
    await dialog.waitFor(WAIT);
    await page.keyboard.type('   '); // the label is selected: typing replaces it
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.getByRole('alert').textContent(), WAIT).toMatch(/label/);
    await expectAccessible(page, 'rename refused');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Lane 3 scanner');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    await device('Lane 3 scanner').waitFor(WAIT);
    await expect.poll(() => focusedText(page), WAIT).toBe('Rename Lane 3 scanner');
    await screenshot(page, 'handheld-devices-390');
    await page.reload();
    await device('Lane 3 scanner').waitFor(WAIT);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('offers no camera button where the browser cannot read barcodes (headless Chromium has no BarcodeDetector)', async () => {
    const { page } = await open('#lookup');
    expect(await page.evaluate("'BarcodeDetector' in window")).toBe(false);
    expect(await page.getByRole('button', { name: 'Scan with camera' }).count()).toBe(0);
    expect(await page.locator('button.camera').count()).toBe(3); // in the page, hidden
    await page.close();
  });

  it('reads a barcode with the camera where the browser offers BarcodeDetector, and looks it up', async () => {
    const context = await browser.newContext({ viewport: HANDHELD });
    await context.addInitScript({ content: FAKE_CAMERA });
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${url}#lookup`);
    const scan = page.getByRole('button', { name: 'Scan with camera' });
    await scan.waitFor(WAIT);
    expect(await scan.count()).toBe(1); // the shown tab's
    await scan.click();
    const dialog = page.getByRole('dialog', { name: 'Scan a barcode' });
    await dialog.waitFor(WAIT);
    await expect.poll(() => page.evaluate('window.__cameraOpen'), WAIT).toBe(true);
    expect(await page.evaluate('window.__detectorFormats')).toEqual(['ean_13', 'code_128']);
    await expectAccessible(page, 'camera open');
    await screenshot(page, 'handheld-camera-390');
    await page.evaluate('window.__barcodeInView = true');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    expect(await page.getByLabel('Sku, barcode or name').inputValue()).toBe('4006381333931');
    await page.getByRole('article', { name: 'Red enamel mug' }).waitFor(WAIT);
    // On the Count tab the read fills the sku field and waits for the quantity.
    await page.getByRole('tab', { name: 'Count' }).click();
    await page.getByRole('button', { name: 'Scan with camera' }).click();
    await expect.poll(() => page.locator('#count-sku').inputValue(), WAIT).toBe('4006381333931');
    expect(await focusedId(page)).toBe('count-sku');
    expect(errors).toEqual([]);
    await context.close();
  });
});
