import { describe, expect, it } from 'vitest';
import {
  expectNoSeriousViolations,
  shot,
  skipWithoutChromium,
  UI_WAIT_MS,
} from '../../../../tests/support/console-fixture.js';
import { pageTargets } from '../../../../tests/support/db-targets.js';
import { consoleTagsFixture } from './console-tags-fixture.js';

/** A query's mistake said under the box with a caret at its place; results a page at a time with facets that narrow. Axe-clean, 44 px targets. */
describe.each(pageTargets)('the tags console: search on $name', (target) => {
  const { f, onPage, open, smallTargets, search, total } = consoleTagsFixture(target);

  it.skipIf(skipWithoutChromium)(
    'says a query’s mistake under the box with a caret at its place',
    async () => {
      await onPage(f.admin, async (page) => {
        await open(page);
        await search(page, 'smartphones AND');
        const said = page.locator('#tg-q-error');
        await said.getByRole('alert').waitFor({ timeout: UI_WAIT_MS });
        expect(await said.getByRole('alert').textContent()).toBe('expected a tag after AND at 15');
        expect(await said.locator('pre').textContent()).toBe('smartphones AND\n               ^');
        expect(await page.getByLabel('Tag query').getAttribute('aria-invalid')).toBe('true');
        await expectNoSeriousViolations(page);
        await shot(page, 'console-tags-query-error');

        await search(page, 'smartphones OR (audio');
        await said
          .getByRole('alert')
          .filter({ hasText: / at \d+$/ })
          .waitFor({ timeout: UI_WAIT_MS });
        expect(await said.locator('pre').textContent()).toMatch(/^smartphones OR \(audio\n *\^+$/);
        await search(page, 'smartphones');
        await total(page).filter({ hasText: '2 products match' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await said.textContent()).toBe('');
        expect(await page.getByLabel('Tag query').getAttribute('aria-invalid')).toBeNull();
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'shows a search’s total, its results a page at a time and facet counts that narrow it',
    async () => {
      await onPage(f.admin, async (page) => {
        await open(page);
        await search(page, 'tag:grocery');
        await total(page).filter({ hasText: '30 products match' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await total(page).textContent()).toContain('showing 1–25');
        const rows = page.getByRole('table', { name: /^Products matching/ }).locator('tbody tr');
        expect(await rows.count()).toBe(25);
        await page.getByRole('button', { name: 'Next page' }).click();
        await total(page).filter({ hasText: 'showing 26–30' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await rows.count()).toBe(5);
        expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
        await page.getByRole('button', { name: 'Previous page' }).click();
        await total(page).filter({ hasText: 'showing 1–25' }).waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);

        await search(page, 'tag:electronics OR tag:grocery');
        await total(page).filter({ hasText: '34 products match' }).waitFor({ timeout: UI_WAIT_MS });
        const facet = (name: string) => page.locator('.tg-facet').filter({ hasText: name });
        expect((await facet('Electronics').textContent())?.trim()).toBe('Electronics 4');
        expect((await facet('Grocery').textContent())?.trim()).toBe('Grocery 30');
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-tags-search');

        await facet('Electronics').click();
        await total(page).filter({ hasText: '4 products match' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByLabel('Tag query').inputValue()).toBe(
          '(tag:electronics OR tag:grocery) AND path:electronics',
        );
        // the facets are now Electronics' children
        await facet('Mobile').waitFor({ timeout: UI_WAIT_MS });
        expect((await facet('Mobile').textContent())?.trim()).toBe('Mobile 3');
        expect((await facet('Audio').textContent())?.trim()).toBe('Audio 1');
        await facet('Mobile').click();
        await total(page).filter({ hasText: '3 products match' }).waitFor({ timeout: UI_WAIT_MS });
        const skus = await page
          .getByRole('table', { name: /^Products matching/ })
          .locator('td.sku')
          .allInnerTexts();
        expect(skus.sort()).toEqual(['PHONE-1', 'PHONE-2', 'TAB-1']);
        await expectNoSeriousViolations(page);
      });
    },
    180_000,
  );
});
