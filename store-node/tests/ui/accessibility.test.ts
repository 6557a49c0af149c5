import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { DESKTOP, HANDHELD, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { type HandheldStore, startHandheldStore } from '../support/handheld-store.js';
import { smallTargets } from '../support/targets.js';

const WAIT = { timeout: 30_000 };
const STORE_PAGES = ['index', 'pos', 'kiosk', 'pickup', 'handheld', 'pair'] as const;

/** The page has drawn what it loads first: the status bar's sync badge (staff), its bar (kiosk), the form (pair). */
async function settled(page: Page, name: (typeof STORE_PAGES)[number]): Promise<void> {
  if (name === 'pair') await page.getByRole('button', { name: 'Pair' }).waitFor(WAIT);
  else if (name === 'kiosk') await page.locator('header.top').waitFor(WAIT);
  else
    await page
      .locator('#sync-badge')
      .filter({ hasText: /waiting|unknown/ })
      .waitFor(WAIT);
  await page.waitForLoadState('load', WAIT);
  // Best effort: let the first fetches land before axe reads the page. A loaded machine may never give the 500 ms of
  // quiet 'networkidle' needs (staff pages poll every 2 s), and what axe must see is already drawn above.
  await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
}

async function expectNoSeriousViolations(page: Page, state: string): Promise<void> {
  const found = await seriousAxeViolations(page);
  expect(found, `${state}:\n${describeAxe(found)}`).toEqual([]);
}

describe.skipIf(!haveChromium && !process.env.CI)('accessibility of the store pages in Chromium (axe-core)', () => {
  let browser: Browser;
  let bare: StoreNode;
  let store: HandheldStore;
  beforeAll(async () => {
    bare = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-a11y-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    await bare.start();
    store = await startHandheldStore();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bare?.stop();
    await store?.stop();
  });

  // A guard for every lane's page: each store page, as a fresh node shows it (no catalog, no hub), has no serious or
  // critical axe violation, at the lane's screen size and at a handheld's.
  for (const name of STORE_PAGES)
    it(`${name}: no serious or critical violations in its empty state`, async () => {
      for (const viewport of [DESKTOP, HANDHELD]) {
        const page = await browser.newPage({ viewport }); // a context of its own: the kiosk marks its browser
        const errors = pageErrors(page);
        await page.goto(`${bare.url}/${name === 'index' ? '' : `${name}.html`}`);
        await settled(page, name);
        await expectNoSeriousViolations(page, `${name} at ${viewport.width}px`);
        expect(errors).toEqual([]);
        await page.close();
      }
    });

  it('the start page: what each screen is for, broken devices named, 44 px targets, a focus ring, by keyboard', async () => {
    for (const viewport of [DESKTOP, HANDHELD]) {
      const page = await browser.newPage({ viewport });
      const errors = pageErrors(page);
      await page.goto(`${store.node.url}/`);
      await settled(page, 'index');
      const tiles = page.getByRole('navigation', { name: 'Staff screens' }).getByRole('link');
      expect(await tiles.allTextContents()).toEqual([
        expect.stringMatching(/^POS lane.*sales/),
        expect.stringMatching(/^Pickups.*hand over/),
        expect.stringMatching(/^Deliveries.*by driver/),
        expect.stringMatching(/^Handheld.*stock/),
        expect.stringMatching(/^Scan & Go exit.*bag check/),
      ]);
      // The RFID reader and the printer have no port: staff see it here, by the devices' names.
      await expect
        .poll(() => page.locator('#attention').textContent(), WAIT)
        .toBe('2 devices are not working: RFID reader 1, Till receipt printer. See devices');
      await expectNoSeriousViolations(page, `start page at ${viewport.width}px`);
      expect(await smallTargets(page), `start page at ${viewport.width}px`).toEqual([]);
      await screenshot(page, `start-${viewport.width}`);

      await page.getByRole('button', { name: 'Open this screen as a kiosk…' }).click();
      await page.getByRole('dialog', { name: 'Make this browser a kiosk?' }).waitFor(WAIT);
      await expectNoSeriousViolations(page, 'kiosk confirmation');
      expect(await smallTargets(page)).toEqual([]);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden', ...WAIT });
      expect(errors).toEqual([]);
      await page.close();
    }

    // By keyboard alone: Tab reaches the screens, each control shows a visible ring, Enter opens the page.
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.goto(`${store.node.url}/`);
    await settled(page, 'index');
    const rings: string[] = [];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate<{ text: string; outline: string }>(
        `(() => { const e = document.activeElement; const s = getComputedStyle(e);
           return { text: e.textContent.trim().slice(0, 8), outline: s.outlineStyle + ' ' + s.outlineWidth }; })()`,
      );
      rings.push(`${focused.text}: ${focused.outline}`);
      if (focused.text === 'Handheld' && rings.length > 4) break;
    }
    expect(
      rings.filter((r) => !r.endsWith('solid 3px')),
      rings.join('\n'),
    ).toEqual([]);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/handheld\.html/, WAIT);
    await page.close();
  });

  it('the pairing page: labelled, 44 px targets, the refusal announced, all by keyboard', async () => {
    const lan = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-a11y-pair-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      trustedAddresses: [], // 127.0.0.1 is a device on the store's network here
    });
    await lan.start();
    try {
      const page = await browser.newPage({ viewport: HANDHELD });
      const errors = pageErrors(page);
      await page.goto(`${lan.url}/pair.html`);
      await settled(page, 'pair');
      await expectNoSeriousViolations(page, 'pairing page');
      expect(await smallTargets(page)).toEqual([]);
      await page.getByLabel('Pairing code').focus();
      await page.keyboard.type('000000');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Handheld 9');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toMatch(/pairing code is wrong/);
      await expectNoSeriousViolations(page, 'pairing refused');
      await screenshot(page, 'pair-a11y-refused-390');
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await lan.stop();
    }
  });
});
