import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
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

/**
 * The recommendations console page (issue #21) as head office uses it: a fresh hub says what to do ("No model yet —
 * press Train now"); the A/B variants with impressions, clicks, CTR and its 95 % credible interval (figures and a bar
 * with the interval drawn around the rate) and the chance to be best; a variant stopped after a confirm (by keyboard),
 * the last running one refused with a message that says why; the training runs with readable figures, "Train now"
 * queued and followed until the run is served, then a store's list with reasons and a "try it" list with its
 * variant. Axe-clean in every state, every control at least 44 px high.
 */

const WEIGHTS = JSON.stringify(
  Object.fromEntries(
    ['home', 'product', 'cart', 'kiosk'].map((s) => [
      s,
      { personal: 0.5, boughtWith: 0.2, similar: 0.1, popular: 0.2, session: 0.3 },
    ]),
  ),
);
/** Variants with counts a person can check: the first two running, the others stopped, the last never served. */
const VARIANTS = [
  { name: 'hybrid-a', impressions: 12_345, clicks: 432, state: 'RUNNING', description: 'Personal first' },
  { name: 'popular-b', impressions: 8_000, clicks: 200, state: 'RUNNING', description: 'Popular first' },
  { name: 'similar-c', impressions: 1_500, clicks: 30, state: 'STOPPED', description: 'Similar first' },
  { name: 'fresh-d', impressions: 0, clicks: 0, state: 'STOPPED', description: 'Never served' },
];
const PRODUCTS = [
  { sku: 'OAT-1L', name: 'Oat milk 1 l', category: 'Dairy', priceMinor: 329 },
  { sku: 'MILK-1L', name: 'Whole milk 1 l', category: 'Dairy', priceMinor: 149 },
  { sku: 'MUG-STONE', name: 'Stoneware mug', category: 'Kitchen', priceMinor: 1299 },
  { sku: 'TEA-EARL', name: 'Earl Grey tea', category: 'Grocery', priceMinor: 450 },
  { sku: 'HONEY-1', name: 'Clover honey', category: 'Grocery', priceMinor: 899 },
  { sku: 'BREAD-1', name: 'Sourdough loaf', category: 'Bakery', priceMinor: 399 },
];

interface VariantView {
  name: string;
  state: string;
  ctr: number;
  ctrLow: number;
  ctrHigh: number;
  chanceBest: number;
}
const pct = (x: number) =>
  `${(x * 100).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} %`;

