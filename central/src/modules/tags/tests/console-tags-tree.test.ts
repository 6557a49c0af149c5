import { describe, expect, it } from 'vitest';
import {
  expectNoSeriousViolations,
  shot,
  skipWithoutChromium,
  UI_WAIT_MS,
} from '../../../../tests/support/console-fixture.js';
import { randomUUID } from 'node:crypto';
import { pageTargets } from '../../../../tests/support/db-targets.js';
import { consoleTagsFixture } from './console-tags-fixture.js';

/** The page is head office's; the tree with each tag's products, a tag added, renamed, moved and deleted through the page (by keyboard where a person would). Axe-clean, 44 px targets. */
describe.each(pageTargets)('the tags console: the page for head office, the tree on $name', (target) => {
  const { f, call, tag, onPage, open, treeItem, treeRow, status, smallTargets } = consoleTagsFixture(target);
  const ids = f.ids;

  it('lists the page for head office only; a store’s manager neither sees it in the menu nor may change tags', async () => {
    const paths = async (cookie: string) =>
      (await f.t.call('GET', '/api/console/pages', undefined, { cookie })).body.items.map(
        (p: { path: string }) => p.path,
      );
    expect(await paths(f.admin)).toContain('tags');
    expect(await paths(f.manager)).not.toContain('tags');
    const refused = await f.t.call(
      'POST',
      '/api/tags',
      { slug: 'x', name: 'X', kind: 'CATEGORY', parentId: null },
      { cookie: f.manager, idempotencyKey: randomUUID() },
    );
    expect(refused.status).toBe(403);
  });

  it.skipIf(skipWithoutChromium)(
    'shows a manager who opens #/tags another page of theirs, not the tags',
    async () => {
      await onPage(f.manager, async (page) => {
        await page.goto(`${f.t.url}/console/#/tags`);
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
      await onPage(f.admin, async (page) => {
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
      await onPage(f.admin, async (page) => {
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
});
