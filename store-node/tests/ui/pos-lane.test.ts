import { code128Modules } from '@storefleet/shared';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { startTill, type Till } from '../support/till-fixture.js';

const WAIT = { timeout: 30_000 };

/** #17: the POS lane as a cashier uses it, by keyboard alone, checked with axe-core in every state. */
describe.skipIf(!haveChromium && !process.env.CI)('the POS lane, by keyboard, in Chromium', () => {
  let till: Till;
  let browser: Browser;
  beforeAll(async () => {
    till = await startTill({
      lane: 3,
      storeCode: 'S001',
      timeZone: 'Europe/Berlin',
      now: Date.parse('2026-11-28T13:05:00Z'),
    });
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
  const focused = (page: Page) =>
    page.evaluate(() => {
      // Runs in the page: its document, typed loosely here (the tests compile without the DOM library).
      const el = (
        globalThis as unknown as {
          document: { activeElement: { id: string; getAttribute(n: string): string | null } | null };
        }
      ).document.activeElement;
      return el?.getAttribute('aria-label') ?? el?.id;
    });
  const basketOnNode = async () =>
    ((await till.call('GET', '/api/pos/lane')).body.open?.lines ?? []).map(
      (l: { sku: string; qty: number }) => `${l.qty} ${l.sku}`,
    );

  it('searches by name, edits a quantity without jumping, keeps the basket over a reload, voids, sells, and takes a return from the receipt', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${till.node.url}/pos.html`);
    await expect.poll(() => page.locator('#lane-label').textContent(), WAIT).toBe('3 · store S001');
    await checked(page, 'empty lane');

    // F2 with nothing in the basket: words, not a JavaScript error.
    await page.keyboard.press('F2');
    await expect
      .poll(() => page.locator('#pay-msg').textContent(), WAIT)
      .toBe('Nothing to pay for yet: scan an item first.');
    await checked(page, 'nothing to pay');

    // A name typed at the till lists products, ranked; ↓ and Enter add the first.
    await page.keyboard.type('wireless');
    const results = page.getByRole('list', { name: /matche?s? “wireless”/ });
    await expect.poll(() => results.getByRole('button').count(), WAIT).toBeGreaterThan(0);
    expect(await results.getByRole('button').first().locator('.result-name, .result-price').allTextContents()).toEqual([
      'Wireless headphones',
      '$10.00',
    ]);
    await checked(page, 'search results');
    await screenshot(page, 'pos-search-1920');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const headphones = page.getByLabel('Quantity of Wireless headphones');
    await expect.poll(() => headphones.inputValue(), WAIT).toBe('1');
    expect(await results.count()).toBe(0);
    // Esc closes a list that is not wanted.
    await page.keyboard.type('oat');
    await expect.poll(() => page.locator('#search-area').isVisible(), WAIT).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.locator('#search-area').isVisible()).toBe(false);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('CEREAL');
    await page.keyboard.press('Enter');
    await page.getByLabel('Quantity of Oat cereal 500 g').waitFor(WAIT);
    expect(await basketOnNode()).toEqual(['1 HEADPHONES', '1 CEREAL']);

    // Arrows change the number only; Esc puts it back; Enter commits and returns to the scan field.
    await headphones.focus();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await headphones.inputValue()).toBe('3');
    expect(await focused(page)).toBe('Quantity of Wireless headphones');
    expect(await basketOnNode()).toEqual(['1 HEADPHONES', '1 CEREAL']);
    await page.keyboard.press('Escape');
    expect(await headphones.inputValue()).toBe('1');
    await headphones.focus();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect.poll(basketOnNode, WAIT).toEqual(['2 HEADPHONES', '1 CEREAL']);
    await expect.poll(() => focused(page), WAIT).toBe('scan');

    // The node keeps the open basket: a reload (even with the browser's storage gone) shows it again.
    await page.evaluate(() => (globalThis as unknown as { localStorage: { clear(): void } }).localStorage.clear());
    await page.reload();
    await expect.poll(() => page.getByLabel('Quantity of Wireless headphones').inputValue(), WAIT).toBe('2');
    expect(await page.locator('#sale-number').textContent()).toBe('— Sale S001-03-00001');

    // A void (two presses, by keyboard) clears the screen and says what was voided.
    await page.locator('#void').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#pay-msg').textContent(), WAIT)
      .toMatch(/^Sale S001-03-00001 voided — 3 items, \$\d+\.\d\d\.$/);
    expect(await page.locator('#basket tbody').textContent()).toBe('Scan an item to start a sale.');
    expect(await page.getByRole('button', { name: /Card/ }).isDisabled()).toBe(true);
    await checked(page, 'voided');
    await screenshot(page, 'pos-voided-cleared-1920');

    // A cash sale: the paid sale is locked, its receipt has the store's local time, the number and its barcode.
    await page.locator('#scan').focus();
    await page.keyboard.type('HEADPHONES');
    await page.keyboard.press('Enter');
    await page.getByLabel('Quantity of Wireless headphones').waitFor(WAIT);
    await page.locator('#cash-given').focus();
    await page.keyboard.type('20');
    await page.keyboard.press('F2');
    const receipt = page.getByLabel('Receipt', { exact: true });
    await receipt.waitFor(WAIT);
    expect(await page.locator('#pay-msg').textContent()).toBe('Paid. Change due: $9.11.');
    expect(await page.getByLabel(/^Quantity of/).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    expect(await page.locator('#sale-number').textContent()).toBe('— Sale S001-03-00002 (paid)');
    const text = (await receipt.textContent())!;
    expect(text).toContain('28 Nov 2026, 14:05');
    expect(text).toContain('Sale S001-03-00002');
    expect(text).toMatch(/Returns: within 30 days/);
    const barcode = page.getByRole('img', { name: 'Barcode of sale S001-03-00002' });
    // Read the drawn bars back, as a scanner would see them: the Code 128 modules of the number.
    const bars = await barcode.evaluate((svg) =>
      [...svg.querySelectorAll('rect[fill="#000"]')].map((r) => [
        Number(r.getAttribute('x')),
        Number(r.getAttribute('width')),
      ]),
    );
    const width = Math.max(...bars.map(([x, w]) => x! + w!)) + 10;
    const modules = Array.from({ length: width - 20 }, (_, i) =>
      bars.some(([x, w]) => i + 10 >= x! && i + 10 < x! + w!) ? '1' : '0',
    ).join('');
    expect(modules).toBe(code128Modules('S001-03-00002'));
    await checked(page, 'paid');
    await screenshot(page, 'pos-receipt-barcode-1920');

    // The receipt's number scanned at the lane opens the sale for a return; Enter refunds the one item, in cash.
    await page.locator('#scan').focus();
    await page.keyboard.type('S001-03-00002');
    await page.keyboard.press('Enter');
    const back = page.getByLabel('Return quantity of Wireless headphones (up to 1)');
    await expect.poll(() => focused(page), WAIT).toBe('Return quantity of Wireless headphones (up to 1)');
    expect(await back.inputValue()).toBe('1');
    expect(await page.locator('#return-how').textContent()).toBe('The refund is paid in cash from the drawer.');
    await checked(page, 'return lines');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#return-msg').textContent(), WAIT)
      .toBe('Refund $10.89 (return S001-03-R00001), in cash: give the customer $10.89 from the drawer.');
    const slip = (await page.getByLabel('Return slip', { exact: true }).textContent())!;
    expect(slip).toContain('Return S001-03-R00001');
    expect(slip).toContain('for sale S001-03-00002');
    await checked(page, 'return slip');
    await screenshot(page, 'pos-return-slip-1920');

    // Nothing is left to return: the line cannot be chosen, and the node refuses it anyway.
    await page.locator('#return-sale').focus();
    await page.keyboard.type('S001-03-00002');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#return-msg').textContent(), WAIT)
      .toBe('Everything from sale S001-03-00002 has been returned already.');
    expect(await page.getByLabel('Return quantity of Wireless headphones (up to 0)').isDisabled()).toBe(true);
    await checked(page, 'nothing left to return');
    await page.keyboard.press('Escape');
    expect(await page.locator('#return-form').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refunds a card sale to its card through the terminal, and says so', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${till.node.url}/pos.html`);
    await expect.poll(() => page.locator('#lane-label').textContent(), WAIT).toBe('3 · store S001');
    await page.keyboard.type('CEREAL');
    await page.keyboard.press('Enter');
    await page.getByLabel('Quantity of Oat cereal 500 g').waitFor(WAIT);
    await page.keyboard.press('F4');
    const receipt = page.getByLabel('Receipt', { exact: true });
    await receipt.waitFor(WAIT);
    const number = /Sale (S001-03-\d{5})/.exec((await receipt.textContent())!)![1]!;
    const refunds = till.terminal.refundsMade;
    await page.locator('#return-sale').fill(number.toLowerCase()); // typed, in any case
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#return-how').textContent(), WAIT)
      .toMatch(/^The refund goes back to the card the sale was paid with \(SIM-\S+\), through the card terminal\.$/);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#return-msg').textContent(), WAIT)
      .toMatch(/^Refund \$3\.49 \(return S001-03-R\d{5}\), to the customer's card \(refund SIMR-\S+\)\.$/);
    expect(till.terminal.refundsMade).toBe(refunds + 1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
