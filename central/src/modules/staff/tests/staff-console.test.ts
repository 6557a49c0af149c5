import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPin } from '@storefleet/shared';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import {
  launchChromium,
  SHOTS,
  shot,
  skipWithoutChromium,
  UI_WAIT_MS,
} from '../../../../tests/support/console-fixture.js';
import { pageTargets } from '../../../../tests/support/db-targets.js';
import { StoreOutbox } from '../../../../tests/support/store-outbox.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

const PASSWORD = 'a long enough password 123';

describe.each(pageTargets)('the console’s Audit and Staff PINs pages on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let managerCookie: string;
  let store: { id: string };
  let jo: string;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    store = await t.store('S0042', admin);
    const other = await t.store('S0099', admin);
    const add = async (email: string, name: string, role: 'STORE_MANAGER' | 'ASSOCIATE', storeId = store.id) =>
      (await t.hub.auth.createUser({ email, name, role, storeId: storeId as never, password: PASSWORD })).id;
    jo = await add('jo@example.test', 'Jo Bloggs', 'ASSOCIATE');
    const sam = await add('sam@example.test', 'Sam Manager', 'STORE_MANAGER');
    await add('ola@example.test', 'Ola Other', 'ASSOCIATE', other.id);
    managerCookie = await t.login('sam@example.test', PASSWORD);
    const base = Date.parse('2026-03-02T15:00:00Z');
    const row = (over: Record<string, unknown>) => ({
      auditId: randomUUID(),
      at: base,
      action: 'SIGN_IN',
      lane: 3,
      actorUserId: jo,
      approverUserId: null,
      saleId: null,
      sku: null,
      amountMinor: null,
      detail: '',
      ...over,
    });
    const o = new StoreOutbox(t, store.id);
    await o.send(
      o.event('staff.audit', row({})),
      o.event(
        'staff.audit',
        row({ at: base + 60_000, action: 'VOID', approverUserId: sam, saleId: '0042-3-000123', amountMinor: 1250 }),
      ),
      o.event(
        'staff.audit',
        row({ at: base + 120_000, action: 'NO_SALE', approverUserId: sam, detail: 'change for the float' }),
      ),
    );
    const o2 = new StoreOutbox(t, other.id);
    await o2.send(o2.event('staff.audit', row({ actorUserId: null, action: 'SIGN_IN_FAILED', lane: 1 })));
  }, 120_000);
  afterAll(() => t?.stop());

  it.skipIf(skipWithoutChromium)(
    'a manager reads their store’s lane audit as sentences and gives an associate a PIN shown once; head office sees admin actions',
    async () => {
      mkdirSync(SHOTS, { recursive: true });
      const browser = await launchChromium();
      try {
        const context = await browser.newContext({ locale: 'en-US' });
        const [name, value] = managerCookie.split('=') as [string, string];
        await context.addCookies([{ name, value, url: t.url }]);
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${t.url}/console/#/staff-audit`);
        const voided = page.getByRole('cell', {
          name: 'Jo Bloggs voided sale 0042-3-000123 of $12.50 at lane 3, approved by Sam Manager',
        });
        await voided.waitFor({ timeout: UI_WAIT_MS });
        await page
          .getByRole('cell', { name: 'Jo Bloggs opened the drawer with no sale at lane 3, approved by Sam Manager' })
          .waitFor();
        // the other store's wrong PIN is not the manager's to see
        expect(await page.getByText('typed a wrong PIN').count()).toBe(0);
        expect(await page.getByRole('link', { name: 'Admin actions' }).count()).toBe(0);
        let found = await seriousAxeViolations(page);
        expect(found, describeAxe(found)).toEqual([]);
        await shot(page, 'console-staff-audit');
        // filtered to voids by the keyboard
        await page.getByLabel('Action').selectOption('VOID');
        await page.getByRole('button', { name: 'Show' }).press('Enter');
        await page.waitForURL(/action=VOID/);
        await voided.waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByText('opened the drawer').count()).toBe(0);

        // Staff PINs: the hub makes up Jo's PIN; the page shows it once in a dialog, then forgets it
        await page.goto(`${t.url}/console/#/staff-pins`);
        const give = page.getByRole('button', { name: 'New PIN for Jo Bloggs' });
        await give.waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByRole('textbox').count()).toBe(0); // nobody types a PIN any more
        await give.focus();
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog', { name: 'Jo Bloggs’s new PIN' });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        const pin = (await dialog.getByLabel('The new PIN').textContent())!;
        expect(pin).toMatch(/^\d{6}$/);
        await dialog.getByText('Tell it to Jo in person; it is not shown again.').waitFor();
        found = await seriousAxeViolations(page);
        expect(found, describeAxe(found)).toEqual([]);
        await shot(page, 'console-staff-pin-once');
        // the dialog's Done has the focus: Enter closes it and the PIN leaves the page
        await page.keyboard.press('Enter');
        await dialog.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        await page.getByText('Jo Bloggs has a new PIN').waitFor({ timeout: UI_WAIT_MS });
        const joRow = page.getByRole('row').filter({ hasText: 'Jo Bloggs' });
        await joRow.getByRole('cell', { name: /^set / }).waitFor();
        expect(await page.content()).not.toContain(pin);
        // the hub has it as a hash the store checks: the PIN shown is the one Jo signs in with
        const { rows } = await t.hub.db.query<{ pin_hash: string }>(
          'SELECT pin_hash FROM staff_pins WHERE user_id = $1',
          [jo],
        );
        expect(await verifyPin(pin, rows[0]!.pin_hash)).toBe(true);
        // a second one asks first (the current PIN stops working), and keeping it changes nothing
        await give.click();
        await page.getByRole('dialog', { name: 'Give Jo Bloggs a new PIN?' }).waitFor({ timeout: UI_WAIT_MS });
        await page.getByRole('button', { name: 'Keep it' }).click();
        expect(await page.getByRole('dialog').count()).toBe(0);
        expect((await t.hub.db.query('SELECT pin_hash FROM staff_pins WHERE user_id = $1', [jo])).rows).toEqual(rows);
        found = await seriousAxeViolations(page);
        expect(found, describeAxe(found)).toEqual([]);
        expect((await give.boundingBox())!.height).toBeGreaterThanOrEqual(44);
        const box = await page.getByRole('button', { name: 'Remove PIN of Jo Bloggs' }).boundingBox();
        expect(box!.height).toBeGreaterThanOrEqual(44);
        await shot(page, 'console-staff-pins');
        await context.close();

        // head office: every store, and the admin actions tab shows the manager's PIN change
        const adminContext = await browser.newContext({ locale: 'en-US' });
        const [an, av] = admin.split('=') as [string, string];
        await adminContext.addCookies([{ name: an, value: av, url: t.url }]);
        const adminPage = await adminContext.newPage();
        adminPage.on('pageerror', (e) => errors.push(e.message));
        await adminPage.goto(`${t.url}/console/#/staff-audit`);
        await adminPage
          .getByRole('cell', { name: 'Someone typed a wrong PIN at lane 1' })
          .waitFor({ timeout: UI_WAIT_MS });
        await adminPage.getByRole('link', { name: 'Admin actions' }).click();
        const change = adminPage.getByRole('row').filter({ hasText: 'POST /api/staff/people/:userId/pin' }).first();
        await change.waitFor({ timeout: UI_WAIT_MS });
        expect(await change.textContent()).toContain('Sam Manager');
        found = await seriousAxeViolations(adminPage);
        expect(found, describeAxe(found)).toEqual([]);
        await shot(adminPage, 'console-staff-admin-actions');
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    180_000,
  );
});
