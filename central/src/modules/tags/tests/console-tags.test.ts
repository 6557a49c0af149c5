import { randomUUID } from 'node:crypto';
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
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';

/**
 * The tags console page (issue #20) as head office's catalog team uses it: the tree with each tag's products, a tag
 * added, renamed, moved and deleted through the page (by keyboard where a person would), a query's mistake said under
 * the box with a caret at its place, results a page at a time with facets that narrow, a bulk job started from a
 * search that reaches 100 %, a pasted list's failure report, analytics and the index's state. A store's manager does
 * not get the page. Axe-clean in every state shown, every control at least 44 px high.
 */

const MANAGER = { email: 'tara@example.test', password: 'manager of riverside', name: 'Tara Manager' };
const GROCERY = Array.from({ length: 30 }, (_, i) => `GROC-${String(i + 1).padStart(2, '0')}`);

describe.each(dbTargets)('the tags console on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let manager: string;
  let browser: Browser | undefined;
  const ids: Record<string, number> = {};

  const call = async (method: string, path: string, body?: unknown, cookie = admin) => {
    const r = await t.call(method, path, body, { cookie, idempotencyKey: randomUUID() });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const tag = async (slug: string, name: string, kind: string, parent: string | null) => {
    ids[slug] = (await call('POST', '/api/tags', { slug, name, kind, parentId: parent ? ids[parent] : null })).id;
  };
  const tagsOf = async (sku: string) =>
    ((await call('GET', `/api/tags/products/${sku}`)).tags as { slug: string }[]).map((x) => x.slug).sort();

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    const store = await t.store('RIV', admin);
    await call('POST', '/api/users', { ...MANAGER, role: 'STORE_MANAGER', storeId: store.id });
    manager = await t.login(MANAGER.email, MANAGER.password);
    const item = (sku: string, name: string) => ({ sku, name, category: 'Test', priceMinor: 100 });
    await call('POST', '/api/catalog/products/import', {
      items: [
        item('PHONE-1', 'Pocket phone'),
        item('PHONE-2', 'Big phone'),
        item('TAB-1', 'Slate tablet'),
        item('HEAD-1', 'Studio headphones'),
        ...GROCERY.map((sku, i) => item(sku, `Grocery item ${i + 1}`)),
      ],
    });
    await tag('electronics', 'Electronics', 'CATEGORY', null);
    await tag('mobile', 'Mobile', 'CATEGORY', 'electronics');
    await tag('smartphones', 'Smartphones', 'CATEGORY', 'mobile');
    await tag('tablets', 'Tablets', 'CATEGORY', 'mobile');
    await tag('audio', 'Audio', 'CATEGORY', 'electronics');
    await tag('grocery', 'Grocery', 'CATEGORY', null);
    await tag('sale', 'Sale', 'PROMOTION', null);
    await tag('summer', 'Summer', 'SEASONAL', null);
    const give = (slug: string, skus: string[]) =>
      call('POST', '/api/tags/products', { action: 'ADD', tagIds: [ids[slug]], skus });
    await give('smartphones', ['PHONE-1', 'PHONE-2']);
    await give('tablets', ['TAB-1']);
    await give('audio', ['HEAD-1']);
    await give('grocery', GROCERY);
    await waitFor(
      'the tag index ready with every product counted',
      async () => {
        const r = await t.call('GET', '/api/tags', undefined, { cookie: admin });
        const g = r.body?.tags?.find((x: { slug: string }) => x.slug === 'grocery');
        return r.body?.index?.state === 'READY' && g?.products === 30;
      },
      120_000,
    );
    browser = skipWithoutChromium ? undefined : await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const onPage = (cookie: string, use: (page: Page) => Promise<void>) => onConsolePage(browser!, t.url, cookie, use);
  const open = async (page: Page) => {
    await page.goto(`${t.url}/console/#/tags`);
    await tree(page).waitFor({ timeout: UI_WAIT_MS });
  };
  const tree = (page: Page) => page.getByRole('list', { name: 'Tag tree' });
  const treeItem = (page: Page, path: string) => tree(page).locator(`li[data-path="${path}"]`).first();
  const treeRow = (page: Page, path: string) => treeItem(page, path).locator('> .tg-row');
  const status = (page: Page, text: string | RegExp) =>
    page.getByRole('status').filter({ hasText: text }).first().waitFor({ timeout: UI_WAIT_MS });
  /** Every visible control the page adds is at least 44 px high. */
  const smallTargets = (page: Page) =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<any> } }).document;
      return Array.from(
        doc.querySelectorAll(
          '.tags-page button, .tags-page select, .tags-page input:not([type="radio"]), .tags-page textarea, .tags-page td a',
        ),
      )
        .filter((e: any) => e.offsetParent !== null)
        .map((e: any) => ({
          what: `${e.tagName} ${e.textContent || e.id}`.trim(),
          h: e.getBoundingClientRect().height,
        }))
        .filter((x) => x.h < 44);
    });
  const search = async (page: Page, q: string) => {
    await page.getByLabel('Tag query').fill(q);
    await page.getByLabel('Tag query').press('Enter');
  };
  const total = (page: Page) => page.locator('.tg-total');

  it('lists the page for head office only; a store’s manager neither sees it in the menu nor may change tags', async () => {
    const paths = async (cookie: string) =>
      (await t.call('GET', '/api/console/pages', undefined, { cookie })).body.items.map(
        (p: { path: string }) => p.path,
      );
    expect(await paths(admin)).toContain('tags');
    expect(await paths(manager)).not.toContain('tags');
    const refused = await t.call(
      'POST',
      '/api/tags',
      { slug: 'x', name: 'X', kind: 'CATEGORY', parentId: null },
      { cookie: manager, idempotencyKey: randomUUID() },
    );
    expect(refused.status).toBe(403);
  });

  it.skipIf(skipWithoutChromium)(
    'shows a manager who opens #/tags another page of theirs, not the tags',
    async () => {
      await onPage(manager, async (page) => {
        await page.goto(`${t.url}/console/#/tags`);
        await page.locator('#page-title').waitFor({ timeout: UI_WAIT_MS });
        expect(await page.locator('#page-title').textContent()).not.toBe('Tags');
        expect(await page.getByRole('navigation').getByRole('link', { name: 'Tags', exact: true }).count()).toBe(0);
        expect(await page.getByRole('heading', { name: 'Tag tree' }).count()).toBe(0);
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'shows the tree with each tag’s products, opens and closes it by keyboard, and adds a tag typed in the form',
    async () => {
      await onPage(admin, async (page) => {
        await open(page);
        await treeRow(page, 'electronics').getByText('4 products').waitFor({ timeout: UI_WAIT_MS });
        expect(await treeRow(page, 'grocery').textContent()).toContain('30 products');
        // roots open at first: Mobile shows, its children do not
        await treeRow(page, 'electronics.mobile').getByText('3 products').waitFor({ timeout: UI_WAIT_MS });
        expect(await treeItem(page, 'electronics.mobile.smartphones').count()).toBe(0);
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-tags');

        const openMobile = page.getByRole('button', { name: 'Open Mobile' });
        await openMobile.focus();
        await page.keyboard.press('Enter');
        await treeRow(page, 'electronics.mobile.smartphones').getByText('2 products').waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByRole('button', { name: 'Close Mobile' }).getAttribute('aria-expanded')).toBe('true');
        await page.keyboard.press('Enter'); // focus stays on the toggle
        await page.getByRole('button', { name: 'Open Mobile' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await treeItem(page, 'electronics.mobile.smartphones').count()).toBe(0);

        const form = page.getByRole('form', { name: 'New tag' });
        await form.getByLabel('Slug').focus();
        await page.keyboard.type('foldables');
        await page.keyboard.press('Tab');
        await page.keyboard.type('Foldable phones');
        await form.getByLabel('Parent').selectOption({ label: 'electronics.mobile — Mobile' });
        await form.getByLabel('Name').press('Enter');
        await status(page, '“Foldable phones” is added under electronics.mobile.');
        await treeRow(page, 'electronics.mobile.foldables')
          .getByRole('button', { name: 'Foldable phones' })
          .waitFor({ timeout: UI_WAIT_MS });
        expect(await treeRow(page, 'electronics.mobile.foldables').textContent()).toContain('0 products');
        await expectNoSeriousViolations(page);

        // the same slug again: the hub's words, not a status code
        await form.getByLabel('Slug').fill('foldables');
        await form.getByLabel('Name').fill('Again');
        await form.getByRole('button', { name: 'Add the tag' }).click();
        const alert = page.getByRole('alert').first();
        await alert.waitFor({ timeout: UI_WAIT_MS });
        expect(await alert.textContent()).not.toMatch(/\(\d{3}\)/);
        await expectNoSeriousViolations(page);
      });
      const made = (await call('GET', '/api/tags')).tags.find((x: { slug: string }) => x.slug === 'foldables');
      expect(made).toMatchObject({
        name: 'Foldable phones',
        parentId: ids.mobile,
        path: 'electronics.mobile.foldables',
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'renames and moves a tag, deletes one after a question, and says why a tag with products stays',
    async () => {
      await tag('winter', 'Winter', 'SEASONAL', null);
      await tag('frost', 'Frost', 'SEASONAL', 'winter');
      await onPage(admin, async (page) => {
        await open(page);
        await treeRow(page, 'winter.frost').getByRole('button', { name: 'Frost' }).click();
        const rename = page.getByRole('form', { name: 'Rename Frost' });
        await rename.getByLabel('Name').fill('Deep frost');
        await rename.getByLabel('Slug').fill('deep-frost');
        await rename.getByRole('button', { name: 'Save the name' }).click();
        await status(page, '“Deep frost” is saved (winter.deep-frost).');
        const move = page.getByRole('form', { name: 'Move Deep frost' });
        await move.getByLabel('New parent').selectOption({ label: 'summer — Summer' });
        await move.getByRole('button', { name: 'Move it and what is under it' }).click();
        await status(page, '“Deep frost” is moved: it is now summer.deep-frost.');
        await treeRow(page, 'summer.deep-frost').waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);

        await page.getByRole('button', { name: 'Delete Deep frost…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Delete Deep frost?' });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        await dialog.getByRole('button', { name: 'Delete the tag' }).click();
        await status(page, '“Deep frost” is deleted.');
        expect(await treeItem(page, 'summer.deep-frost').count()).toBe(0);

        // Grocery is on 30 products: the hub refuses and the page says its words
        await treeRow(page, 'grocery').getByRole('button', { name: 'Grocery' }).click();
        await page.getByRole('button', { name: 'Delete Grocery…' }).click();
        await page
          .getByRole('dialog', { name: 'Delete Grocery?' })
          .getByRole('button', { name: 'Delete the tag' })
          .click();
        const alert = page.getByRole('alert').first();
        await alert.waitFor({ timeout: UI_WAIT_MS });
        expect(await alert.textContent()).not.toMatch(/\(409\)/);
        expect((await alert.textContent())?.length).toBeGreaterThan(20);
        await expectNoSeriousViolations(page);
      });
      const tags = (await call('GET', '/api/tags')).tags as { slug: string; path: string }[];
      expect(tags.find((x) => x.slug === 'deep-frost')).toBeUndefined();
      expect(tags.find((x) => x.slug === 'frost')).toBeUndefined();
      expect(tags.find((x) => x.slug === 'grocery')?.path).toBe('grocery');
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'says a query’s mistake under the box with a caret at its place',
    async () => {
      await onPage(admin, async (page) => {
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
      await onPage(admin, async (page) => {
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

  it.skipIf(skipWithoutChromium)(
    'runs a bulk job started from a search to done at 100 %, and lists a pasted list’s failures',
    async () => {
      await onPage(admin, async (page) => {
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
      await onPage(admin, async (page) => {
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
});
