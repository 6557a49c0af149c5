import { fileURLToPath } from 'node:url';
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
import { moderationState, seedReview } from './moderation-seed.js';

/**
 * The reviews console page (issue #24) as a head-office moderator uses it: the waiting reviews as cards (product name,
 * stars, text, author, verified badge, the fraud score and each reason's sentence and weight), one approved by keyboard
 * and one rejected with a note after a confirm — each card leaves and the counts change; the refused and reported
 * lists; "Older" for the next page; the text model's section; a product's ratings looked up by sku. Axe-clean, every
 * control at least 44 px high.
 */
const T0 = Date.UTC(2026, 10, 1, 9);
/** A small labelled CSV (lane C's fixture): a model trains from it in moments. */
const TRAINING_CSV = fileURLToPath(new URL('./models-fixture.csv', import.meta.url));

describe.each(pageTargets)('the reviews console page on $name', (target) => {
  let t: TestHub;
  let admin = '';
  let browser: Browser | undefined;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await TestHub.start(target, { reviewsTrainingCsv: TRAINING_CSV });
    admin = await t.login();
    const imported = await t.call(
      'POST',
      '/api/catalog/products/import',
      {
        items: [
          { sku: 'MUG-STONE', name: 'Stoneware mug', category: 'Kitchen', priceMinor: 1299 },
          { sku: 'POT-CAST', name: 'Cast-iron teapot', category: 'Kitchen', priceMinor: 4599 },
        ],
      },
      { cookie: admin },
    );
    if (imported.status >= 300) throw new Error(`import: ${JSON.stringify(imported.body)}`);
    const q = t.hub.db;
    ids.suspect = await seedReview(q, {
      sku: 'MUG-STONE',
      status: 'MANUAL_REVIEW',
      createdAt: T0,
      rating: 5,
      title: 'Amazing product must buy',
      body: 'This product is amazing and I would recommend it to everyone.',
      author: 'Sam K.',
      score: 0.72,
      reasons: [
        { code: 'TEXT_MODEL', weight: 0.45, detail: 'The text reads as generated (p = 0.91).' },
        { code: 'IP_BURST', weight: 0.27, detail: '6 reviews from one address in 10 minutes.' },
      ],
    });
    ids.rant = await seedReview(q, {
      sku: 'MUG-STONE',
      status: 'MANUAL_REVIEW',
      createdAt: T0 + 60_000,
      rating: 1,
      title: 'Cracked <b>twice</b>',
      body: 'Cracked in the dishwasher, twice.',
      author: 'Lee M.',
      verified: true,
    });
    ids.refused = await seedReview(q, { sku: 'MUG-STONE', status: 'REJECTED', createdAt: T0, title: 'Spammy' });
    ids.reported = await seedReview(q, {
      sku: 'TEA-EARL',
      status: 'APPROVED',
      createdAt: T0,
      title: 'Tea is fine',
      reports: [{ reason: 'SPAM', note: 'Links to a shop', at: T0 + 1 }],
    });
    browser = skipWithoutChromium ? undefined : await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const onPage = (use: (page: Page) => Promise<void>) => onConsolePage(browser!, t.url, admin, use);
  const open = async (page: Page) => {
    await page.goto(`${t.url}/console/#/reviews`);
    await page.locator('#page-title', { hasText: 'Reviews' }).waitFor({ timeout: UI_WAIT_MS });
  };
  const queue = (page: Page) => page.getByRole('region', { name: 'Moderation queue' });
  const cardOf = (page: Page, title: string) => queue(page).getByRole('article').filter({ hasText: title });
  const tab = (page: Page, label: string) =>
    queue(page)
      .getByRole('group', { name: 'Which reviews' })
      .getByRole('button', { name: new RegExp(`^${label}`) });
  const tabsText = async (page: Page) =>
    (await queue(page).getByRole('group', { name: 'Which reviews' }).getByRole('button').allTextContents()).map((s) =>
      s.replace(/\s+/g, ' ').trim(),
    );
  const status = (page: Page, text: string) =>
    page.getByRole('status').filter({ hasText: text }).first().waitFor({ timeout: UI_WAIT_MS });
  const smallTargets = (page: Page) =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<any> } }).document;
      return Array.from(
        doc.querySelectorAll('.reviews-page button, .reviews-page input, .reviews-page textarea, dialog button'),
      )
        .filter((e: any) => e.offsetParent !== null)
        .map((e: any) => ({
          what: `${e.tagName} ${e.textContent || e.id}`.trim(),
          h: e.getBoundingClientRect().height,
        }))
        .filter((x) => x.h < 44);
    });
  const focusedText = (page: Page) =>
    page.evaluate(
      () =>
        (globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document
          .activeElement?.textContent,
    );

  it.skipIf(skipWithoutChromium)(
    'shows the waiting reviews with their reasons; approve by keyboard and reject with a note move them and the counts',
    async () => {
      await onPage(async (page) => {
        await open(page);
        await cardOf(page, 'Amazing product must buy').waitFor({ timeout: UI_WAIT_MS });
        expect(await tabsText(page)).toEqual(['Waiting (2)', 'Refused (1)', 'Reported (1)']);
        expect(await tab(page, 'Waiting').getAttribute('aria-pressed')).toBe('true');
        // oldest first, each as a card with what a moderator weighs; the title's markup is text, not HTML
        const titles = await queue(page).getByRole('article').locator('strong').allTextContents();
        expect(titles.filter((s) => !s.startsWith('Fraud'))).toEqual([
          'Amazing product must buy',
          'Cracked <b>twice</b>',
        ]);
        const suspect = cardOf(page, 'Amazing product must buy');
        expect(await suspect.getByRole('heading').textContent()).toBe('Stoneware mug MUG-STONE');
        expect(await suspect.getByRole('img', { name: '5 of 5 stars' }).count()).toBe(1);
        expect(await suspect.textContent()).toContain('by Sam K.');
        expect(await suspect.textContent()).toContain('Not verified');
        expect(await suspect.textContent()).toContain('Fraud score 72 %');
        expect(await suspect.locator('.rv-fraud li').allTextContents()).toEqual([
          'Text model: The text reads as generated (p = 0.91). weight 45 %',
          'Burst from one address: 6 reviews from one address in 10 minutes. weight 27 %',
        ]);
        expect(await cardOf(page, 'Cracked').textContent()).toContain('Verified purchase');
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-reviews-queue');

        // approve the oldest by keyboard: its card leaves, the focus goes on to the next card, the counts change
        await suspect.getByRole('button', { name: 'Approve' }).focus();
        await page.keyboard.press('Enter');
        await status(page, 'Approved “Amazing product must buy”.');
        await suspect.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        expect((await moderationState(t.hub.db, ids.suspect!)).status).toBe('APPROVED');
        expect(await focusedText(page)).toBe('Approve');
        await expect
          .poll(() => tabsText(page), { timeout: UI_WAIT_MS })
          .toEqual(['Waiting (1)', 'Refused (1)', 'Reported (1)']);

        // reject the other with a note: a confirm first (opening on the safe choice), then the card leaves
        const rant = cardOf(page, 'Cracked');
        await rant.getByLabel('Note (optional)').fill('Abusive about the staff');
        await rant.getByRole('button', { name: 'Reject…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Reject this review?' });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        expect(await focusedText(page)).toBe('Keep it');
        expect(await dialog.textContent()).toContain('Note: Abusive about the staff');
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        // why: OTHER unless the moderator says (only "Fake or generated" teaches the text model)
        expect(await dialog.getByLabel('Why?').inputValue()).toBe('OTHER');
        await dialog.getByLabel('Why?').selectOption({ label: 'Offensive' });
        await dialog.getByRole('button', { name: 'Keep it' }).focus();
        await page.keyboard.press('Tab');
        expect(await focusedText(page)).toBe('Reject');
        await page.keyboard.press('Enter');
        await status(page, 'Rejected “Cracked <b>twice</b>”.');
        await rant.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        expect(await moderationState(t.hub.db, ids.rant!)).toMatchObject({
          status: 'REJECTED',
          moderator_note: 'Abusive about the staff',
          log: [
            {
              action: 'REJECT',
              from_status: 'MANUAL_REVIEW',
              to_status: 'REJECTED',
              note: 'Abusive about the staff',
              reason: 'OFFENSIVE',
              revision: 1,
            },
          ],
        });
        await expect
          .poll(() => tabsText(page), { timeout: UI_WAIT_MS })
          .toEqual(['Waiting (0)', 'Refused (2)', 'Reported (1)']);
        await queue(page).getByText('Nothing is waiting.', { exact: false }).waitFor({ timeout: UI_WAIT_MS });

        // the refused list has both; the reported one shows its report and is kept
        await tab(page, 'Refused').click();
        await cardOf(page, 'Spammy').waitFor({ timeout: UI_WAIT_MS });
        expect(await queue(page).getByRole('article').count()).toBe(2);
        await tab(page, 'Reported').click();
        const reported = cardOf(page, 'Tea is fine');
        await reported.waitFor({ timeout: UI_WAIT_MS });
        expect(await reported.locator('.rv-reports li').allTextContents()).toEqual([
          expect.stringMatching(/^Spam, .+: “Links to a shop”$/),
        ]);
        await expectNoSeriousViolations(page);
        await reported.getByRole('button', { name: 'Keep it' }).click();
        await status(page, 'Kept “Tea is fine”; reports closed.');
        expect(await moderationState(t.hub.db, ids.reported!)).toMatchObject({ status: 'APPROVED', openReports: 0 });
        await expect
          .poll(() => tabsText(page), { timeout: UI_WAIT_MS })
          .toEqual(['Waiting (0)', 'Refused (2)', 'Reported (0)']);
        await shot(page, 'console-reviews-decided');
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'looks a product up by sku (histogram, averages, reviews); shows the text model section; pages with "Older"',
    async () => {
      for (let i = 0; i < 21; i++)
        await seedReview(t.hub.db, {
          sku: 'BULK-1',
          status: 'MANUAL_REVIEW',
          createdAt: T0 + 3_600_000 + i * 1000,
          title: `Bulk review ${String(i + 1).padStart(2, '0')}`,
        });
      await seedReview(t.hub.db, {
        sku: 'POT-CAST',
        status: 'APPROVED',
        rating: 4,
        createdAt: T0,
        title: 'Heavy but pours well',
        verified: true,
      });
      const waiting = (await t.call('GET', '/api/reviews/moderation', undefined, { cookie: admin })).body.counts
        .MANUAL_REVIEW as number;
      await onPage(async (page) => {
        await open(page);
        await cardOf(page, 'Bulk review 01').waitFor({ timeout: UI_WAIT_MS });
        expect(await queue(page).getByRole('article').count()).toBe(20);
        await queue(page).getByRole('button', { name: 'Older' }).click();
        await cardOf(page, 'Bulk review 21').waitFor({ timeout: UI_WAIT_MS });
        expect(await queue(page).getByRole('article').count()).toBe(waiting);
        expect(await queue(page).getByRole('button', { name: 'Older' }).count()).toBe(0);

        const models = page.getByRole('region', { name: 'Text model' });
        await models.getByRole('button', { name: 'Retrain now' }).waitFor({ timeout: UI_WAIT_MS });
        await models.locator('.rv-model-state').waitFor({ timeout: UI_WAIT_MS });
        expect(await models.locator('.rv-model-state').textContent()).toMatch(/text model/i);

        const product = page.getByRole('region', { name: 'A product’s ratings' });
        await product.getByText('Type a product’s sku', { exact: false }).waitFor({ timeout: UI_WAIT_MS });
        await product.getByLabel('Product sku').fill('POT-CAST');
        await product.getByLabel('Product sku').press('Enter');
        // the prior is the mean over every product's approved reviews: the page shows the hub's figure
        const summary = await t.call('GET', '/api/reviews/products/POT-CAST/summary', undefined, { cookie: admin });
        const bayes = (summary.body.bayesian as number).toFixed(2);
        // the figures, or the refusal that says why there are none
        await product.locator('.rv-figures, [role="alert"]').first().waitFor({ timeout: UI_WAIT_MS });
        expect(await product.locator('.rv-figures, [role="alert"]').first().textContent()).toBe(
          `1 approved review · average 4.00 · Bayesian average ${bayes} · 1 verified · 0 with photos`,
        );
        expect(await product.getByRole('heading', { level: 3 }).textContent()).toBe('Cast-iron teapot POT-CAST');
        const histogram = product.locator('table.rv-histogram');
        expect(await histogram.locator('th').allTextContents()).toEqual(['5 ★', '4 ★', '3 ★', '2 ★', '1 ★']);
        expect(await histogram.locator('td.num').allTextContents()).toEqual(['0', '1', '0', '0', '0']);
        expect(await product.locator('.rv-list li').count()).toBe(1);
        expect(await product.textContent()).toContain('Heavy but pours well');
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-reviews-product');
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'Retrain now queues a run and follows it until the new version scores reviews',
    async () => {
      await onPage(async (page) => {
        await open(page);
        const models = page.getByRole('region', { name: 'Text model' });
        await models.locator('.rv-model-state').waitFor({ timeout: UI_WAIT_MS });
        await models.getByRole('button', { name: 'Retrain now' }).click();
        await models
          .getByRole('status')
          .filter({ hasText: /^Version \d+ is trained and active\.$/ })
          .waitFor({ timeout: 90_000 });
        const status = (await t.call('GET', '/api/reviews/models', undefined, { cookie: admin })).body;
        expect(typeof status.active).toBe('number');
        expect(await models.locator('.rv-model-state').textContent()).toBe(
          `Reviews are scored by text model version ${status.active}, with the rules.`,
        );
        const row = models.locator('tbody tr').first();
        expect((await row.locator('td').allTextContents()).slice(0, 2)).toEqual([String(status.active), 'active']);
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-reviews-model');
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'another moderator deciding first: the page says so and shows the list as it is now',
    async () => {
      const id = await seedReview(t.hub.db, {
        sku: 'MUG-STONE',
        status: 'MANUAL_REVIEW',
        createdAt: T0 - 3_600_000,
        title: 'Decided elsewhere',
      });
      await onPage(async (page) => {
        await open(page);
        const card = cardOf(page, 'Decided elsewhere');
        await card.waitFor({ timeout: UI_WAIT_MS });
        const other = await t.call('POST', `/api/reviews/${id}/moderation`, { decision: 'REJECT' }, { cookie: admin });
        expect(other.status).toBe(200);
        await card.getByRole('button', { name: 'Approve' }).click();
        await queue(page)
          .getByRole('alert')
          .filter({ hasText: 'another moderator decided' })
          .waitFor({ timeout: UI_WAIT_MS });
        await card.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        expect(await moderationState(t.hub.db, id)).toMatchObject({ status: 'REJECTED' });
        expect((await moderationState(t.hub.db, id)).log).toHaveLength(1);
        await expectNoSeriousViolations(page);
      });
    },
    180_000,
  );
});
