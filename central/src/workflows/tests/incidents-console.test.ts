import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { FlowHub } from './support/flow-hub.js';

/** Debian's Chromium (CHROMIUM_PATH names another); the test is skipped without one. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Generous: the machine is shared and slow. */
const UI_WAIT_MS = 30_000;
const SCREENSHOTS = fileURLToPath(new URL('../../../../.test-artifacts/screenshots/', import.meta.url));

/**
 * The console's Order incidents page (issue #15): a hand-over that reached the hub after its order was cancelled
 * shows as an open incident saying what happened, and an admin resolves it from the page with a note.
 */
describe.skipIf(!existsSync(chromiumPath))('the console’s Order incidents page', () => {
  const f = new FlowHub();
  let order: { id: string; reservationId: string };

  beforeAll(async () => {
    await f.start(dbTargets[0]!, ['PG-A', 'PG-B']);
    await f.products('VASE');
    await f.stock(f.storeA.id, 'VASE', 5, 'RECEIVE');
    order = await f.handedOverAfterCancel(f.storeA.id, 'VASE', 'console-incident', Date.UTC(2026, 3, 2, 16, 45));
  });
  afterAll(() => f.stop());

  it('lists the open incident with what happened, and resolves it with a note', async () => {
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const context = await browser.newContext();
      const [name, value] = f.admin.cookie!.split('=') as [string, string];
      await context.addCookies([{ name, value, url: f.t.url }]);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${f.t.url}/console/#/workflow-incidents`);
      const row = page.getByRole('row').filter({ hasText: `handed over hold ${order.reservationId}` });
      await row.waitFor({ timeout: UI_WAIT_MS });
      expect(await row.textContent()).toContain(
        `Store PG-A (PG-A) handed over hold ${order.reservationId} at 2026-04-02T16:45:00.000Z, after the hub had ` +
          `ended it (RELEASED). Its order ${order.id} was CANCELLED by then`,
      );
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOTS}console-workflow-incidents.png`, fullPage: true });

      await row.getByRole('textbox').fill('Customer came back and paid at the till.');
      await row.getByRole('button', { name: 'Resolve' }).click();
      await page.getByText('resolved.', { exact: false }).waitFor({ timeout: UI_WAIT_MS });
      const resolvedRow = page
        .getByRole('table', { name: 'Recently resolved' })
        .getByRole('row')
        .filter({ hasText: 'Customer came back and paid at the till.' });
      await resolvedRow.waitFor({ timeout: UI_WAIT_MS });
      expect(await resolvedRow.textContent()).toContain('admin@example.test');
      await page
        .getByRole('table', { name: /^Open incidents/ })
        .getByText('Nothing to show')
        .waitFor({ timeout: UI_WAIT_MS });

      const { items } = (await f.t.call('GET', '/api/workflows/incidents', undefined, f.admin)).body;
      expect(items).toEqual([
        expect.objectContaining({
          orderId: order.id,
          state: 'RESOLVED',
          resolution: expect.objectContaining({ note: 'Customer came back and paid at the till.' }),
        }),
      ]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
