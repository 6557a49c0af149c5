import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { launchChromium, shot, skipWithoutChromium, UI_WAIT_MS } from '../../../../tests/support/console-fixture.js';
import { pageTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { DriverLink } from '../tracking/driver-simulator.js';
import { addCarrier, addDelivery, DOOR_AT, STORE_AT, trackingWorld, type TrackingWorld } from './tracking-fixture.js';

const north = (from: { lat: number; lon: number }, km: number) => ({ lat: from.lat + km / 111.195, lon: from.lon });
const PHONE = { width: 360, height: 780 };

/** The browser's globals inside `page.evaluate` (the repo's TypeScript has no DOM library). */
interface InPage {
  readonly innerWidth: number;
  readonly document: {
    readonly documentElement: { readonly scrollWidth: number };
    readonly activeElement: { readonly id: string } | null;
    querySelector(s: string): { getBBox(): { x: number; y: number; width: number; height: number } };
  };
}

/** The customer's tracking page in Chromium, on a phone-sized screen: what they read, what is drawn, how it reads aloud. */
describe.skipIf(skipWithoutChromium).each(pageTargets)('the customer’s tracking page, on $name', (target) => {
  let t: TestHub;
  let w: TrackingWorld;
  let browser: Browser;

  beforeAll(async () => {
    t = await TestHub.start(target);
    w = await trackingWorld(t);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const open = async (token: string) => {
    const page = await browser.newPage({ viewport: PHONE });
    const referrers: string[] = [];
    page.on('request', (r) => {
      const referer = r.headers().referer;
      if (referer) referrers.push(referer);
    });
    await page.goto(`${t.url}/console/modules/delivery/track.html#t=${token}`);
    return { page, referrers };
  };
  const stateIs = (page: Page, text: string) =>
    page.locator('#state', { hasText: text }).waitFor({ timeout: UI_WAIT_MS });
  const fitsThePhone = (page: Page) =>
    page.evaluate(() => {
      const g = globalThis as unknown as InPage;
      return g.document.documentElement.scrollWidth <= g.innerWidth;
    });
  const noSeriousAxe = async (page: Page) => {
    const found = await seriousAxeViolations(page);
    expect(found, describeAxe(found)).toEqual([]);
  };
  const mint = async (id: string) =>
    (await t.call('POST', `/api/delivery/deliveries/${id}/tracking-link`, {}, { cookie: w.admin })).body
      .token as string;

  it('shows the state, the time it arrives in the store’s clock, and the driver drawn between the store and the door; follows the driver to the door', async () => {
    const c = await addCarrier(t, { speedKmh: 30 });
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'OUT_FOR_DELIVERY' });
    const token = await mint(d.id);
    const driver = await DriverLink.connect(t.url, c.token);
    try {
      await driver.ask({ type: 'position', ...north(STORE_AT, 1), at: Date.now(), deliveryId: d.id });
      const { page, referrers } = await open(token);
      await stateIs(page, 'On its way');
      await expect.poll(() => page.locator('h1').textContent()).toBe(`Your delivery ${d.orderNumber}`);
      expect(await page.locator('.eta').textContent()).toMatch(
        /^Arrives (tomorrow )?\d\d:\d\d–(tomorrow )?\d\d:\d\d( \S+)?$/,
      );
      const body = await page.locator('main').textContent();
      expect(body).toContain('Sam is bringing it');
      expect(body).toContain('VAN AB12 CDE');
      expect(body).toMatch(/Sam is 1\.0 km from your door/);
      // north is up: the driver is drawn halfway between the store (below) and the door (above)
      const at = await page.evaluate(() => {
        const { document } = globalThis as unknown as InPage;
        const mid = (m: string) => {
          const b = document.querySelector(`[data-mark="${m}"]`).getBBox();
          return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
        };
        return { store: mid('store'), door: mid('door'), driver: mid('driver') };
      });
      expect(at.driver.y).toBeLessThan(at.store.y);
      expect(at.driver.y).toBeGreaterThan(at.door.y);
      expect(Math.abs(at.driver.y - (at.store.y + at.door.y) / 2)).toBeLessThan(Math.abs(at.store.y - at.door.y) * 0.1);
      expect(await page.locator('svg desc').textContent()).toBe(
        'Sam is 1.0 km from your door; Riverside is 2.0 km away.',
      );
      expect(await fitsThePhone(page)).toBe(true);
      await noSeriousAxe(page);
      await shot(page, 'tracking-on-its-way');

      // the driver reaches the door; the customer asks for news with the keyboard
      await driver.ask({ type: 'position', ...north(DOOR_AT, -0.1), at: Date.now(), deliveryId: d.id });
      await page.locator('#refresh').focus();
      await page.keyboard.press('Enter');
      await stateIs(page, 'Arriving now');
      expect(await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.id)).toBe('refresh');
      await driver.ask({ type: 'delivered', deliveryId: d.id, proof: { kind: 'PHOTO', ref: 'photo:door' } });
      await page.keyboard.press('Enter');
      await stateIs(page, 'Delivered');
      expect(await page.locator('[data-mark="driver"]').count()).toBe(0);
      expect(await page.locator('.lead').textContent()).toMatch(/^Handed over at \d\d:\d\d\.$/);
      await noSeriousAxe(page);
      await shot(page, 'tracking-delivered');
      expect(referrers.filter((r) => r.includes(token))).toEqual([]);
      await page.close();
    } finally {
      await driver.close();
    }
  });

  it('shows the PIN of age-restricted goods and the promised window before the driver sets off, and keeps them offline', async () => {
    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'ASSIGNED', ageRestricted: true });
    const token = await mint(d.id);
    const pin: string = (await t.call('GET', `/api/delivery/track/${token}`)).body.pin;
    const { page } = await open(token);
    await stateIs(page, 'Being prepared');
    expect(await page.locator('.pin-code').textContent()).toBe(`${pin.slice(0, 3)} ${pin.slice(3)}`);
    expect(await page.locator('.eta').textContent()).toMatch(
      /^Delivery window (tomorrow )?\d\d:\d\d–(tomorrow )?\d\d:\d\d( \S+)?$/,
    );
    expect(await page.locator('[data-mark="driver"]').count()).toBe(0);
    expect(await fitsThePhone(page)).toBe(true);
    await noSeriousAxe(page);
    await shot(page, 'tracking-pin');
    // the phone loses its connection: the page keeps what it knew, PIN included, and says so
    await page.route('**/api/delivery/track/**', (route) => route.abort('internetdisconnected'));
    await page.locator('#refresh').click();
    await page.locator('.offline').waitFor({ timeout: UI_WAIT_MS });
    expect(await page.locator('.offline').textContent()).toMatch(
      /^We cannot reach the tracking service: this is what we knew at \d\d:\d\d\.$/,
    );
    expect(await page.locator('#state').textContent()).toBe('Being prepared');
    expect(await page.locator('.pin-code').textContent()).toBe(`${pin.slice(0, 3)} ${pin.slice(3)}`);
    await noSeriousAxe(page);
    await page.close();
  });

  it('says plainly when a link does not work, and when a failed delivery goes back to the store', async () => {
    const { page } = await open(`trk_${'A'.repeat(22)}`);
    await stateIs(page, 'Link not working');
    expect(await page.locator('.lead').textContent()).toBe(
      'This tracking link does not work any more: a newer one may have been sent to you. Ask the store for a new link.',
    );
    await noSeriousAxe(page);
    await shot(page, 'tracking-bad-link');
    await page.close();

    const c = await addCarrier(t);
    const d = await addDelivery(t, { storeId: w.a.id, carrierId: c.id, status: 'OUT_FOR_DELIVERY' });
    const token = await mint(d.id);
    const driver = await DriverLink.connect(t.url, c.token);
    try {
      await driver.ask({ type: 'failed', deliveryId: d.id, reason: 'nobody home' });
    } finally {
      await driver.close();
    }
    const missed = await open(token);
    await stateIs(missed.page, 'We missed you');
    expect(await missed.page.locator('.lead').textContent()).toBe(
      'Nobody home. Your order is going back to Riverside.',
    );
    await noSeriousAxe(missed.page);
    await shot(missed.page, 'tracking-missed');
    await missed.page.close();
  });
});
