import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectNoSeriousViolations,
  launchChromium,
  onConsolePage,
  skipWithoutChromium,
  UI_WAIT_MS,
} from '../../../../tests/support/console-fixture.js';
import { pageTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { pushImage } from './registry-test-support.js';

/** 20 KiB shared by both images: stored once, so the page shows 20 KiB saved. */
const BASE = 'x'.repeat(20 * 1024);

/**
 * The Registry console page (issue #23) as head office uses it, in Chromium: the repositories with their sizes, a
 * repository's tags, a quota set from the page (the API then answers it), and what deduplication saves. Axe-clean.
 */
describe.each(pageTargets)('the Registry console page on $name', (target) => {
  let t: TestHub;
  let admin = '';
  let browser: Browser | undefined;
  let appSize = 0;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    const app = await pushImage(t, admin, 'shop/app', 'v1', [BASE, 'app layer']);
    await pushImage(t, admin, 'shop/tool', 'v2', [BASE, 'tool layer']);
    appSize = app.size + app.blobs.reduce((n, b) => n + b.size, 0);
    browser = skipWithoutChromium ? undefined : await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it.skipIf(skipWithoutChromium)(
    'shows a pushed repository with its size, sets its quota, and shows the dedup savings',
    async () => {
      await onConsolePage(browser!, t.url, admin, async (page) => {
        await page.goto(`${t.url}/console/#/registry`);
        await page.locator('#page-title', { hasText: 'Registry' }).waitFor({ timeout: UI_WAIT_MS });
        const row = page.locator('tr', { has: page.getByRole('link', { name: 'shop/app', exact: true }) });
        await row.waitFor({ timeout: UI_WAIT_MS });
        // 20 KiB + the small layer, config and manifest: 20.x KiB as the page writes it
        const kib = appSize / 1024;
        await expect(row.textContent()).resolves.toContain(`${Math.round(kib)} KiB`);
        await page.locator('#reg-stats').getByText('20 KiB (', { exact: false }).waitFor({ timeout: UI_WAIT_MS });

        await row.getByRole('link', { name: 'shop/app', exact: true }).click();
        await page.getByRole('heading', { name: 'Repository shop/app' }).waitFor({ timeout: UI_WAIT_MS });
        await page.getByRole('cell', { name: 'v1', exact: true }).waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);

        await page.getByLabel('Quota (MiB)', { exact: true }).fill('5');
        await page.getByLabel('Pull policy', { exact: true }).selectOption('CRITICAL');
        await page.getByRole('button', { name: 'Save quota and policy' }).click();
        await page.getByRole('status').filter({ hasText: 'quota 5.0 MiB' }).waitFor({ timeout: UI_WAIT_MS });
        await row.getByText('5.0 MiB').waitFor({ timeout: UI_WAIT_MS });

        const saved = await t.call('GET', '/api/registry/repositories/shop%2Fapp', undefined, { cookie: admin });
        expect(saved.body).toMatchObject({ quotaBytes: 5 * 1024 * 1024, blockSeverity: 'CRITICAL' });
      });
    },
    180_000,
  );
});
