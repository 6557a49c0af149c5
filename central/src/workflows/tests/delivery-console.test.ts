import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consolePage,
  expectNoSeriousViolations,
  launchChromium,
  shot,
  skipWithoutChromium,
  UI_WAIT_MS,
} from '../../../tests/support/console-fixture.js';
import { pageTargets } from '../../../tests/support/db-targets.js';
import { DeliveryFlowHub, simulator, STORE_AT } from './support/delivery-hub.js';
import { kinds, until } from './support/flow-hub.js';

/**
 * The console's Orders page for a DELIVERY order: where it goes (the area, not the street), how fast, the promised
 * window, how its delivery stands as the timeline tells it, and a link to the delivery's own page; the timeline's
 * delivery lines in words ("handed to the driver", not "picked up").
 */
describe.skipIf(skipWithoutChromium).each(pageTargets)('a DELIVERY order in the console, on $name', (target) => {
  const f = new DeliveryFlowHub();
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    await f.start(target, ['DC-A', 'DC-B']);
    await f.carrier('GIG-CONSOLE', STORE_AT, { simulator: simulator(true) });
    await f.products('TOASTER');
    await f.stock(f.storeA.id, 'TOASTER', 10, 'RECEIVE');
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await f.stop();
  });

  it('shows the area, speed, window and standing; the delivery lines in words; no serious violations', async () => {
    const placed = await f.placeDelivery(f.storeA.id, 'TOASTER', 1, `console-${target.name}`);
    expect(placed.body.status).toBe('CONFIRMED');
    const deliveryId = (await f.deliveryReaches(placed.body, 'ASSIGNED')).delivery.id;
    await until(
      () => f.order(placed.body.id),
      (o) => kinds(o).includes('DELIVERY_ASSIGNED'),
      'the timeline line',
    );

    const { context, page } = await consolePage(browser, f.t.url, f.admin.cookie, errors);
    try {
      await page.goto(`${f.t.url}/console/#/orders?order=${placed.body.id}`);
      const section = page.getByRole('region', { name: 'Delivery' });
      await section.waitFor({ timeout: UI_WAIT_MS });
      /** The facts as [term, value] pairs, in order. */
      const facts = async () => {
        const cells = await section.locator('dt, dd').allTextContents();
        return cells.flatMap((text, i) => (i % 2 ? [] : [[text, cells[i + 1]]]));
      };
      expect(await facts()).toEqual([
        ['To', '10013 New York'],
        ['Speed', 'within 2 hours'],
        // "Tue, Mar 3, 13:05–15:05" in the viewer's zone; across midnight both days ("Sun, Nov 29, 22:49 – Mon, Nov 30,
        // 00:49" — a CI run near midnight UTC saw it)
        [
          'Window',
          expect.stringMatching(/^\w{3}, \w{3} \d{1,2}, \d\d:\d\d(?:–\d\d:\d\d| – \w{3}, \w{3} \d{1,2}, \d\d:\d\d)$/),
        ],
        ['Status', 'a driver is assigned'],
      ]);
      // the street stays off the page; the delivery's own page is a link away, a 44 px target
      expect(await section.textContent()).not.toContain('Canal Street');
      const link = section.getByRole('link', { name: 'Open the delivery' });
      expect(await link.getAttribute('href')).toBe(`#/delivery?id=${deliveryId}`);
      expect((await link.boundingBox())!.height).toBeGreaterThanOrEqual(44);
      const timeline = page.getByRole('list', { name: 'Saga timeline' });
      const assigned = timeline.getByRole('listitem').filter({ hasText: 'driver assigned' });
      expect(await assigned.textContent()).toMatch(/^driver assigned .*\(GIG-CONSOLE brings it, ETA \d\d:\d\d\)$/);
      await expectNoSeriousViolations(page);
      await shot(page, 'console-order-delivery-assigned');

      // the store hands the bag to the driver: out for delivery, "handed to the driver" in the timeline
      await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: placed.body.reservationId });
      await until(
        () => f.order(placed.body.id),
        (o) => kinds(o).includes('HANDED_TO_DRIVER'),
        'the hand-over',
      );
      await page.reload();
      await section.waitFor({ timeout: UI_WAIT_MS });
      await expect.poll(facts, { timeout: UI_WAIT_MS }).toContainEqual(['Status', 'out for delivery']);
      expect(await timeline.textContent()).toContain('handed to the driver');
      expect(await timeline.textContent()).not.toContain('picked up');
      await expectNoSeriousViolations(page);
      await shot(page, 'console-order-delivery-out');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
