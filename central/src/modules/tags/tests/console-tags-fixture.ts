import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  onConsolePage,
  skipWithoutChromium,
  UI_WAIT_MS,
} from '../../../../tests/support/console-fixture.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';

/**
 * The tags console tests' shared fixture (console-tags-*.test.ts, one file per section of the page). The tags console page (issue #20) as head office's catalog team uses it: the tree with each tag's products, a tag
 * added, renamed, moved and deleted through the page (by keyboard where a person would), a query's mistake said under
 * the box with a caret at its place, results a page at a time with facets that narrow, a bulk job started from a
 * search that reaches 100 %, a pasted list's failure report, analytics and the index's state. A store's manager does
 * not get the page. Axe-clean in every state shown, every control at least 44 px high.
 */

export const MANAGER = { email: 'tara@example.test', password: 'manager of riverside', name: 'Tara Manager' };
export const GROCERY = Array.from({ length: 30 }, (_, i) => `GROC-${String(i + 1).padStart(2, '0')}`);

/** Registers the hub and browser set-up and tear-down in the calling describe; returns the fixture's handles. */
export function consoleTagsFixture(target: DbTarget) {
  const f = {
    t: undefined as unknown as TestHub,
    admin: '',
    manager: '',
    browser: undefined as Browser | undefined,
    ids: {} as Record<string, number>,
  };
  const call = async (method: string, path: string, body?: unknown, cookie = f.admin) => {
    const r = await f.t.call(method, path, body, { cookie, idempotencyKey: randomUUID() });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const tag = async (slug: string, name: string, kind: string, parent: string | null) => {
    f.ids[slug] = (await call('POST', '/api/tags', { slug, name, kind, parentId: parent ? f.ids[parent] : null })).id;
  };
  const tagsOf = async (sku: string) =>
    ((await call('GET', `/api/tags/products/${sku}`)).tags as { slug: string }[]).map((x) => x.slug).sort();
  beforeAll(async () => {
    f.t = await TestHub.start(target);
    f.admin = await f.t.login();
    const store = await f.t.store('RIV', f.admin);
    await call('POST', '/api/users', { ...MANAGER, role: 'STORE_MANAGER', storeId: store.id });
    f.manager = await f.t.login(MANAGER.email, MANAGER.password);
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
      call('POST', '/api/tags/products', { action: 'ADD', tagIds: [f.ids[slug]], skus });
    await give('smartphones', ['PHONE-1', 'PHONE-2']);
    await give('tablets', ['TAB-1']);
    await give('audio', ['HEAD-1']);
    await give('grocery', GROCERY);
    await waitFor(
      'the tag index ready with every product counted',
      async () => {
        const r = await f.t.call('GET', '/api/tags', undefined, { cookie: f.admin });
        const g = r.body?.tags?.find((x: { slug: string }) => x.slug === 'grocery');
        return r.body?.index?.state === 'READY' && g?.products === 30;
      },
      120_000,
    );
    f.browser = skipWithoutChromium ? undefined : await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await f.browser?.close();
    await f.t?.stop();
  });

  const onPage = (cookie: string, use: (page: Page) => Promise<void>) =>
    onConsolePage(f.browser!, f.t.url, cookie, use);
  const open = async (page: Page) => {
    await page.goto(`${f.t.url}/console/#/tags`);
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
  return { f, call, tag, tagsOf, onPage, open, tree, treeItem, treeRow, status, smallTargets, search, total };
}
