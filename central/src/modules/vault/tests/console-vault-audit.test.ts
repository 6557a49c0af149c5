import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Route } from 'playwright-core';
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
import type { VaultAuditInput } from '../types.js';
import { appendAll, auditOn, DOC, DOC2, tamper } from './audit-support.js';

/**
 * The vault's audit page as head office reads it: each line said in words (who by name and e-mail or store, what,
 * which document by name, when to the second in local time, from where), newest first, paged back with "Older lines",
 * filtered by person, action and document; "Verify the chain" saying whole, then the line where an edit broke it; the
 * master keys panel, unavailable when the hub has no keys routes, and "Rotate master key" only after a confirm.
 * Axe-clean, every control at least 44 px high.
 */
describe.each(pageTargets)('the vault audit console page on $name', (target) => {
  let t: TestHub;
  let admin = '';
  let adminActor = '';
  let paulaActor = '';
  let storeActor = '';
  let browser: Browser | undefined;
  const OLD_VIEWS = 55;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    adminActor = `user:${(await t.call('GET', '/api/auth/me', undefined, { cookie: admin })).body.userId}`;
    const store = await t.store('RIV', admin);
    await t.call('PATCH', `/api/locations/${store.id}`, { name: 'Riverside' }, { cookie: admin });
    storeActor = `store:${store.id}`;
    const paula = await t.call(
      'POST',
      '/api/users',
      { email: 'paula@example.test', name: 'Paula Planner', role: 'ADMIN', password: 'paula plans the planograms' },
      { cookie: admin },
    );
    paulaActor = `user:${paula.body.id}`;
    const now = Date.now();
    await t.hub.db.query(
      `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
       VALUES ($1, 'DOCUMENT', $2, ARRAY[$2::uuid], 'Opening hours.pdf', $3, $4, $4)`,
      [DOC, '00000000-0000-4000-8000-000000000000', paulaActor, new Date(now)],
    );
    const lines: VaultAuditInput[] = [
      ...Array.from({ length: OLD_VIEWS }, () => ({
        actor: adminActor,
        action: 'VIEW' as const,
        nodeId: DOC,
        origin: '10.0.0.5',
      })),
      { actor: paulaActor, action: 'UPLOAD', nodeId: DOC, detail: { size: 1234 }, origin: '10.0.0.7' },
      { actor: paulaActor, action: 'SHARE', nodeId: DOC, detail: { subject: storeActor, permission: 'READ' } },
      { actor: storeActor, action: 'DOWNLOAD', nodeId: DOC, origin: 'handheld RIV-2' },
      { actor: adminActor, action: 'DELETE', nodeId: DOC2, detail: { name: 'Old planogram.png' } },
    ];
    let at = now - lines.length * 1000;
    await appendAll(
      t.hub.db,
      auditOn(() => (at += 1000)),
      lines,
    );
    browser = skipWithoutChromium ? undefined : await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const onPage = (use: (page: Page) => Promise<void>) => onConsolePage(browser!, t.url, admin, use);
  const open = async (page: Page) => {
    await page.goto(`${t.url}/console/#/vault-audit`);
    await page.locator('#page-title', { hasText: 'Document audit' }).waitFor({ timeout: UI_WAIT_MS });
    await trail(page).locator('tbody tr').first().waitFor({ timeout: UI_WAIT_MS });
  };
  const trail = (page: Page) => page.getByRole('table', { name: 'The audit trail, newest first' });
  const rowOf = (page: Page, seq: number) => trail(page).locator(`tbody tr[data-seq="${seq}"]`);
  const cells = async (page: Page, seq: number) =>
    (await rowOf(page, seq).locator('td').allInnerTexts()).map((c) => c.replace(/\s+/g, ' ').trim());
  const seqsShown = async (page: Page) =>
    (
      await trail(page)
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-seq')))
    ).map(Number);
  const smallTargets = (page: Page) =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<any> } }).document;
      return Array.from(
        doc.querySelectorAll(
          '.vault-audit-page button, .vault-audit-page select, .vault-audit-page input, dialog button',
        ),
      )
        .filter((e: any) => e.offsetParent !== null)
        .map((e: any) => ({
          what: `${e.tagName} ${e.textContent || e.id}`.trim(),
          h: e.getBoundingClientRect().height,
        }))
        .filter((x) => x.h < 44);
    });
  const waitRows = (page: Page, n: number) =>
    page.waitForFunction(
      (want) =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } }
        ).document.querySelectorAll('.vault-audit-page tbody tr[data-seq]').length === want,
      n,
      { timeout: UI_WAIT_MS },
    );

  it.skipIf(skipWithoutChromium)(
    'says each line in words, newest first; pages back with Older lines; filters by person, action and document',
    async () => {
      await onPage(async (page) => {
        await open(page);
        const total = OLD_VIEWS + 4;
        const newest = await cells(page, total);
        expect(newest[0]).toBe(`#${total}`);
        expect(newest[1]).toMatch(/2\d{3}.* \d{1,2}:\d{2}:\d{2}/); // to the second, in local time
        expect(newest.slice(2)).toEqual([
          'Test Admin (admin@example.test)',
          'Moved to the trash',
          'Old planogram.png (no longer in the vault)',
          'name: Old planogram.png',
          '—',
        ]);
        expect((await cells(page, total - 1)).slice(2)).toEqual([
          'Store RIV — Riverside',
          'Downloaded',
          'Opening hours.pdf',
          '',
          'handheld RIV-2',
        ]);
        expect((await cells(page, total - 2)).slice(2, 6)).toEqual([
          'Paula Planner (paula@example.test)',
          'Shared',
          'Opening hours.pdf',
          'subject: Store RIV — Riverside · permission: READ',
        ]);
        const at = await rowOf(page, total).locator('time').getAttribute('datetime');
        const listed = (await t.call('GET', '/api/vault/audit?limit=1', undefined, { cookie: admin })).body.items[0];
        expect(at).toBe(new Date(listed.at).toISOString());

        // 50 a page; "Older lines" adds the rest, each line once
        expect(await seqsShown(page)).toEqual(Array.from({ length: 50 }, (_, i) => total - i));
        await page.getByRole('button', { name: 'Older lines' }).click();
        await waitRows(page, total);
        expect(await seqsShown(page)).toEqual(Array.from({ length: total }, (_, i) => total - i));
        expect(await page.getByRole('button', { name: 'Older lines' }).isVisible()).toBe(false);
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-vault-audit');

        await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Paula Planner (paula@example.test)' });
        await waitRows(page, 2);
        expect(await seqsShown(page)).toEqual([total - 2, total - 3]);
        await page.getByLabel('Action', { exact: true }).selectOption({ label: 'Shared' });
        await waitRows(page, 1);
        await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Anyone' });
        await page.getByLabel('Action', { exact: true }).selectOption({ label: 'Any action' });
        await waitRows(page, 50);
        // a document's name narrows the trail to its lines (by keyboard)
        await rowOf(page, total - 1)
          .getByRole('button', { name: 'Opening hours.pdf: only its lines' })
          .focus();
        await page.keyboard.press('Enter');
        await page.waitForFunction(
          () =>
            (
              globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }
            ).document.querySelector('#va-doc')?.value !== '',
          undefined,
          { timeout: UI_WAIT_MS },
        );
        expect(await page.getByLabel('Document', { exact: true }).inputValue()).toBe(DOC);
        await page.getByLabel('Action', { exact: true }).selectOption({ label: 'Uploaded' });
        await waitRows(page, 1);
        expect(await seqsShown(page)).toEqual([total - 3]);
        // nothing matches: said
        await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Store RIV — Riverside' });
        await page.getByText('No line matches these filters.').waitFor({ timeout: UI_WAIT_MS });
        // a bad id: the hub's 400 said, the page still there
        await page.getByLabel('Document', { exact: true }).fill('not-an-id');
        await page.getByRole('button', { name: 'Show' }).click();
        await page.getByRole('alert').first().waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'verifies the chain: whole, the check itself on the trail, then the line an edit broke',
    async () => {
      await onPage(async (page) => {
        await open(page);
        const before = (await t.call('GET', '/api/vault/audit?limit=1', undefined, { cookie: admin })).body.items[0]
          .seq;
        await page.getByRole('button', { name: 'Verify the chain' }).click();
        await page
          .getByRole('status')
          .filter({ hasText: `The chain is whole: ${before} lines checked, each linked to the one before.` })
          .waitFor({ timeout: UI_WAIT_MS });
        await rowOf(page, before + 1).waitFor({ timeout: UI_WAIT_MS });
        expect((await cells(page, before + 1)).slice(3, 6)).toEqual([
          'Verified the audit chain',
          '—',
          `whole, ${before} lines checked`,
        ]);
        await expectNoSeriousViolations(page);

        await tamper(t.hub.db, `UPDATE vault_audit SET origin = '198.51.100.66' WHERE seq = 10`);
        await page.getByRole('button', { name: 'Verify the chain' }).click();
        const alert = page.getByRole('alert').filter({ hasText: 'The chain is broken at line 10' });
        await alert.waitFor({ timeout: UI_WAIT_MS });
        expect(await alert.textContent()).toBe(
          'The chain is broken at line 10: line 10 was changed after it was written: its fields no longer give its hash. The 9 lines before it are whole.',
        );
        await expectNoSeriousViolations(page);
        await shot(page, 'console-vault-audit-broken');
        await tamper(t.hub.db, `UPDATE vault_audit SET origin = '10.0.0.5' WHERE seq = 10`);
      });
    },
    180_000,
  );

  it.skipIf(skipWithoutChromium)(
    'shows the master keys, or says they are unavailable; rotates only after a confirm',
    async () => {
      const real = await t.call('GET', '/api/vault/keys', undefined, { cookie: admin });
      await onPage(async (page) => {
        await open(page);
        const keys = page.getByRole('region', { name: 'Master keys' });
        if (real.status === 404 || real.status === 503)
          await keys.getByText('Master keys are unavailable on this hub right now.').waitFor({ timeout: UI_WAIT_MS });
        else await keys.getByText(real.body.current).first().waitFor({ timeout: UI_WAIT_MS });
      });

      // the panel against the keys API's answers, whatever this hub has: a hub with two keys, one rotation
      let rotations = 0;
      const answerKeys = async (route: Route) => {
        const rotated = rotations > 0;
        await route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            current: rotated ? 'kek-2026-11-29' : 'kek-2026-06-01',
            keys: [
              { id: 'kek-2026-01-01', createdAt: Date.UTC(2026, 0, 1), versions: 12 },
              { id: 'kek-2026-06-01', createdAt: Date.UTC(2026, 5, 1), versions: 3456 },
              ...(rotated ? [{ id: 'kek-2026-11-29', createdAt: Date.now(), versions: 0 }] : []),
            ],
            pendingRewrap: rotated ? 3468 : 12,
          }),
        });
      };
      await onPage(async (page) => {
        await page.route('**/api/vault/keys', answerKeys);
        await page.route('**/api/vault/keys/rotate', async (route) => {
          rotations++;
          await route.fulfill({
            status: 202,
            contentType: 'application/json',
            body: JSON.stringify({ current: 'kek-2026-11-29', pendingRewrap: 3468 }),
          });
        });
        await open(page);
        const keys = page.getByRole('region', { name: 'Master keys' });
        const table = keys.getByRole('table', { name: 'Master keys, with the versions each protects' });
        await table.waitFor({ timeout: UI_WAIT_MS });
        expect(await table.locator('tbody tr').allInnerTexts()).toHaveLength(2);
        expect((await table.locator('tbody tr').nth(1).locator('td').allInnerTexts())[2]).toBe('3,456');
        expect(await keys.locator('dd').allInnerTexts()).toEqual([
          'kek-2026-06-01',
          '12 versions still under an older key',
        ]);
        await expectNoSeriousViolations(page);

        const rotate = keys.getByRole('button', { name: 'Rotate master key…' });
        await rotate.click();
        const dialog = page.getByRole('dialog', { name: 'Rotate the master key?' });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        expect(rotations).toBe(0);

        await rotate.click();
        await dialog.getByRole('button', { name: 'Rotate master key' }).click();
        await keys
          .getByRole('status')
          .filter({
            hasText: 'Master key kek-2026-11-29 is current; 3,468 versions are being re-wrapped in the background.',
          })
          .waitFor({ timeout: UI_WAIT_MS });
        expect(rotations).toBe(1);
        await table.locator('tbody tr').nth(2).waitFor({ timeout: UI_WAIT_MS });
        expect(await keys.locator('dd').first().textContent()).toBe('kek-2026-11-29');
        await expectNoSeriousViolations(page);
        await shot(page, 'console-vault-audit-keys');
      });

      // a hub whose keys are away (503): said, no rotate button
      await onPage(async (page) => {
        await page.route('**/api/vault/keys', (route) =>
          route.fulfill({
            status: 503,
            contentType: 'application/problem+json',
            body: JSON.stringify({ title: 'Service Unavailable', detail: 'the key store is not open' }),
          }),
        );
        await open(page);
        const keys = page.getByRole('region', { name: 'Master keys' });
        await keys.getByText('Master keys are unavailable on this hub right now.').waitFor({ timeout: UI_WAIT_MS });
        expect(await keys.getByRole('button', { name: 'Rotate master key…' }).isVisible()).toBe(false);
        await expectNoSeriousViolations(page);
      });
    },
    180_000,
  );
});
