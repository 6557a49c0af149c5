import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, haveChromium, launchChromium, pageErrors } from './support/browser.js';
import { fakePricing } from './support/pos-pricing-fake.js';
import { startTill, type Till } from './support/till-fixture.js';

const WAIT = { timeout: 30_000 };

/**
 * Issue #25 on the POS page: a line's promotions show under it with the amount off, the total saved shows with the
 * totals, and a coupon typed in shows whether it applied or why not (the pricing: support/pos-pricing-fake.ts).
 */
describe.skipIf(!haveChromium && !process.env.CI)('promotions and coupons on the POS page, in Chromium', () => {
  let till: Till;
  let browser: Browser;
  beforeAll(async () => {
    till = await startTill({ lane: 2, storeCode: 'S001' });
    fakePricing(till.node);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await till?.stop();
  });

  it('shows a 3-for-2 under its line, what the customer saved, and a coupon applied or refused with why', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    try {
      await page.goto(`${till.node.url}/pos.html`);
      await expect.poll(() => page.locator('#lane-label').textContent(), WAIT).toBe('2 · store S001');
      const scan = page.getByLabel('Scan or type a sku / barcode');
      await scan.fill('CEREAL');
      await page.getByLabel('Quantity to add').fill('3');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#basket tbody').textContent(), WAIT).toContain('3 for 2 on cereal: −$3.49');
      await expect.poll(() => page.locator('#saved').textContent(), WAIT).toBe('$3.49');
      expect(await page.locator('#saved-row').isVisible()).toBe(true);

      await page.getByRole('button', { name: 'Coupon', exact: true }).click();
      await page.getByLabel('Coupon code (scanned or typed)').fill('NOT-OURS-1');
      await page.getByRole('button', { name: 'Add coupon' }).click();
      await expect
        .poll(() => page.locator('#coupons').textContent(), WAIT)
        .toContain('NOT-OURS-1 — not applied: this code was not issued by us');
      const found = await seriousAxeViolations(page);
      expect(found, describeAxe(found)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
