import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from './support/browser.js';
import { startTill, type Till } from './support/till-fixture.js';

/** What the cashier sees on the POS page when a card approval is voided, a card sale is refunded, a basket expires. */
describe.skipIf(!haveChromium)('the POS page tells the cashier what the card got', () => {
  let till: Till;
  let browser: Browser;
  beforeAll(async () => {
    till = await startTill({ basketExpiryMinutes: 240 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await till?.stop();
  });

  const lane = async (): Promise<{ page: Page; errors: string[] }> => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${till.node.url}/pos.html`);
    return { page, errors };
  };
  const scan = async (page: Page, code: string, label: string) => {
    await page.getByLabel('Scan or type a sku / barcode').fill(code);
    await page.keyboard.press('Enter');
    await page.getByLabel(`Quantity of ${label}`).waitFor();
  };
  const message = (page: Page) => page.locator('#pay-msg').textContent();

  it('says the card was voided when the sale could not be recorded, then takes the card again and refunds to it', async () => {
    const { page, errors } = await lane();
    await scan(page, 'HEADPHONES', 'Wireless headphones');
    const heal = till.breakCommits('disk-full');
    await page.keyboard.press('F4');
    await expect
      .poll(() => message(page))
      .toMatch(/so card payment SIM-\S+ was voided: the customer was not charged\. Take payment again\.$/);
    await screenshot(page, 'pos-card-voided-disk-full-1920');
    heal();
    await page.keyboard.press('F4');
    const receipt = await page.getByLabel('Receipt', { exact: true }).textContent();
    const saleNumber = /Sale (\S+)/.exec(receipt!)![1]!;

    await page.getByLabel('Sale number (from the receipt)').fill(saleNumber);
    await page.keyboard.press('Enter');
    await page.getByLabel(/^Return quantity of Wireless headphones/).waitFor();
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect
      .poll(() => page.locator('#return-msg').textContent())
      .toMatch(/^Refund \$10\.89 \(return \S+\), to the customer's card \(refund SIMR-\S+\)\.$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lets the cashier void a basket whose approved card the terminal could not void, and says the card was voided', async () => {
    const { page, errors } = await lane();
    await scan(page, 'CEREAL', 'Oat cereal 500 g');
    const heal = till.breakCommits('fault');
    till.terminal.voidsFail = true;
    await page.keyboard.press('F4');
    await expect
      .poll(() => message(page))
      .toMatch(
        /^Asking the card terminal whether this sale was paid… The card was approved \(SIM-\S+\) but the sale was not completed/,
      );
    till.terminal.voidsFail = false;
    await page.getByRole('button', { name: 'Void sale' }).click();
    await page.getByRole('button', { name: 'Press again to void' }).click();
    await expect
      .poll(() => message(page))
      .toMatch(
        /^Sale \S+ voided — 1 item, \$3\.49\. Voided at the lane\. Card payment SIM-\S+ was voided at the terminal: the customer was not charged\.$/,
      );
    heal();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows why a basket left open past the expiry was voided', async () => {
    const { page, errors } = await lane();
    await scan(page, 'CEREAL', 'Oat cereal 500 g');
    till.clock.now += 5 * 3_600_000;
    await till.node.housekeeping();
    await page.reload();
    await expect.poll(() => message(page)).toBe('Voided by the store node: nobody touched this basket for 4 h.');
    expect(errors).toEqual([]);
    await page.close();
  });
});
