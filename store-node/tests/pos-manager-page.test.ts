import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, haveChromium, launchChromium, pageErrors } from './support/browser.js';
import { startTill, type Till } from './support/till-fixture.js';

const WAIT = { timeout: 30_000 };

/**
 * A price override holds for the quantity it was given for (hostile review #4), on the POS page: a new quantity takes
 * it off and the page tells the cashier to ask a manager again. The store asks for nobody here, so the override goes
 * without a PIN (the approval itself: pos-manager-approvals.test.ts).
 */
describe.skipIf(!haveChromium && !process.env.CI)(
  'a price override and its quantity on the POS page, in Chromium',
  () => {
    let till: Till;
    let browser: Browser;
    beforeAll(async () => {
      till = await startTill({ lane: 2, storeCode: 'S001' });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await till?.stop();
    });

    it('says the override was removed when the quantity changes, and prices the line as usual again', async () => {
      const page = await browser.newPage({ viewport: DESKTOP });
      const errors = pageErrors(page);
      try {
        await page.goto(`${till.node.url}/pos.html`);
        await expect.poll(() => page.locator('#lane-label').textContent(), WAIT).toBe('2 · store S001');
        await page.getByLabel('Scan or type a sku / barcode').fill('HEADPHONES');
        await page.keyboard.press('Enter');
        await expect.poll(() => page.locator('#basket tbody').textContent(), WAIT).toContain('$10.00');

        await page.getByRole('button', { name: /^Override price of / }).click();
        await page.locator('#override-price').fill('0.00');
        await page.locator('#override-reason').fill('damaged item');
        await page.locator('#override-reason').press('Enter');
        await expect
          .poll(() => page.locator('#basket tbody').textContent(), WAIT)
          .toContain('Price override: damaged item');
        await expect.poll(() => page.locator('#total').textContent(), WAIT).toBe('$0.00');

        const qty = page.getByLabel(/^Quantity of /);
        await qty.fill('5');
        await qty.press('Enter');
        await expect
          .poll(() => page.locator('#basket-msg').textContent(), WAIT)
          .toContain('price override removed: quantity changed; ask a manager again');
        const basket = await page.locator('#basket tbody').textContent();
        expect(basket).not.toContain('Price override');
        expect(basket).toContain('$50.00'); // 5 × $10.00, priced as usual
        expect(await page.locator('#total').textContent()).not.toBe('$0.00');
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  },
);