describe.each(pageTargets)('the recommendations console page on $name', (target) => {
  let t: TestHub;
  let admin = '';
  let storeId = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    storeId = (await t.store('RIV', admin)).id;
    await t.call('PATCH', `/api/locations/${storeId}`, { name: 'Riverside' }, { cookie: admin });
    const imported = await t.call('POST', '/api/catalog/products/import', { items: PRODUCTS }, { cookie: admin });
    if (imported.status >= 300) throw new Error(`import: ${JSON.stringify(imported.body)}`);
    browser = skipWithoutChromium ? undefined : await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const onPage = (use: (page: Page) => Promise<void>) => onConsolePage(browser!, t.url, admin, use);
  const open = async (page: Page) => {
    await page.goto(`${t.url}/console/#/recommendations`);
    await page.locator('#page-title', { hasText: 'Recommendations' }).waitFor({ timeout: UI_WAIT_MS });
  };
  const section = (page: Page, name: string) => page.getByRole('region', { name });
  const status = (page: Page, text: string | RegExp) =>
    page.getByRole('status').filter({ hasText: text }).first().waitFor({ timeout: UI_WAIT_MS });
  /** Every visible control the page adds is at least 44 px high. */
  const smallTargets = (page: Page) =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<any> } }).document;
      return Array.from(
        doc.querySelectorAll(
          [
            '.recs-page button, .recs-page select, .recs-page input:not([type="checkbox"])',
            '.recs-page td a, .recs-page summary, .recs-page .rc-check label, dialog button',
          ].join(', '),
        ),
      )
        .filter((e: any) => e.offsetParent !== null)
        .map((e: any) => ({
          what: `${e.tagName} ${e.textContent || e.id}`.trim(),
          h: e.getBoundingClientRect().height,
        }))
        .filter((x) => x.h < 44);
    });
  /** The text of the control that has the keyboard's focus. */
  const focused = (page: Page) =>
    page.evaluate(
      () =>
        (globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document
          .activeElement?.textContent,
    );
  const variantsNow = async (): Promise<VariantView[]> =>
    (await t.call('GET', '/api/recommendations/variants', undefined, { cookie: admin })).body.variants;
  const variantRow = (page: Page, name: string) =>
    section(page, 'A/B variants')
      .locator('tbody tr')
      .filter({ has: page.locator('strong', { hasText: name }) });

  it.skipIf(skipWithoutChromium)(
    'on a fresh hub says what to do: no model yet, press Train now; the store’s list waits for the first model',
    async () => {
      await onPage(async (page) => {
        await open(page);
        await section(page, 'Models')
          .getByText('No model yet — press Train now.', { exact: false })
          .waitFor({ timeout: UI_WAIT_MS });
        await section(page, 'A store’s list')
          .getByText('No model yet — press Train now under Models', { exact: false })
          .waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByLabel('Store', { exact: true }).locator('option:checked').textContent()).toBe(
          'RIV — Riverside',
        );
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-recs-empty');
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'shows each variant’s CTR with its interval drawn; stops one after a confirm, refuses the last running one, starts one again',
    async () => {
      // the counts a person checks, written as the serving would have counted them
      await t.hub.db.query(`UPDATE recs_variants SET state = 'STOPPED'`);
      for (const v of VARIANTS)
        await t.hub.db.query(
          `INSERT INTO recs_variants (name, description, weights, state, impressions, clicks, created_at)
           VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
           ON CONFLICT (name) DO UPDATE SET state = $4, impressions = $5, clicks = $6`,
          [v.name, v.description, WEIGHTS, v.state, v.impressions, v.clicks, Date.now()],
        );
      const api = await variantsNow();
      const a = api.find((v) => v.name === 'hybrid-a')!;
      expect(a.ctrLow).toBeLessThan(a.ctr);
      expect(a.ctrHigh).toBeGreaterThan(a.ctr);

      await onPage(async (page) => {
        await open(page);
        const row = variantRow(page, 'hybrid-a');
        await row.waitFor({ timeout: UI_WAIT_MS });
        const cells = await row.locator('td').allInnerTexts();
        expect(cells[1]).toBe('running');
        expect(cells[2]).toBe('12,345');
        expect(cells[3]).toBe('432');
        expect(cells[4]).toBe(`${pct(a.ctr)} (${pct(a.ctrLow)} – ${pct(a.ctrHigh)})`);
        expect(cells[6]).toBe(pct(a.chanceBest));
        // the bar: the rate from 0, the interval's ends on either side of the bar's end
        const bar = row.getByRole('img');
        expect(await bar.getAttribute('aria-label')).toContain(
          `CTR ${pct(a.ctr)}, 95 % credible interval ${pct(a.ctrLow)} to ${pct(a.ctrHigh)}`,
        );
        const drawn = await bar.evaluate((svg) => {
          const num = (sel: string, attr: string) => Number(svg.querySelector(sel)?.getAttribute(attr));
          const ends = [...svg.querySelectorAll('line.interval')].map((l) => Number(l.getAttribute('x1')));
          return { end: num('rect.bar', 'width'), lo: Math.min(...ends), hi: Math.max(...ends) };
        });
        expect(drawn.lo).toBeLessThan(drawn.end);
        expect(drawn.hi).toBeGreaterThan(drawn.end);
        expect((await variantRow(page, 'similar-c').locator('td').allInnerTexts())[1]).toBe('stopped');
        // no lists shown: no rate to draw (its prior's interval would squash the other bars)
        const fresh = await variantRow(page, 'fresh-d').locator('td').allInnerTexts();
        expect(fresh[4]).toBe('no lists shown yet');
        expect(await variantRow(page, 'fresh-d').getByRole('img').count()).toBe(0);
        // what a variant mixes, unfolded by keyboard
        await row.locator('summary', { hasText: 'Weights' }).focus();
        await page.keyboard.press('Enter');
        const home = row.locator('dt', { hasText: 'Home page' }).locator('xpath=following-sibling::dd[1]');
        expect(await home.textContent()).toBe(
          'personal 0.5 · bought with 0.2 · similar 0.1 · popular 0.2 · session 0.3',
        );
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-recs-variants');

        // Stop popular-b by keyboard: the dialog opens on the safe choice; Escape keeps it running
        const stopB = page.getByRole('button', { name: 'Stop popular-b…' });
        await stopB.focus();
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog', { name: 'Stop variant “popular-b”?' });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        expect(await focused(page)).toBe('Keep it');
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        expect((await variantsNow()).find((v) => v.name === 'popular-b')?.state).toBe('RUNNING');

        await stopB.focus();
        await page.keyboard.press('Enter');
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        await page.keyboard.press('Tab');
        expect(await focused(page)).toBe('Stop popular-b');
        await page.keyboard.press('Enter');
        await status(page, '“popular-b” is stopped.');
        await variantRow(page, 'popular-b')
          .locator('td', { hasText: /^stopped$/ })
          .waitFor({ timeout: UI_WAIT_MS });
        expect((await variantsNow()).find((v) => v.name === 'popular-b')?.state).toBe('STOPPED');
        await expectNoSeriousViolations(page);

        // hybrid-a is now the last running variant: the hub refuses (409) and the page says why and what to do
        await page.getByRole('button', { name: 'Stop hybrid-a…' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Stop hybrid-a' }).click();
        const alert = section(page, 'A/B variants').getByRole('alert');
        await alert.waitFor({ timeout: UI_WAIT_MS });
        expect(await alert.textContent()).toMatch(
          /^“hybrid-a” is the last running variant, so it cannot be stopped — .* Start another variant first/,
        );
        expect((await variantsNow()).find((v) => v.name === 'hybrid-a')?.state).toBe('RUNNING');
        expect((await variantRow(page, 'hybrid-a').locator('td').allInnerTexts())[1]).toBe('running');
        await expectNoSeriousViolations(page);
        await shot(page, 'console-recs-last-variant');

        // started again after its own confirm
        await page.getByRole('button', { name: 'Start similar-c…' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Start similar-c' }).click();
        await status(page, '“similar-c” is running.');
        expect((await variantsNow()).find((v) => v.name === 'similar-c')?.state).toBe('RUNNING');
        await variantRow(page, 'similar-c')
          .getByRole('button', { name: 'Stop similar-c…' })
          .waitFor({ timeout: UI_WAIT_MS });
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'lists the training runs with readable figures; Train now is queued, followed to a served model, and the store’s list and a tried list show their reasons',
    async () => {
      // interactions to learn from: customers who buy milk with tea and honey at Riverside, some who view mugs
      const now = Date.now();
      let ref = 0;
      for (let c = 0; c < 40; c++) {
        const customer = `cust-${c}`;
        const basket = c % 2 ? ['MILK-1L', 'TEA-EARL', 'HONEY-1'] : ['OAT-1L', 'BREAD-1', 'TEA-EARL'];
        for (const sku of basket)
          await t.hub.db.query(
            `INSERT INTO recs_interactions (customer_id, sku, kind, store_id, source, source_ref, at)
             VALUES ($1, $2, 'PURCHASE', $3, 'pos', $4, $5)`,
            [customer, sku, storeId, `sale-${ref++}`, now - c * 60_000],
          );
        if (c % 3 === 0)
          await t.hub.db.query(
            `INSERT INTO recs_interactions (customer_id, sku, kind, store_id, source, source_ref, at)
             VALUES ($1, 'MUG-STONE', 'VIEW', $2, 'kiosk', $3, $4)`,
            [customer, storeId, `view-${ref++}`, now],
          );
      }
      // two earlier runs, as the console shows them: a retired one with its figures, a failed one with its error
      await t.hub.db.query(
        `INSERT INTO recs_models (state, started_at, finished_at, summary, error) VALUES
           ('RETIRED', $1, $2, '{"interactions": 123456, "customers": 7890, "products": 1234}', NULL),
           ('FAILED', $3, $4, '{}', 'the worker ran out of memory')`,
        [now - 3_600_000, now - 3_600_000 + 95_000, now - 1_800_000, now - 1_800_000 + 2_000],
      );

      await onPage(async (page) => {
        await open(page);
        const models = section(page, 'Models');
        const runRow = (state: string) => models.locator('tbody tr').filter({ hasText: state });
        await runRow('retired').waitFor({ timeout: UI_WAIT_MS });
        const retired = await runRow('retired').locator('td').allInnerTexts();
        expect(retired[3]).toBe('2 min');
        expect(retired.slice(4, 7)).toEqual(['123,456', '7,890', '1,234']);
        expect(await runRow('failed').locator('td').last().textContent()).toBe('the worker ran out of memory');
        await expectNoSeriousViolations(page);

        await models.getByRole('button', { name: 'Train now' }).click();
        await status(page, /^Training queued/);
        await expectNoSeriousViolations(page);
        // the page reads the runs again until the new one is served
        await runRow('active').waitFor({ timeout: 120_000 });
        const active = await runRow('active').locator('td').allInnerTexts();
        expect(active[4]).toBe(
          await waitFor('the run’s interactions', async () => {
            const r = await t.call('GET', '/api/recommendations/models', undefined, { cookie: admin });
            const run = r.body.runs.find((x: { state: string }) => x.state === 'ACTIVE');
            return typeof run?.summary?.interactions === 'number'
              ? run.summary.interactions.toLocaleString('en-US')
              : undefined;
          }),
        );
        await status(page, /^Model version \d+ is trained and serving\.$/);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-recs-models');

        // the store's list, read again when the run finished: the products with their reasons
        const stores = section(page, 'A store’s list');
        const top = stores.getByRole('table', { name: /^What RIV — Riverside gets/ });
        await top.waitFor({ timeout: UI_WAIT_MS });
        const first = (await top.locator('tbody tr').first().locator('td').allInnerTexts()).map((x) =>
          x.replace(/\s+/g, ' ').trim(),
        );
        expect(first[0]).toBe('1');
        expect(PRODUCTS.some((p) => first[1] === `${p.name} ${p.sku}`)).toBe(true);
        expect(first[4]!.length).toBeGreaterThan(0);
        await expectNoSeriousViolations(page);

        // try it: the product page of tea at Riverside
        await page.getByLabel('Surface', { exact: true }).selectOption('product');
        await page.getByLabel('Products shown (skus)').fill('TEA-EARL');
        await page.getByLabel('Products shown (skus)').press('Enter');
        // Riverside has no stock of anything: nothing fits, and the page says how to see the list without stock
        const served = stores.locator('.rc-served');
        await served.waitFor({ timeout: UI_WAIT_MS });
        expect(await served.textContent()).toMatch(/: 0 products\.$/);
        await stores
          .getByText('Nothing the chosen store has in stock fits', { exact: false })
          .waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        const inStock = page.getByLabel('Only what the store chosen above has in stock');
        await inStock.focus();
        await page.keyboard.press('Space');
        expect(await inStock.isChecked()).toBe(false);
        await page.getByLabel('Products shown (skus)').press('Enter');
        await served.filter({ hasNotText: ': 0 products.' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await served.textContent()).toMatch(
          /^Served by variant “[a-z0-9-]+” from model version \d+: \d+ products?\.$/,
        );
        const tried = stores.getByRole('table', { name: 'Product page: the list served' });
        const rows = await tried.locator('tbody tr').allInnerTexts();
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.some((r) => r.includes('TEA-EARL'))).toBe(false); // not the product shown itself
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-recs-store');

        // a bad sku: the problem+json detail, said
        await page.getByLabel('Products shown (skus)').fill('not a sku!');
        await page.getByRole('button', { name: 'Show the list' }).click();
        await stores.getByRole('alert').waitFor({ timeout: UI_WAIT_MS });
        expect((await stores.getByRole('alert').textContent())?.length).toBeGreaterThan(0);
        await expectNoSeriousViolations(page);
      });
      // nothing left running: the page's polling stopped with it, and no run trains on
      const runs = (await t.call('GET', '/api/recommendations/models', undefined, { cookie: admin })).body.runs;
      expect(runs.some((r: { state: string }) => r.state === 'TRAINING')).toBe(false);
    },
    300_000,
  );
});
