import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { startTill, type Till } from '../support/till-fixture.js';

const WAIT = { timeout: 30_000 };
/** A customer card whose GS1 check digit (the last 6) was worked out by hand. */
const CARD = '2912345678901236';
const MASKED = '••••••••••••1236';

/** #21: the cashier scans or types the customer's loyalty card at the lane, by keyboard, checked with axe-core. */
describe.skipIf(!haveChromium && !process.env.CI)('the customer card on the POS page, in Chromium', () => {
  let till: Till;
  let browser: Browser;
  beforeAll(async () => {
    till = await startTill({ lane: 4, storeCode: 'S001' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await till?.stop();
  });

  /** No serious or critical axe finding, and every visible control at least 44×44 px. */
  const checked = async (page: Page, state: string) => {
    const found = await seriousAxeViolations(page);
    expect(found, `${state}: ${describeAxe(found)}`).toEqual([]);
    const small: string[] = [];
    for (const c of await page.locator('main button:visible, main input:visible').all()) {
      const box = await c.boundingBox();
      if (box && (box.width < 44 || box.height < 44))
        small.push(`${await c.evaluate((e) => e.outerHTML.slice(0, 80))} ${box.width}×${box.height}`);
    }
    expect(small, state).toEqual([]);
  };
  const scanField = (page: Page) => page.getByLabel('Scan or type a sku / barcode');
  const basketMsg = (page: Page) => page.locator('#basket-msg').textContent();
  /** The id of the focused element (runs in the page; the tests compile without the DOM library). */
  const focusedId = (page: Page) =>
    page.evaluate(
      () =>
        (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id,
    );
  /** Everything on the page a passer-by could read: its text and what its fields hold. */
  const onScreen = async (page: Page) =>
    [
      await page.locator('body').textContent(),
      ...(await page.locator('input').evaluateAll((all) => all.map((i) => (i as unknown as { value: string }).value))),
    ].join('\n');
  const openOnNode = async () => (await till.call('GET', '/api/pos/lane')).body.open;

  it('takes a scanned card as the customer’s (not an item), shows it masked, refuses a misread one, removes it, and sells with it', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${till.node.url}/pos.html`);
    await expect.poll(() => page.locator('#lane-label').textContent(), WAIT).toBe('4 · store S001');
    await checked(page, 'empty lane');

    // An item, then the card from a keyboard-wedge scanner: digits and Enter into the scan field.
    await scanField(page).fill('CEREAL');
    await page.keyboard.press('Enter');
    await page.getByLabel('Quantity of Oat cereal 500 g').waitFor(WAIT);
    await scanField(page).fill(CARD);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#card-masked').textContent(), WAIT).toBe(MASKED);
    expect(await page.locator('#card-shown').isVisible()).toBe(true);
    expect(await basketMsg(page)).toBe(`Customer card ${MASKED} is on this sale.`);
    expect(await onScreen(page)).not.toContain(CARD);
    expect((await openOnNode()).lines.map((l: { sku: string }) => l.sku)).toEqual(['CEREAL']); // not an item
    expect(await focusedId(page)).toBe('scan'); // ready for the next item
    await checked(page, 'card on the sale');
    await screenshot(page, 'pos-customer-card-1920');

    // Removed with its button, then typed through the "Customer card" control (F6) with a misread digit: refused.
    await page.getByRole('button', { name: 'Remove card' }).click();
    await expect.poll(() => page.locator('#card-shown').isVisible(), WAIT).toBe(false);
    expect((await openOnNode()).customerCard).toBeNull();
    await page.keyboard.press('F6');
    const typed = page.getByLabel('Customer card number (16 digits, starts with 29)');
    await expect.poll(() => focusedId(page), WAIT).toBe('card-input');
    await page.keyboard.type('2912 3456 7890 1235');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('alert').textContent(), WAIT)
      .toBe(
        'Customer card ••••••••••••1235 does not check out (a digit was misread or mistyped): scan the card again, or type the number carefully.',
      );
    expect(await page.locator('#card-shown').isVisible()).toBe(false);
    expect((await openOnNode()).customerCard).toBeNull();
    await checked(page, 'misread card refused');

    // Corrected in the same field; Cash (F2) takes the sale with the card, and the receipt shows only its last digits.
    await typed.fill(CARD);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#card-masked').textContent(), WAIT).toBe(MASKED);
    expect(await typed.isVisible()).toBe(false);
    const saleId = (await openOnNode()).id as string;
    await page.keyboard.press('F2');
    const receipt = page.getByLabel('Receipt', { exact: true });
    await expect.poll(() => receipt.textContent(), WAIT).toContain('Customer card ending 1236');
    expect(await onScreen(page)).not.toContain(CARD);
    expect(till.events('sale.completed', saleId)[0]).toMatchObject({ customerCard: CARD });
    await checked(page, 'paid with the card');
    expect(errors).toEqual([]);
    await page.close();
  });
});
