import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from '../../../tests/support/console-fixture.js';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { FlowHub } from './support/flow-hub.js';

/** Generous: the machine is shared and slow. */
const UI_WAIT_MS = 30_000;
const SCREENSHOTS = fileURLToPath(new URL('../../../../.test-artifacts/screenshots/', import.meta.url));

/**
 * The console's Order incidents page (issue #15): a hand-over that reached the hub after its order was cancelled
 * shows as an open incident saying what happened (its store as "CODE — Name", its kind in words, ids shortened as
 * elsewhere), new ones appear without a reload, and an admin resolves them from the page with a note: one at a time,
 * without losing what is typed in the other rows.
 */
describe.skipIf(skipWithoutChromium)('the console’s Order incidents page', () => {
  const f = new FlowHub();
  let first: { id: string; reservationId: string };
  let second: { id: string; reservationId: string };
  /** The number people read out for the first incident's order (the page shows it, not the order's id). */
  let firstNumber: string;
  const short = (id: string) => `…${id.slice(-8)}`;

  beforeAll(async () => {
    await f.start(dbTargets[0]!, ['PG-A', 'PG-B']);
    await f.products('VASE');
    await f.stock(f.storeA.id, 'VASE', 5, 'RECEIVE');
    first = await f.handedOverAfterCancel(f.storeA.id, 'VASE', 'console-incident', Date.UTC(2026, 3, 2, 16, 45));
    firstNumber = (await f.order(first.id)).orderNumber;
  });
  afterAll(() => f.stop());

  it('lists open incidents live, and resolves them one at a time with a note', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const [name, value] = f.admin.cookie!.split('=') as [string, string];
      await context.addCookies([{ name, value, url: f.t.url }]);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${f.t.url}/console/#/workflow-incidents`);
      const open = page.getByRole('table', { name: /^Open incidents/ });
      const rowOf = (o: { reservationId: string }) =>
        open.getByRole('row').filter({ hasText: `handed over hold ${short(o.reservationId)} ` });
      const row = rowOf(first);
      await row.waitFor({ timeout: UI_WAIT_MS });
      const cells = await row.getByRole('cell').allTextContents();
      expect(cells.slice(1, 5)).toEqual([
        'PG-A — Store PG-A',
        'Handed over after the hold ended',
        firstNumber, // the number people read out, not the order's id
        `Store PG-A (PG-A) handed over hold ${short(first.reservationId)} at 2026-04-02T16:45:00.000Z, after the ` +
          `hub had ended it (RELEASED). Its order ${firstNumber} was CANCELLED by then and its payment voided or ` +
          'refunded: the goods left unpaid.',
      ]);

      // a new incident shows without a reload
      second = await f.handedOverAfterCancel(f.storeA.id, 'VASE', 'console-incident-2', Date.UTC(2026, 3, 2, 17, 0));
      await rowOf(second).waitFor({ timeout: UI_WAIT_MS });
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOTS}console-workflow-incidents.png`, fullPage: true });

      // the first resolve is slow to answer: a second Resolve meanwhile is refused with a reason, and the note typed
      // in the other row survives the first one's refresh
      let answer!: () => void;
      const answered = new Promise<void>((r) => (answer = r));
      await page.route('**/api/workflows/incidents/*/resolve', async (route) => {
        await answered;
        await route.continue();
      });
      await rowOf(second).getByRole('textbox').fill('Store manager is on it.');
      await row.getByRole('textbox').fill('Customer came back and paid at the till.');
      await row.getByRole('button', { name: 'Resolve' }).click();
      await rowOf(second).getByRole('button', { name: 'Resolve' }).click();
      await page.getByRole('alert').filter({ hasText: 'is still being resolved' }).waitFor({ timeout: UI_WAIT_MS });
      answer();
      await page.getByText('resolved.', { exact: false }).waitFor({ timeout: UI_WAIT_MS });
      const resolvedRow = page
        .getByRole('table', { name: 'Recently resolved' })
        .getByRole('row')
        .filter({ hasText: 'Customer came back and paid at the till.' });
      await resolvedRow.waitFor({ timeout: UI_WAIT_MS });
      expect(await resolvedRow.textContent()).toContain('admin@example.test');
      await row.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
      expect(await rowOf(second).getByRole('textbox').inputValue()).toBe('Store manager is on it.');

      const { items } = (await f.t.call('GET', '/api/workflows/incidents', undefined, f.admin)).body;
      expect(items.map((i: { orderId: string; state: string }) => [i.orderId, i.state])).toEqual([
        [second.id, 'OPEN'],
        [first.id, 'RESOLVED'],
      ]);
      expect(items[1].resolution).toEqual(
        expect.objectContaining({ note: 'Customer came back and paid at the till.' }),
      );
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
