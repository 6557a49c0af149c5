import { describe, expect, it } from 'vitest';
import {
  expectNoSeriousViolations,
  shot,
  skipWithoutChromium,
  UI_WAIT_MS,
} from '../../../../tests/support/console-fixture.js';
import { pageTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { consoleTagsFixture, GROCERY } from './console-tags-fixture.js';

/** A bulk job started from a search that reaches 100 %, a pasted list's failure report, a list longer than one request sent in parts; the analytics and the index's state (they read the bulk jobs' tags). Axe-clean, 44 px targets. */
describe.each(pageTargets)('the tags console: bulk jobs and analytics on $name', (target) => {
  const { f, call, tag, tagsOf, onPage, open, status, smallTargets, search, total } = consoleTagsFixture(target);

  it.skipIf(skipWithoutChromium)(
    'runs a bulk job started from a search to done at 100 %, and lists a pasted list’s failures',
    async () => {
      await onPage(f.admin, async (page) => {
        await open(page);
        await search(page, 'path:electronics.mobile');
        await total(page).filter({ hasText: '3 products match' }).waitFor({ timeout: UI_WAIT_MS });
        const form = page.getByRole('form', { name: 'New bulk job' });
        await form.getByLabel('Tags', { exact: true }).fill('sale');
        expect(await form.getByRole('radio', { name: /^The current search’s 3 products/ }).isChecked()).toBe(true);
        await form.getByRole('button', { name: 'Add sale to 3 products' }).click();
        const dialog = page.getByRole('dialog', { name: 'Add sale to 3 products?' });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        await dialog.getByRole('button', { name: 'Start the job' }).click();
        await status(page, 'The job is started: add sale to 3 products.');
        const jobs = page.getByRole('table', { name: 'Bulk jobs, newest first' });
        const row = jobs.locator('tbody tr').first();
        await row.getByText('done', { exact: true }).waitFor({ timeout: UI_WAIT_MS });
        expect(await row.locator('.tg-progress').textContent()).toBe('100 %');
        expect(await row.textContent()).toContain('3 of 3');
        expect(await row.textContent()).toContain('Add sale');
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-tags-bulk');

        // a pasted list with a sku the catalog does not hold: the job ends and reports it
        await form.getByLabel('Tags', { exact: true }).fill('sale');
        await form.getByLabel('Skus', { exact: true }).fill('GROC-01\nGROC-02\nNOPE-404');
        expect(await form.getByRole('radio', { name: 'These skus' }).isChecked()).toBe(true);
        await form.getByRole('button', { name: 'Add sale to 3 products' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Start the job' }).click();
        await status(page, 'The job is started: add sale to 3 products.');
        const second = jobs.locator('tbody tr').filter({ hasText: '3 listed skus' });
        await second.getByText(/^(done|failed)$/).waitFor({ timeout: UI_WAIT_MS });
        expect(await jobs.locator('tbody tr').first().textContent()).toContain('3 listed skus');
        await second.getByRole('button', { name: /^Failures of job/ }).click();
        const report = page.getByRole('table', { name: /could not change \(1 product\)$/ });
        await report.waitFor({ timeout: UI_WAIT_MS });
        expect(await report.locator('tbody td.sku').allInnerTexts()).toEqual(['NOPE-404']);
        await expectNoSeriousViolations(page);
      });
      expect(await tagsOf('PHONE-1')).toEqual(['sale', 'smartphones']);
      expect(await tagsOf('TAB-1')).toEqual(['sale', 'tablets']);
      expect(await tagsOf('HEAD-1')).toEqual(['audio']);
      expect(await tagsOf('GROC-01')).toEqual(['grocery', 'sale']);
      expect(await tagsOf('GROC-03')).toEqual(['grocery']);
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'shows the analytics and the index’s state, and rebuilds the index from the button',
    async () => {
      await onPage(f.admin, async (page) => {
        await open(page);
        const most = page.getByRole('table', { name: 'Most used tags' });
        await most.locator('tbody tr').first().waitFor({ timeout: UI_WAIT_MS });
        const first = (await most.locator('tbody tr').first().getByRole('cell').allInnerTexts()).map((x) => x.trim());
        expect(first[0]).toBe('Grocery (grocery)');
        expect(first[1]).toBe('30');
        await page.getByRole('table', { name: /^Trending/ }).waitFor({ timeout: UI_WAIT_MS });
        const unused = page.getByRole('table', { name: /^Unused tags/ });
        await unused.waitFor({ timeout: UI_WAIT_MS });
        expect(await unused.textContent()).toContain('Summer (summer)');
        await page
          .getByLabel('Tags found with')
          .selectOption({ label: 'electronics.mobile.smartphones — Smartphones' });
        await page.getByRole('button', { name: 'Show tags found together' }).click();
        const co = page.getByRole('table', { name: 'Tags most often on the same products as Smartphones' });
        await co.getByText('Sale (sale)').waitFor({ timeout: UI_WAIT_MS });

        const index = page.getByRole('region', { name: 'Search index' });
        await index.getByText('ready', { exact: true }).waitFor({ timeout: UI_WAIT_MS });
        expect(await index.textContent()).toMatch(/Memory(under )?[\d.,]+ MB/);
        expect(await index.textContent()).toMatch(/Answered by.+-\d+/); // which replica's index this is
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-tags-analytics');
        await index.getByRole('button', { name: 'Rebuild the index' }).click();
        await status(page, 'The index is rebuilding from Postgres');
        await waitFor(
          'the index ready again',
          async () => (await index.getByText('ready', { exact: true }).count()) === 1,
          UI_WAIT_MS,
        );
        await expectNoSeriousViolations(page);
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'sends a pasted list longer than one request in parts, then starts the job',
    async () => {
      await tag('autumn', 'Autumn', 'SEASONAL', null);
      const unknown = Array.from({ length: 10_020 }, (_, i) => `NONE-${String(i + 1).padStart(5, '0')}`);
      const pasted = [...GROCERY, ...unknown];
      await onPage(f.admin, async (page) => {
        await open(page);
        const form = page.getByRole('form', { name: 'New bulk job' });
        await form.getByLabel('Tags', { exact: true }).fill('autumn');
        // pasted at once (typing 10,050 lines through fill() outlasts a loaded machine's wait)
        const box = form.getByLabel('Skus', { exact: true });
        await box.focus();
        await box.evaluate((el, text) => {
          (el as unknown as { value: string }).value = text; // the Skus textarea
          el.dispatchEvent(new Event('input', { bubbles: true }));
        }, pasted.join('\n'));
        await form.getByRole('button', { name: 'Add autumn to 10,050 products' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Start the job' }).click();
        await status(page, 'The job is started: add autumn to 10,050 products.');
      });
      const newest = (await call('GET', '/api/tags/bulk-jobs')).items[0];
      expect(newest).toMatchObject({ total: 10_050, selection: { skus: 10_050 } });
      const job = await waitFor(
        "the long list's job to finish",
        async () => {
          const j = await call('GET', `/api/tags/bulk-jobs/${newest.id}`);
          return ['DONE', 'FAILED', 'CANCELLED'].includes(j.state) ? j : false;
        },
        120_000,
      );
      expect(job).toMatchObject({ state: 'DONE', done: 30, failed: 10_020 });
      expect(await tagsOf('GROC-30')).toEqual(['autumn', 'grocery']);
    },
    180_000,
  );
});
