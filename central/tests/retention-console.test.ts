import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from './support/console-fixture.js';
import { dbTargets } from './support/db-targets.js';
import { retentionHub } from './support/retention-fixture.js';

const UI_WAIT_MS = 30_000;

describe.skipIf(skipWithoutChromium)('the console’s Fleet page shows retention and runs a sweep', () => {
  const r = retentionHub(dbTargets[0]!);

  it('lists what each table keeps, the archive months with their detach statement, and starts a sweep', async () => {
    await r.at(0);
    const store = await r.newStore();
    await r.sell(store, 1, 12);
    await r.at(200);
    await r.t.hub.retention.run('test');
    const [part] = (
      await r.t.hub.db.query<{ part: string }>(
        'SELECT DISTINCT tableoid::regclass::text AS part FROM sync_events_archive',
      )
    ).rows.map((x) => x.part);

    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const [name, value] = r.admin.split('=') as [string, string];
      await context.addCookies([{ name, value, url: r.t.url }]);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${r.t.url}/console/#/fleet`);
      const events = page.getByRole('row').filter({
        hasText: "archived to sync_events_archive when 30 days old; the event at each store's acknowledged seq stays",
      });
      await events.waitFor({ timeout: UI_WAIT_MS });
      expect(await events.textContent()).toContain('11'); // archived so far
      await page
        .getByRole('row')
        .filter({ hasText: `ALTER TABLE sync_events_archive DETACH PARTITION ${part};` })
        .waitFor({ timeout: UI_WAIT_MS });
      await page.getByText('Last sweep finished').waitFor({ timeout: UI_WAIT_MS });
      await page.screenshot({
        path: fileURLToPath(new URL('../../.test-artifacts/screenshots/console-retention.png', import.meta.url)),
        fullPage: true,
      });
      await page.getByRole('button', { name: 'Run a sweep now' }).click();
      await page.getByText('Sweep started; this section shows its progress.').waitFor({ timeout: UI_WAIT_MS });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
