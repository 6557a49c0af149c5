import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectNoSeriousViolations,
  launchChromium,
  onConsolePage,
  shot,
  skipWithoutChromium,
  UI_WAIT_MS,
} from '../../../../tests/support/console-fixture.js';
import { pageTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { importProducts, sendSales, StoreOutbox } from './insights-fixture.js';

/**
 * The pricing console pages (issue #25) as head office uses them: a promotion made in the editor in plain words, the
 * skus it reaches previewed, a dry run on last week's baskets followed to DONE with the figure the test worked out,
 * the promotion saved; a chain price scheduled through the book's preview. Axe-clean in each state, every control at
 * least 44 px high.
 */
const DAY = 86_400_000;

describe.each(pageTargets)('the pricing console pages on $name', (target) => {
  let t: TestHub;
  let admin = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    await importProducts(t, admin);
    const store = await t.store('PRC', admin);
    const now = Date.now();
    // milk at the catalog's 3.00: 10 % off gives 2 × 0.30 + 0.30 + 3 × 0.30 = 1.80 over three of the four baskets
    await sendSales(new StoreOutbox(t, store.id), [
      { at: now - 3 * DAY, lines: [['MILK', 2, 300]] },
      {
        at: now - 2 * DAY,
        lines: [
          ['MILK', 1, 300],
          ['BREAD', 1, 400],
        ],
      },
      { at: now - 1 * DAY, lines: [['MILK', 3, 300]] },
      { at: now - 1 * DAY, lines: [['APPLES', 4, 250]] },
    ]);
    browser = skipWithoutChromium ? undefined : await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const onPage = (use: (page: Page) => Promise<void>) => onConsolePage(browser!, t.url, admin, use);
  const status = (page: Page, text: string) =>
    page.getByRole('status').filter({ hasText: text }).first().waitFor({ timeout: UI_WAIT_MS });
  const smallTargets = (page: Page) =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<any> } }).document;
      return Array.from(doc.querySelectorAll('.pricing-page button, .pricing-page input, .pricing-page select'))
        .filter((e: any) => e.offsetParent !== null && e.type !== 'checkbox')
        .map((e: any) => ({
          what: `${e.tagName} ${e.textContent || e.id}`.trim(),
          h: e.getBoundingClientRect().height,
        }))
        .filter((x) => x.h < 44);
    });

  it.skipIf(skipWithoutChromium)(
    'makes a promotion in the editor, previews its skus, dry-runs it to DONE with the expected figure, saves it',
    async () => {
      await onPage(async (page) => {
        await page.goto(`${t.url}/console/#/promotions`);
        await page.locator('#page-title', { hasText: 'Promotions' }).waitFor({ timeout: UI_WAIT_MS });
        await page.getByRole('button', { name: 'New promotion' }).click();
        await page.getByLabel('Name (on receipts)').fill('10 % off milk');
        await page.getByLabel('Kind').selectOption({ label: 'Percent off (10 % off)' });
        await page.getByLabel('Percent off').fill('10');
        await page.getByLabel('Skus (comma or line separated)').fill('MILK');
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);

        await page.getByRole('button', { name: 'Preview the skus' }).click();
        await page.getByRole('heading', { name: 'It reaches 1 sku' }).waitFor({ timeout: UI_WAIT_MS });
        const reached = page.getByRole('table', { name: 'The skus this promotion reaches' });
        expect(await reached.locator('tbody tr').allTextContents()).toEqual(['Milk 1 l MILKDairy$3.00']);
        await expectNoSeriousViolations(page);

        // by keyboard: focus the button, Enter
        await page.getByRole('button', { name: 'Dry run on last week' }).focus();
        await page.keyboard.press('Enter');
        await status(page, 'Done: 4 baskets priced.');
        expect(await page.locator('[data-figure="applied"]').textContent()).toBe('3');
        expect(await page.locator('[data-figure="discount"]').textContent()).toBe('$1.80');
        const top = page.getByRole('table', { name: 'The skus it took most off' });
        expect(await top.locator('tbody tr').allTextContents()).toEqual(['Milk 1 l MILK6$1.80']);
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-promotions-dry-run');

        await page.getByRole('button', { name: 'Save promotion' }).click();
        await status(page, 'Promotion “10 % off milk” saved.');
        const list = await t.call('GET', '/api/pricing/promotions?status=ACTIVE', undefined, { cookie: admin });
        expect(list.body.promotions.map((p: { name: string; rule: unknown }) => [p.name, p.rule])).toEqual([
          ['10 % off milk', { kind: 'PERCENT_OFF', target: { skus: ['MILK'] }, bp: 1_000 }],
        ]);
        await page
          .getByRole('table', { name: /^Running now/ })
          .getByText('10 % off milk')
          .waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
      });
    },
  );

  it.skipIf(skipWithoutChromium)(
    'issues a coupon promotion’s codes once as CSV, lists the batch, and ends the promotion after a confirm',
    async () => {
      await onPage(async (page) => {
        await page.goto(`${t.url}/console/#/promotions`);
        await page.locator('#page-title', { hasText: 'Promotions' }).waitFor({ timeout: UI_WAIT_MS });
        await page.getByRole('button', { name: 'New promotion' }).click();
        await page.getByLabel('Name (on receipts)').fill('$5 off $20 with a coupon');
        await page.getByLabel('Kind').selectOption({ label: 'Spend and save (spend $50, save $5)' });
        await page.getByLabel('Spend at least ($)').fill('20');
        await page.getByLabel('Save ($)').fill('5.00');
        await page.getByLabel('Only with a coupon').check();
        await page.getByRole('button', { name: 'Save promotion' }).click();
        await status(page, 'Promotion “$5 off $20 with a coupon” saved.');
        const saved = (
          await t.call('GET', '/api/pricing/promotions?status=ACTIVE', undefined, { cookie: admin })
        ).body.promotions.find((p: { name: string }) => p.name === '$5 off $20 with a coupon');
        expect(saved).toMatchObject({
          couponRequired: true,
          rule: { kind: 'THRESHOLD', spendMinor: 2_000, offMinor: 500 },
        });

        const coupons = page.getByRole('region', { name: 'Coupons' });
        await coupons.getByLabel('How many codes').fill('5');
        await coupons.getByRole('button', { name: 'Issue coupons' }).click();
        const link = coupons.getByRole('link', { name: 'Download the 5 codes (CSV)' });
        await link.waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        const csv = await new Promise<string>((resolve, reject) => {
          download.createReadStream().then((s) => {
            let text = '';
            s.on('data', (c) => (text += c));
            s.on('end', () => resolve(text));
            s.on('error', reject);
          }, reject);
        });
        const rows = csv.trim().split('\n');
        expect(rows[0]).toBe('code,serial,expires');
        expect(rows).toHaveLength(6);
        // each code checks as valid at the hub
        const code = rows[1]!.split(',')[0]!;
        const check = await t.call('POST', '/api/pricing/coupons/check', { code }, { cookie: admin });
        expect(check.body.status).toBe('VALID');
        // shown once: the link goes, the batch is listed without codes
        await coupons
          .getByText('The codes were downloaded; they are not shown again.')
          .waitFor({ timeout: UI_WAIT_MS });
        const batches = coupons.getByRole('table', { name: 'Coupon batches' });
        await batches.locator('tbody tr').first().waitFor({ timeout: UI_WAIT_MS });
        expect(await batches.textContent()).not.toContain(code);

        await page.getByRole('button', { name: 'End now…' }).click();
        const dialog = page.getByRole('dialog', { name: 'End this promotion now?' });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        await dialog.getByRole('button', { name: 'End it now' }).click();
        await status(page, '“$5 off $20 with a coupon” has ended.');
        const ended = await t.call('GET', '/api/pricing/promotions?status=ENDED', undefined, { cookie: admin });
        expect(ended.body.promotions.map((p: { name: string }) => p.name)).toEqual(['$5 off $20 with a coupon']);
      });
    },
  );

  it.skipIf(skipWithoutChromium)('schedules a chain price through the book’s preview', async () => {
    await onPage(async (page) => {
      await page.goto(`${t.url}/console/#/pricing`);
      await page.locator('#page-title', { hasText: 'Prices' }).waitFor({ timeout: UI_WAIT_MS });
      await page.getByLabel('Book name').fill('Chain prices');
      await page.getByLabel('Applies to').selectOption('CHAIN');
      await page.getByRole('button', { name: 'Create book' }).click();
      await page.getByRole('heading', { name: 'Prices in Chain prices' }).waitFor({ timeout: UI_WAIT_MS });
      await expectNoSeriousViolations(page);

      const start = new Date(Date.now() + 2 * DAY);
      start.setSeconds(0, 0);
      const p = (n: number) => String(n).padStart(2, '0');
      const local = `${start.getFullYear()}-${p(start.getMonth() + 1)}-${p(start.getDate())}T${p(start.getHours())}:${p(start.getMinutes())}`;
      const form = page.getByRole('form', { name: 'Add or schedule a price' });
      await form.getByLabel('Sku').fill('MILK');
      await form.getByLabel('Price ($)').fill('3.45');
      await form.getByLabel('Starts (blank: now)').fill(local);
      await form.getByRole('button', { name: 'Preview price' }).click();
      const preview = page.getByRole('table', { name: 'The skus this change touches' });
      await preview.waitFor({ timeout: UI_WAIT_MS });
      const cells = await preview.locator('tbody tr td').allTextContents();
      expect([cells[0], cells[2], cells[3], cells[4], cells[5]]).toEqual([
        'Milk 1 l MILK',
        '$3.00',
        '$3.45',
        '+15 %',
        '1 of 1',
      ]);
      await expectNoSeriousViolations(page);
      expect(await smallTargets(page)).toEqual([]);
      await shot(page, 'console-pricing-preview');

      await page.getByRole('button', { name: 'Save 1 price' }).click();
      await status(page, 'Saved 1 price');
      const books = await t.call('GET', '/api/pricing/books', undefined, { cookie: admin });
      const chain = (Array.isArray(books.body) ? books.body : books.body.books).find(
        (b: { scope: string }) => b.scope === 'CHAIN',
      );
      const entries = await waitFor('the scheduled price', async () => {
        const r = await t.call('GET', `/api/pricing/books/${chain.id}/entries?sku=MILK`, undefined, { cookie: admin });
        return r.body.entries?.length ? r.body.entries : undefined;
      });
      expect(entries.map((e: { priceMinor: number; from: number }) => [e.priceMinor, e.from])).toEqual([
        [345, start.getTime()],
      ]);
      await page
        .getByRole('table', { name: 'Prices in Chain prices' })
        .getByText('MILK')
        .waitFor({ timeout: UI_WAIT_MS });
      await expectNoSeriousViolations(page);
    });
  });
});
