import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { startTill, type Till } from '../support/till-fixture.js';

const WAIT = { timeout: 30_000 };

/**
 * #17, many tills on one node: two browsers made POS screens from the start page, as lanes 3 and 4, by keyboard. Each
 * shows its lane, numbers its sales on it and gets its own basket back after a reload.
 */
describe.skipIf(!haveChromium && !process.env.CI)('two POS screens on one store node, in Chromium', () => {
  let till: Till;
  let browser: Browser;
  beforeAll(async () => {
    till = await startTill({ storeCode: 'S001' }); // the node's own lane (STORE_LANE) is 1
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await till?.stop();
  });

  const axeClean = async (page: Page, state: string) => {
    const found = await seriousAxeViolations(page);
    expect(found, `${state}: ${describeAxe(found)}`).toEqual([]);
  };
  const bigEnough = async (page: Page, selector: string) => {
    for (const c of await page.locator(selector).all()) {
      const box = await c.boundingBox();
      expect(
        box && Math.min(box.width, box.height),
        await c.evaluate((e) => e.outerHTML.slice(0, 80)),
      ).toBeGreaterThanOrEqual(44);
    }
  };

  /** A fresh browser (its own cookies) made lane `lane`'s POS screen from the start page, by keyboard alone. */
  const makeLane = async (lane: string, check: boolean): Promise<Page> => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${till.node.url}/`);
    await page.getByRole('button', { name: 'A POS lane only…' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Make this browser a POS lane?' });
    await expect.poll(() => dialog.isVisible(), WAIT).toBe(true);
    const field = dialog.getByLabel('Which lane is this till? (1–99)');
    await expect.poll(() => field.evaluate((e) => e === e.ownerDocument.activeElement), WAIT).toBe(true);
    if (check) {
      await axeClean(page, 'lane asked');
      await bigEnough(page, '#screen-confirm button:visible, #screen-confirm input:visible');
      await page.keyboard.type('0');
      await page.keyboard.press('Enter'); // not a lane: said in words, nothing marked
      await expect
        .poll(() => page.locator('#screen-lane-error').textContent(), WAIT)
        .toBe('Type this till’s lane number, a whole number from 1 to 99.');
      expect(new URL(page.url()).pathname).toBe('/');
      await axeClean(page, 'bad lane');
      await screenshot(page, 'start-pos-lane-asked');
      await page.keyboard.press('Control+A');
    }
    await page.keyboard.type(lane);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/pos.html', WAIT);
    return page;
  };

  it('each screen shows its lane, numbers its sales on it and keeps only its own basket over a reload', async () => {
    const lane3 = await makeLane('3', true);
    const lane4 = await makeLane('4', false);
    const errors = [...pageErrors(lane3), ...pageErrors(lane4)];
    for (const [page, n] of [
      [lane3, '3'],
      [lane4, '4'],
    ] as const) {
      await expect.poll(() => page.locator('#lane-label').textContent(), WAIT).toBe(`${n} · store S001`);
      expect(await page.locator('h1').textContent()).toBe(`POS lane ${n} · store S001`);
      expect(await page.title()).toBe(`POS lane ${n} — Storefleet`);
    }

    // Lane 3 scans cereal, lane 4 headphones: each sale is numbered on its own lane.
    for (const [page, sku, name] of [
      [lane3, 'CEREAL', 'Oat cereal 500 g'],
      [lane4, 'HEADPHONES', 'Wireless headphones'],
    ] as const) {
      await page.locator('#scan').focus();
      await page.keyboard.type(sku);
      await page.keyboard.press('Enter');
      await page.getByLabel(`Quantity of ${name}`).waitFor(WAIT);
    }
    expect(await lane3.locator('#sale-number').textContent()).toBe('— Sale S001-03-00001');
    expect(await lane4.locator('#sale-number').textContent()).toBe('— Sale S001-04-00001');
    await axeClean(lane3, 'lane 3 with a basket');

    // Reloaded (their storage gone too), each screen gets its own basket back from the node, never the other's.
    for (const page of [lane4, lane3]) {
      await page.evaluate(() => (globalThis as unknown as { localStorage: { clear(): void } }).localStorage.clear());
      await page.reload();
    }
    await expect.poll(() => lane3.locator('#sale-number').textContent(), WAIT).toBe('— Sale S001-03-00001');
    await expect.poll(() => lane4.locator('#sale-number').textContent(), WAIT).toBe('— Sale S001-04-00001');
    expect(await lane3.getByLabel('Quantity of Oat cereal 500 g').inputValue()).toBe('1');
    expect(await lane3.getByLabel('Quantity of Wireless headphones').count()).toBe(0);
    expect(await lane4.getByLabel('Quantity of Wireless headphones').inputValue()).toBe('1');
    expect(await lane4.getByLabel('Quantity of Oat cereal 500 g').count()).toBe(0);
    await screenshot(lane4, 'pos-lane-4-after-reload');
    expect(errors).toEqual([]);
  }, 180_000);
});
