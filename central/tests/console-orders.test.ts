import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  consoleHub,
  consolePage,
  expectNoSeriousViolations,
  MANAGER_A,
  MANAGER_B,
  shot,
  skipWithoutChromium,
  UI_WAIT_MS,
  type ConsoleFixture,
} from './support/console-fixture.js';
import { dbTargets } from './support/db-targets.js';
import type { TestHub } from './support/test-hub.js';

/**
 * The console's Orders page (issue #17): order numbers on the list and the detail, search by the number people type,
 * how long each saga step took, and cancel and refund behind a confirmation that says what will happen. The refund
 * route (`POST /api/orders/:id/refund`) refunds a picked-up, paid order once, for head office or the order's store.
 */

describe.each(dbTargets)('the console’s Orders page on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let managerA: string;
  let managerB: string;
  let fx: ConsoleFixture;
  let browser: Browser | undefined;
  let stop: (() => Promise<void>) | undefined;
  const errors: string[] = [];
  const order = async (id: string) => (await t.call('GET', `/api/orders/${id}`, undefined, { cookie: admin })).body;
  const kinds = async (id: string) => (await order(id)).timeline.map((e: { kind: string }) => e.kind);

  beforeAll(async () => {
    ({ t, admin, fx, browser, stop } = await consoleHub(target));
    managerA = await t.login(MANAGER_A.email, MANAGER_A.password);
    managerB = await t.login(MANAGER_B.email, MANAGER_B.password);
  }, 180_000);
  afterAll(() => stop?.());

  it('refunds a picked-up, paid order once, for its store’s manager or head office; refuses everything else', async () => {
    // each saga step says how long it took
    const steps = (await order(fx.orderA.id)).timeline.filter((e: { kind: string }) => e.kind === 'RESERVE');
    expect(steps).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ tookMs: expect.any(Number) }) }),
    ]);

    const confirmed = await t.call('POST', `/api/orders/${fx.orderA.id}/refund`, {}, { cookie: admin });
    expect(confirmed.status).toBe(409);
    expect(confirmed.body.detail).toContain('cancel it instead');
    // another store's manager: as if no such order; a bad body: 400; neither changes anything
    const foreign = await t.call('POST', `/api/orders/${fx.paidA.id}/refund`, {}, { cookie: managerB });
    expect(foreign.status).toBe(404);
    const bad = await t.call('POST', `/api/orders/${fx.paidA.id}/refund`, { amountMinor: 1 }, { cookie: managerA });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(await kinds(fx.paidA.id)).not.toContain('REFUND_REQUESTED');

    const key = `refund-${fx.paidA.id}`;
    const refunded = await t.call('POST', `/api/orders/${fx.paidA.id}/refund`, undefined, {
      cookie: managerA,
      idempotencyKey: key,
    });
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({ id: fx.paidA.id, status: 'PICKED_UP' });
    const after = (await order(fx.paidA.id)).timeline.filter((e: { kind: string }) => e.kind.startsWith('REFUND'));
    expect(after.map((e: { kind: string; detail: unknown }) => [e.kind, e.detail])).toEqual([
      ['REFUND_REQUESTED', { amountMinor: fx.paidA.totalMinor, currency: 'USD', by: expect.any(String) }],
      ['REFUNDED', { amountMinor: fx.paidA.totalMinor, currency: 'USD' }],
    ]);
    // the same request again (a retry): the same answer; a second refund: refused
    const replay = await t.call('POST', `/api/orders/${fx.paidA.id}/refund`, undefined, {
      cookie: managerA,
      idempotencyKey: key,
    });
    expect(replay.status).toBe(200);
    const again = await t.call('POST', `/api/orders/${fx.paidA.id}/refund`, undefined, { cookie: admin });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('already refunded');
    expect((await kinds(fx.paidA.id)).filter((k: string) => k === 'REFUNDED')).toHaveLength(1);
  });

  it.skipIf(skipWithoutChromium)(
    'finds an order by its number, shows step times, and cancels it only after saying what will happen',
    async () => {
      const { context, page } = await consolePage(browser!, t.url, managerA, errors);
      try {
        await page.goto(`${t.url}/console/#/orders`);
        await page.getByRole('row').filter({ hasText: fx.orderA.orderNumber }).waitFor({ timeout: UI_WAIT_MS });
        // by keyboard: type the number as people say it, then open the order from its row
        await page.getByLabel('Order number').focus();
        await page.keyboard.type(fx.orderA.orderNumber.toLowerCase().replace('-', ' '));
        await page.keyboard.press('Enter');
        const heading = page.getByRole('heading', { level: 2, name: new RegExp(`^Order ${fx.orderA.orderNumber}`) });
        await heading.waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByRole('row').count()).toBe(2); // the header and the one order
        const timeline = page.getByRole('list', { name: 'Saga timeline' });
        await expect
          .poll(() => timeline.textContent(), { timeout: UI_WAIT_MS })
          .toMatch(/reserve stock \d+(\.\d)? (ms|s)/);
        // the product by name, linked to its page, its sku beside it
        const items = page.getByRole('list', { name: 'Items' });
        expect(await items.textContent()).toBe('2 × Stoneware mug MUG-STONE');
        expect(await items.getByRole('link', { name: 'Stoneware mug MUG-STONE' }).getAttribute('href')).toBe(
          '#/product?sku=MUG-STONE',
        );
        await expectNoSeriousViolations(page);
        await shot(page, 'console-order-detail');

        // Cancel asks first, with the amount and the items; Escape keeps the order
        const total = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(
          fx.orderA.totalMinor / 100,
        );
        await page.getByRole('button', { name: 'Cancel order…' }).focus();
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog', { name: `Cancel order ${fx.orderA.orderNumber}?` });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        expect(await dialog.textContent()).toContain(`payment of ${total} is voided`);
        expect(await dialog.textContent()).toContain('2 × Stoneware mug (MUG-STONE)');
        expect(await page.locator(':focus').textContent()).toBe('Keep it');
        await expectNoSeriousViolations(page);
        await shot(page, 'console-order-cancel-dialog');
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        expect((await order(fx.orderA.id)).status).toBe('CONFIRMED');

        // again, and this time confirmed by keyboard: the page says what happened
        await page.getByRole('button', { name: 'Cancel order…' }).focus();
        await page.keyboard.press('Enter');
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        await page.keyboard.press('Tab');
        expect(await page.locator(':focus').textContent()).toBe(`Cancel order ${fx.orderA.orderNumber}`);
        await page.keyboard.press('Enter');
        await page
          .getByRole('status')
          .filter({ hasText: `Order ${fx.orderA.orderNumber} is cancelled; ${total} voided.` })
          .waitFor({ timeout: UI_WAIT_MS });
        expect((await order(fx.orderA.id)).status).toBe('CANCELLED');
        await expect.poll(() => heading.textContent(), { timeout: UI_WAIT_MS }).toContain('CANCELLED');
        expect(await page.getByRole('button', { name: 'Cancel order…' }).count()).toBe(0);
        await expectNoSeriousViolations(page);
        await shot(page, 'console-order-cancelled');
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    240_000,
  );

  it.skipIf(skipWithoutChromium)(
    'refunds a handed-over order from the page after a confirmation naming the amount',
    async () => {
      // a second paid order at Riverside (the first was refunded through the API above)
      const { context, page } = await consolePage(browser!, t.url, admin, errors);
      try {
        const paid = await t.call(
          'POST',
          '/api/orders',
          {
            customerId: fx.customer.id,
            placeKey: `console-refund-${Date.now()}`,
            lines: [{ sku: 'OAT-1L', qty: 1 }],
            fulfilment: { type: 'PICKUP', storeId: fx.a.id },
          },
          { cookie: admin },
        );
        expect(paid.status).toBe(201);
        await fx.outboxA.send(fx.outboxA.event('reservation.picked-up', { reservationId: paid.body.reservationId }));
        await expect
          .poll(async () => (await order(paid.body.id)).paymentCapturedAt, { timeout: UI_WAIT_MS })
          .toBeTruthy();
        await page.goto(`${t.url}/console/#/orders?number=${paid.body.orderNumber}`);
        const refund = page.getByRole('button', { name: 'Refund…' });
        await refund.waitFor({ timeout: UI_WAIT_MS });
        await refund.click();
        const total = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(
          paid.body.totalMinor / 100,
        );
        const dialog = page.getByRole('dialog', { name: `Refund order ${paid.body.orderNumber}?` });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        expect(await dialog.textContent()).toContain(`The customer gets ${total} back`);
        expect(await dialog.textContent()).toContain('1 × Oat milk 1 l (OAT-1L)');
        // what happens, not a till return the till cannot take (its returns start from a till sale's number)
        expect(await dialog.textContent()).toContain(
          'The goods were handed over and are not put back in stock: if they come back, receive them on the store’s handheld (Receive).',
        );
        await expectNoSeriousViolations(page);
        await dialog.getByRole('button', { name: `Refund ${total}` }).click();
        await page
          .getByRole('status')
          .filter({ hasText: `Order ${paid.body.orderNumber}: ${total} refunded.` })
          .waitFor({ timeout: UI_WAIT_MS });
        await expect
          .poll(() => page.getByRole('list', { name: 'Saga timeline' }).textContent(), { timeout: UI_WAIT_MS })
          .toContain('payment refunded');
        expect(await kinds(paid.body.id)).toContain('REFUNDED');
        // refunded once: the button is gone and the order says so
        await expect.poll(() => refund.count(), { timeout: UI_WAIT_MS }).toBe(0);
        expect(await page.getByRole('heading', { level: 2 }).textContent()).toContain('REFUNDED');
        await expectNoSeriousViolations(page);
        await shot(page, 'console-order-refunded');
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    240_000,
  );
});
