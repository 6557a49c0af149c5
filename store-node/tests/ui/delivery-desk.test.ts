import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { DESKTOP, HANDHELD, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';
import { deliveryDeskNode, DESK_NOW, type DeliveryDesk } from '../support/delivery-desk.js';

const WAIT = { timeout: 30_000 };
const MIN = 60_000;

// Issue #18: the store's delivery desk in Chromium, on a node with no hub (offline the whole time).
describe.skipIf(!haveChromium && !process.env.CI)('the delivery desk in Chromium', () => {
  let desk: DeliveryDesk;
  let browser: Browser;
  beforeAll(async () => {
    desk = await deliveryDeskNode('sf-delivery-ui-');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await desk?.node.stop();
  });

  const noAxe = async (page: Page, state: string) => {
    const found = await seriousAxeViolations(page);
    expect(found, `${state}:\n${describeAxe(found)}`).toEqual([]);
  };
  /** Every visible control is a 44 x 44 px target. */
  const bigTargets = async (page: Page) => {
    const small: string[] = [];
    for (const el of await page.locator('main button:visible, main input:visible, header a:visible').all()) {
      const box = await el.boundingBox();
      if (box && (box.width < 44 || box.height < 44))
        small.push(`${await el.evaluate((e) => e.outerHTML.slice(0, 80))}: ${box.width}x${box.height}`);
    }
    expect(small).toEqual([]);
  };
  const focused = (page: Page) =>
    page.evaluate<string>("(document.activeElement?.id || document.activeElement?.textContent) ?? ''");

  it('lists today’s bags by collector, finds one by its order number and hands it to the driver by keyboard alone', async () => {
    const tea = desk.delivery({
      orderNumber: 'SF-50001',
      lines: [
        { sku: 'TEA-GREEN', qty: 2 },
        { sku: 'MUG-RED', qty: 1 },
      ],
      customerName: 'Ann L.',
    });
    desk.delivery({
      orderNumber: 'SF-50002',
      lines: [{ sku: 'WINE-RED', qty: 2 }],
      customerName: 'Ben O.',
      area: '10245 Berlin',
      ageRestricted: true,
    });
    desk.delivery({
      orderNumber: 'SF-50003',
      lines: [{ sku: 'MUG-RED', qty: 1 }],
      customerName: 'Cem D.',
      carrier: { kind: 'DRONE', name: 'Skyhop' },
      driver: { name: 'Drone 7', vehicle: 'SKY-07' },
      collectBy: DESK_NOW + 15 * MIN,
    });
    desk.delivery({
      orderNumber: 'SF-50004',
      lines: [{ sku: 'TEA-GREEN', qty: 1 }],
      customerName: 'Dee F.',
      status: 'REQUESTED',
      carrier: null,
      driver: null,
      collectBy: null,
    });
    const tomorrow = desk.delivery({
      orderNumber: 'SF-50005',
      lines: [{ sku: 'TEA-GREEN', qty: 1 }],
      collectBy: DESK_NOW + 24 * 60 * MIN,
      window: { from: DESK_NOW + 25 * 60 * MIN, to: DESK_NOW + 26 * 60 * MIN },
    });
    const teaOnHand = desk.node.delivery.stock.onHand('TEA-GREEN');

    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${desk.node.url}/delivery.html`);
    const sam = page.getByRole('region', { name: 'Sam K. · B-SF 1042' });
    await sam.waitFor(WAIT);
    // the groups in collection order, the bags without a driver last; tomorrow's bag is not on today's list
    expect(await page.locator('section.collector h2').allTextContents()).toEqual([
      'Drone 7 · SKY-07',
      'Sam K. · B-SF 1042',
      'No driver yet',
    ]);
    expect(await page.locator('#day').textContent()).toMatch(/^Today, Sat,? (28 Nov|Nov 28):/);
    expect(await sam.locator('.collector-head p').textContent()).toMatch(
      /^Harbour vans \(store van\) · collects by (14:45|02:45\sPM) · 2 bags, 2 to hand over$/,
    );
    expect(await page.locator('main').textContent()).not.toContain(tomorrow.payload.orderNumber);
    const annCard = sam.getByRole('listitem').filter({ hasText: 'SF-50001' });
    const annText = (await annCard.textContent())!;
    expect(annText).toContain('SF-50001 · Ann L.');
    expect(annText).toContain('Driver assigned');
    expect(annText).toMatch(/10115 Berlin · arrives (15:05|03:05\sPM)–(15:25|03:25\sPM) · 2-hour/);
    expect(annText).toContain('2 × Green tea, 20 bags');
    expect(annText).toContain('1 × Red enamel mug');
    expect(await sam.getByRole('listitem').filter({ hasText: 'SF-50002' }).textContent()).toContain(
      'Check ID — age-restricted: the driver checks ID and takes the PIN at the door.',
    );
    const waiting = page.getByRole('region', { name: 'No driver yet' });
    expect(await waiting.textContent()).toContain(
      'No driver has accepted SF-50004 yet: keep the bag until the desk names one.',
    );
    expect(await waiting.getByRole('button').count()).toBe(0);
    // the store node has no hub: the page says it is offline, and works on
    await expect
      .poll(() => page.locator('#offline').textContent(), WAIT)
      .toMatch(/^Offline: the hub cannot be reached/);
    await noAxe(page, 'today’s list');
    await bigTargets(page);
    await screenshot(page, 'delivery-desk-list-1920');

    // keyboard only: the search box has focus; the bag's "Handed to driver" gets it after the search
    expect(await focused(page)).toBe('find');
    await page.keyboard.type('sf 50001');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page), WAIT).toBe('Handed to driver');
    expect(await page.locator('section.collector h2').allTextContents()).toEqual(['Sam K. · B-SF 1042']);
    expect(await page.locator('#day').textContent()).toBe('Deliveries with order number SF-50001, any day.');
    await noAxe(page, 'found by order number');
    await screenshot(page, 'delivery-desk-found-1920');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#msg').textContent(), WAIT).toBe('Handed to Sam K.: SF-50001, 3 items.');
    const card = page.getByRole('listitem').filter({ hasText: 'SF-50001' });
    await expect.poll(() => card.textContent(), WAIT).toMatch(/Handed to Sam K\. at (14|02):\d\d( [AP]M)? — 3 items/);
    expect(await card.locator('.badge').textContent()).toBe('Handed to driver');
    expect(await card.getByRole('button').count()).toBe(0);
    expect(await focused(page)).toBe(`bag-${tea.id}`);
    expect(desk.node.delivery.stock.onHand('TEA-GREEN')).toBe(teaOnHand - 2);
    expect(desk.node.bopis.repo.get(tea.reservationId)!.status).toBe('FULFILLED');
    await noAxe(page, 'handed to the driver');
    await screenshot(page, 'delivery-desk-handed-1920');

    // "Show today" brings the day back; the bag stays on it, done
    await page.getByRole('button', { name: 'Show today' }).click();
    await expect.poll(() => page.locator('section.collector').count(), WAIT).toBe(3);
    expect(await focused(page)).toBe('find');
    expect(await sam.locator('.collector-head p').textContent()).toMatch(/2 bags, 1 to hand over$/);

    // on a handheld-sized screen: nothing wider than the screen, targets still 44 px
    await page.setViewportSize(HANDHELD);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(HANDHELD.width);
    await bigTargets(page);
    await noAxe(page, 'today, 390 px');
    await screenshot(page, 'delivery-desk-390');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says why a bag may not go (cancelled, not an order number, not found), and shows returned goods back in stock', async () => {
    desk.delivery({ orderNumber: 'SF-50010', lines: [{ sku: 'MUG-RED', qty: 1 }], status: 'CANCELLED' });
    const back = desk.delivery({
      orderNumber: 'SF-50011',
      lines: [
        { sku: 'WINE-RED', qty: 2 },
        { sku: 'TEA-GREEN', qty: 1 },
      ],
      ageRestricted: true,
    });
    expect((await desk.call('POST', `/api/delivery/${back.id}/hand-to-driver`, {})).status).toBe(200);
    desk.feed('delivery.changed', { ...back.payload, status: 'RETURNED', updatedAt: desk.nextUpdate() });
    desk.returned({
      id: back.id,
      orderNumber: 'SF-50011',
      lines: back.payload.lines.map((l) => ({ ...l })),
      reason: 'age check failed',
    });

    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${desk.node.url}/delivery.html`);
    const cancelled = page.getByRole('listitem').filter({ hasText: 'SF-50010' });
    await cancelled.waitFor(WAIT);
    expect(await cancelled.textContent()).toContain(
      'SF-50010 was cancelled: keep the goods in the store, do not hand them over.',
    );
    expect(await cancelled.locator('.badge').textContent()).toBe('Cancelled');
    expect(await cancelled.getByRole('button').count()).toBe(0);
    const returned = page.getByRole('listitem').filter({ hasText: 'SF-50011' });
    expect(await returned.textContent()).toMatch(
      /Back in stock: 3 items at (14|02):\d\d( [AP]M)? \(age check failed\)/,
    );
    expect(await returned.locator('.badge').textContent()).toBe('Back in stock');
    await noAxe(page, 'cancelled and returned bags');
    await screenshot(page, 'delivery-desk-cancelled-returned-1920');

    // a cancelled bag found by its number: focus on its title (no button), the reason on the card
    await page.locator('#find').fill('SF-50010');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('section.collector').count(), WAIT).toBe(1);
    await expect.poll(() => focused(page), WAIT).toMatch(/^bag-/);
    // not an order number: the node's refusal as a sentence
    await page.locator('#find').fill('Ann Lee');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('alert').textContent(), WAIT)
      .toBe('Search the delivery desk by order number, like SF-10482.');
    await noAxe(page, 'not an order number');
    // a number nobody ordered
    await page.locator('#find').fill('SF-99999');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('alert').textContent(), WAIT)
      .toBe('No delivery has order number “SF-99999”.');
    expect(await page.locator('#groups').textContent()).toBe('No delivery found.');
    await noAxe(page, 'nothing found');
    await screenshot(page, 'delivery-desk-not-found-1920');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a hand-over refused after the list was drawn (cancelled meanwhile) says why and redraws the bag without its button', async () => {
    const bag = desk.delivery({ orderNumber: 'SF-50020', lines: [{ sku: 'TEA-GREEN', qty: 1 }] });
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${desk.node.url}/delivery.html`);
    await page.locator('#find').fill('SF-50020');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page), WAIT).toBe('Handed to driver');
    desk.feed('delivery.changed', { ...bag.payload, status: 'CANCELLED', updatedAt: desk.nextUpdate() });
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('alert').textContent(), WAIT)
      .toBe('SF-50020 was cancelled: keep the goods in the store, do not hand them over.');
    const card = page.getByRole('listitem').filter({ hasText: 'SF-50020' });
    await expect.poll(() => card.getByRole('button').count(), WAIT).toBe(0);
    expect(desk.node.bopis.repo.get(bag.reservationId)!.status).toBe('CONFIRMED');
    await noAxe(page, 'refused hand-over');
    await screenshot(page, 'delivery-desk-refused-1920');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the pickup desk’s screen opens the delivery desk too; the pickup page labels a delivery’s hold and offers no hand-over', async () => {
    desk.delivery({ orderNumber: 'SF-50030', lines: [{ sku: 'MUG-RED', qty: 1 }], customerName: 'Eve G.' });
    const context = await browser.newContext({ viewport: DESKTOP });
    await context.addCookies([{ name: 'sf_screen', value: 'pickup', url: desk.node.url! }]);
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${desk.node.url}/pickup.html`);
    const nav = page.getByRole('navigation', { name: 'Store pages' });
    await expect.poll(() => nav.getByRole('link').allTextContents(), WAIT).toEqual(['Pickups', 'Deliveries']);
    // not among the customers' due pickups, nor are the holds of the cancelled deliveries above (every hold here is a
    // delivery's): the list says none is due
    await expect
      .poll(() => page.getByRole('list', { name: 'Due pickups' }).textContent(), WAIT)
      .toBe('No pickups due.');
    // found by its number: labelled, no hand-over or no-show
    await page.keyboard.type('SF-50030');
    await page.keyboard.press('Enter');
    const detail = page.getByRole('article', { name: /SF-50030/ });
    await expect
      .poll(() => detail.textContent(), WAIT)
      .toContain('Leaves by delivery (SF-50030): hand it to the driver at the delivery desk, not to a customer.');
    expect(await detail.getByRole('button').count()).toBe(0);
    await noAxe(page, 'a delivery’s hold on the pickup desk');
    await screenshot(page, 'pickup-desk-delivery-hold-1920');
    // the link leads to the delivery desk, which this screen opens
    await detail.getByRole('link', { name: 'delivery desk' }).click();
    await page.getByRole('listitem').filter({ hasText: 'SF-50030' }).waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe('/delivery.html');
    await expect.poll(() => nav.getByRole('link').allTextContents(), WAIT).toEqual(['Pickups', 'Deliveries']);
    await noAxe(page, 'the delivery desk on the pickup screen');
    expect(errors).toEqual([]);
    await context.close();

    // a kiosk screen is refused the page
    const kiosk = await browser.newContext({ viewport: DESKTOP });
    await kiosk.addCookies([{ name: 'sf_screen', value: 'kiosk', url: desk.node.url! }]);
    const kp = await kiosk.newPage();
    expect((await kp.goto(`${desk.node.url}/delivery.html`))?.status()).toBe(403);
    await kiosk.close();
  });
});
