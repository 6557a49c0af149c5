import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { dbTargets } from '@storefleet/central/testing';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import type { StoreNode } from '../../src/index.js';
import { reviewAtHub } from '../support/reviews-at-hub.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { smallTargets } from '../support/targets.js';

const target = dbTargets.at(-1)!;
const ADMIN = { email: 'reviews-kiosk-admin@example.test', password: 'a long enough password' };
const WAIT = { timeout: 30_000 };
const PRODUCTS = [
  { sku: 'COFFEE', name: 'Ground coffee', category: 'Pantry', priceMinor: 699, taxClass: 'STANDARD' },
  { sku: 'TEA', name: 'Breakfast tea', category: 'Pantry', priceMinor: 399, taxClass: 'STANDARD' },
];
const HOSTILE = '<img src=x onerror="window.__pwned=1"> & <b>bold</b>';

async function expectAccessible(page: Page, state: string): Promise<void> {
  const found = await seriousAxeViolations(page);
  expect(found, `${state}:\n${describeAxe(found)}`).toEqual([]);
  expect(await smallTargets(page), state).toEqual([]);
}

/**
 * Issue #24 as a kiosk customer sees it: a product's stars (read out "4.3 out of 5, 3 reviews"), the count, a bar per
 * star rating and the top reviews (title, stars, text, "Verified purchase", the answer and who gave it), from the
 * store's own copy pulled from the hub — shown with the hub stopped; review text is shown as text, never as markup.
 */
describe.skipIf(!haveChromium && !process.env.CI)(`the kiosk’s reviews, offline, in Chromium (${target.name})`, () => {
  let f: SyncFixture;
  let browser: Browser;
  let store: StoreNode;
  let hubPort: string;

  beforeAll(async () => {
    f = await SyncFixture.start(target, { tuning: { reviewsFeedEveryMs: 500 } });
    await f.hub.auth.createUser({ ...ADMIN, name: 'Reviews admin', role: 'ADMIN' });
    const cookie = `sf_session=${(await f.hub.auth.login(ADMIN.email, ADMIN.password, 'test')).sessionToken}`;
    const imported = await fetch(`${f.hubUrl}/api/catalog/products/import`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ items: PRODUCTS }),
    });
    expect(imported.status).toBeLessThan(300);
    store = await f.store('REVK1', { name: 'Harbour Street' });
    await waitFor('the catalog at the store', () => store.pos.repo.product('TEA', undefined), 120_000);
    for (const sku of ['COFFEE', 'TEA'])
      await fetch(`${store.url}/api/stock/movements`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku, delta: 10, kind: 'RECEIVE' }),
      });
    await reviewAtHub(f, {
      sku: 'COFFEE',
      rating: 5,
      title: 'Best beans in town',
      body: 'Rich, smooth and a lovely crema every morning.',
      response: 'Thank you, we roast it fresh every week.',
    });
    await reviewAtHub(f, { sku: 'COFFEE', rating: 4, title: 'Good value', body: HOSTILE });
    await reviewAtHub(f, { sku: 'COFFEE', rating: 4, title: 'Nice', body: 'Does the job, a bit bitter.' });
    await waitFor(
      'the reviews at the store',
      async () => ((await (await fetch(`${store.url}/api/reviews/COFFEE`)).json()) as any).count === 3 || undefined,
      60_000,
    );
    hubPort = new URL(f.hubUrl).port;
    await f.hub.stop(); // head office unreachable from here on: the kiosk answers from the store's copy
    browser = await launchChromium();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await f?.startHub(Number(hubPort)).catch(() => undefined); // the fixture stops a running hub
    await f?.stop();
  });

  it('a product’s page shows its stars, count, bars and top reviews with the hub stopped', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${store.url}/kiosk.html`);
    await expect(fetch(`${f.hubUrl}/healthz`)).rejects.toThrow(); // head office is down
    await page.getByRole('region', { name: 'Pantry' }).getByRole('button', { name: 'Ground coffee' }).click();
    await page.getByRole('heading', { name: 'Ground coffee', level: 2 }).waitFor(WAIT);
    const reviews = page.getByRole('region', { name: 'Customer reviews' });
    await reviews.waitFor(WAIT);
    await reviews.getByRole('img', { name: '4.3 out of 5, 3 reviews' }).waitFor(WAIT);
    expect(await reviews.locator('.rating-summary').textContent()).toContain('3 reviews');
    const bars = await reviews
      .locator('.rating-bars meter')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('aria-label'), (e as unknown as { value: number }).value]));
    expect(bars).toEqual([
      ['5 stars: 1', 1],
      ['4 stars: 2', 2],
      ['3 stars: 0', 0],
      ['2 stars: 0', 0],
      ['1 stars: 0', 0],
    ]);
    const cards = reviews.getByRole('article');
    expect(await cards.count()).toBe(3);
    const best = reviews.getByRole('article', { name: 'Best beans in town' });
    await best.getByRole('img', { name: '5 out of 5' }).waitFor(WAIT);
    expect(await best.textContent()).toContain('Rich, smooth and a lovely crema every morning.');
    expect(await best.textContent()).toContain('Verified purchase');
    expect(await best.locator('.review-response').textContent()).toBe(
      'Response from Acme: Thank you, we roast it fresh every week.', // who answered, as the hub sent it (D21)
    );
    // a review's text is text: the markup in it shows as typed and runs nothing
    const hostile = reviews.getByRole('article', { name: 'Good value' });
    expect(await hostile.locator('.review-body').textContent()).toBe(HOSTILE);
    expect(await hostile.locator('img, b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await expectAccessible(page, 'a product page with reviews');
    await screenshot(page, 'kiosk-reviews-product');

    // a product with no reviews shows no reviews section
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('region', { name: 'Pantry' }).getByRole('button', { name: 'Breakfast tea' }).click();
    await page.getByRole('heading', { name: 'Breakfast tea', level: 2 }).waitFor(WAIT);
    await page.locator('.product-detail').waitFor(WAIT);
    expect(await page.getByRole('region', { name: 'Customer reviews' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
