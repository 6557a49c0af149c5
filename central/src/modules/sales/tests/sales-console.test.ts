import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from '../../../../tests/support/console-fixture.js';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { pageTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { completed, returned, StoreOutbox, voided } from './sales-fixture.js';

/** Generous: the machine is shared and slow. */
const UI_WAIT_MS = 30_000;
const SCREENSHOTS = fileURLToPath(new URL('../../../../../.test-artifacts/screenshots/', import.meta.url));

describe.each(pageTargets)('the console’s Sales page on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    store = await t.store('NYC-5TH', admin);
    await t.call('PATCH', `/api/locations/${store.id}`, { timezone: 'America/New_York' }, { cookie: admin });
    const o = new StoreOutbox(t, store.id);
    await o.send(
      o.event('sale.completed', completed('S-1', Date.parse('2024-06-03T02:30:00Z'), [['MUG', 2, 500]])), // 22:30 on 2 June in New York
      o.event('sale.completed', {
        ...completed('S-2', Date.parse('2024-06-03T15:00:00Z'), [
          ['MUG', 1, 500],
          ['TEA', 3, 250],
        ]),
        lane: '02',
        number: 'NYC5-02-00042',
      }),
      o.event('sale.voided', voided('V-1', Date.parse('2024-06-03T18:00:00Z'))),
      o.event('sale.returned', {
        ...returned('R-1', 'S-2', Date.parse('2024-06-03T20:00:00Z'), 'TEA', 1, 275),
        number: 'NYC5-02-R00001',
        saleNumber: 'NYC5-02-00042',
      }),
    );
  });
  afterAll(() => t?.stop());

  it.skipIf(skipWithoutChromium)(
    'shows a store’s daily totals with money and days as people read them, in the store’s days',
    async () => {
      const browser = await launchChromium();
      try {
        // The viewer is in Auckland: the days shown must still be the store's, not shifted to the viewer's zone.
        const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Pacific/Auckland' });
        const [name, value] = admin.split('=') as [string, string];
        await context.addCookies([{ name, value, url: t.url }]);
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${t.url}/console/#/sales?store=${store.id}&from=2024-06-01&to=2024-06-05`);
        const june3 = page.getByRole('row').filter({ hasText: 'Mon, Jun 3, 2024' });
        await june3.waitFor({ timeout: UI_WAIT_MS });
        const cells = async (row: typeof june3) => (await row.getByRole('cell').allInnerTexts()).map((c) => c.trim());
        //                          day                  store                      sales gross      tax      returns            voids net
        expect(await cells(june3)).toEqual([
          'Mon, Jun 3, 2024',
          'NYC-5TH — Store NYC-5TH',
          '1',
          '$13.75',
          '$1.25',
          '1 ($2.75)',
          '1',
          '$11.00',
        ]);
        expect(await cells(page.getByRole('row').filter({ hasText: 'Sun, Jun 2, 2024' }))).toEqual([
          'Sun, Jun 2, 2024',
          'NYC-5TH — Store NYC-5TH',
          '1',
          '$11.00',
          '$1.00',
          '0',
          '0',
          '$11.00',
        ]);
        await page
          .getByText('2 sales, gross $24.75 (tax $2.25), 1 return refunding $2.75, 1 void: net $22.00')
          .waitFor({ timeout: UI_WAIT_MS });
        await page
          .getByText('Days are the store’s own calendar days (America/New_York).')
          .waitFor({ timeout: UI_WAIT_MS });
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: `${SCREENSHOTS}console-sales.png`, fullPage: true });

        // A sale found by the number on its receipt, typed in lower case (#17).
        await page.getByLabel('Sale number (from a receipt)').fill('nyc5-02-00042');
        await page.keyboard.press('Enter');
        await page
          .getByRole('heading', { name: 'NYC-5TH — Store NYC-5TH: sale NYC5-02-00042' })
          .waitFor({ timeout: UI_WAIT_MS });
        await page
          .getByText('Paid $13.75 (tax $1.25) by card AUTH-S-2 on Mon, Jun 3, 2024 at lane 02.')
          .waitFor({ timeout: UI_WAIT_MS });
        const back = page.getByRole('table', { name: 'Returns of sale NYC5-02-00042' }).getByRole('row').nth(1);
        expect((await back.getByRole('cell').allInnerTexts()).map((c) => c.trim())).toEqual([
          'NYC5-02-R00001',
          'Mon, Jun 3, 2024',
          '1 × TEA',
          '$2.75 in cash',
          'yes',
        ]);
        const found = await seriousAxeViolations(page);
        expect(found, describeAxe(found)).toEqual([]);
        await page.screenshot({ path: `${SCREENSHOTS}console-sale-by-number.png`, fullPage: true });
        await page.getByLabel('Sale number (from a receipt)').fill('NYC5-02-99999');
        await page.keyboard.press('Enter');
        await page.getByText('No sale NYC5-02-99999 here.').waitFor({ timeout: UI_WAIT_MS });
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
