import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { startTill, type Till } from '../support/till-fixture.js';

const WAIT = { timeout: 30_000 };

/** #17: a return after the window the receipt printed is refused by the node, and the cashier reads why. */
describe.skipIf(!haveChromium && !process.env.CI)('a return past the window, at the POS in Chromium', () => {
  let till: Till;
  let browser: Browser;
  beforeAll(async () => {
    till = await startTill({
      lane: 3,
      storeCode: 'S001',
      timeZone: 'Europe/Berlin',
      now: Date.parse('2026-10-12T10:00:00+02:00'),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await till?.stop();
  });

  it('says when the sale was and until when returns were taken, and sends the cashier to the manager', async () => {
    const id = await till.basket({ HEADPHONES: 1 });
    const sale = (await till.call('POST', `/api/pos/sales/${id}/tender`, { kind: 'CASH', givenMinor: 2000 })).body;
    expect(sale.number).toBe('S001-03-00001');
    till.clock.now = Date.parse('2026-11-28T13:05:00+01:00');

    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${till.node.url}/pos.html`);
    await expect.poll(() => page.locator('#lane-label').textContent(), WAIT).toBe('3 · store S001');
    // By keyboard: the receipt's number scanned, the one line chosen, Enter to refund.
    await page.keyboard.type('S001-03-00001');
    await page.keyboard.press('Enter');
    const back = page.getByLabel('Return quantity of Wireless headphones (up to 1)');
    await expect.poll(() => back.inputValue(), WAIT).toBe('1');
    await back.focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#return-msg').textContent(), WAIT)
      .toBe(
        'Sale S001-03-00001 was on 12 Oct 2026; returns are accepted for 30 days, until 11 Nov 2026. The till has no override: ask the store manager.',
      );
    const found = await seriousAxeViolations(page);
    expect(found, describeAxe(found)).toEqual([]);
    await screenshot(page, 'pos-return-window-closed-1920');
    expect(till.events('sale.returned', id)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
