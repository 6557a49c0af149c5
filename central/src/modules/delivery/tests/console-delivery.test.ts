import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  consoleFixture,
  expectNoSeriousViolations,
  launchChromium,
  MANAGER_A,
  shot,
  skipWithoutChromium,
  UI_WAIT_MS,
  type ConsoleFixture,
} from '../../../../tests/support/console-fixture.js';
import { pageTargets } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import type { DeliveryDesk } from '../../../kernel/ports/delivery.js';
import { DriverLink } from '../tracking/driver-simulator.js';
import { deliveryHub, ScriptedCarriers } from './core-harness.js';

/**
 * The delivery console pages (issue #18) as head office and a store's manager use them: the live board (a map to
 * scale, routes and drivers, deliveries by status with window, ETA and carrier on the store's clock), one delivery
 * (every offer in rank order with each score term and the answer, the timeline, a tracking link shown once) and the
 * carriers (reliability, off duty and grounded behind a question, a new carrier's token shown once). The viewer sits
 * in Auckland and the stores in New York: every time shown must be New York's. Axe-clean in every state.
 */

const ZONE = 'America/New_York';
const hhmm = (ms: number) =>
  new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
const nyDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(ms);
/** A time on New York's clock as the pages write it: "14:20" today there, "tomorrow 00:03" on the next day. */
const nyClock = (ms: number) =>
  nyDay(ms) === nyDay(Date.now())
    ? hhmm(ms)
    : nyDay(ms) === nyDay(Date.now() + 86_400_000)
      ? `tomorrow ${hhmm(ms)}`
      : `?? ${hhmm(ms)}`;
/** A window on New York's clock: "14:20–16:20", "22:03–tomorrow 00:03". */
const nyWindow = (w: { from: number; to: number }) =>
  `${nyClock(w.from)}–${nyDay(w.from) === nyDay(w.to) ? hhmm(w.to) : nyClock(w.to)}`;
const north = (km: number) => ({ lat: 40.7 + km / 111.195, lon: -74 });

interface Made {
  readonly id: string;
  readonly orderNumber: string;
}

describe.each(pageTargets)('the delivery console on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let manager: string;
  let desk: DeliveryDesk;
  let fx: ConsoleFixture;
  let browser: Browser | undefined;
  const carriers = new ScriptedCarriers();
  const tokens = new Map<string, string>();
  const links: DriverLink[] = [];
  let declined: Made;
  let pending: Made;
  let onTheWay: Made;
  let atHillside: Made;
  let done: Made;
  let orderNo = 20_000 + Math.floor(Math.random() * 50_000);

  const call = (method: string, path: string, body?: unknown, cookie = admin) =>
    t.call(method, path, body, { cookie, idempotencyKey: randomUUID() });
  const addCarrier = async (body: Record<string, unknown>) => {
    const r = await call('POST', '/api/delivery/carriers', {
      radiusKm: 20,
      capacityGrams: 200_000,
      costBaseMinor: 350,
      costPerKmMinor: 60,
      capacityStops: 20,
      ...body,
    });
    if (r.status !== 201) throw new Error(`carrier ${String(body.code)}: ${r.status} ${JSON.stringify(r.body)}`);
    tokens.set(r.body.code, r.body.driverToken);
    return r.body;
  };
  const request = async (storeId: string, customerName: string, km: number): Promise<Made> => {
    const orderNumber = `SF-${++orderNo}`;
    const { deliveryId } = await desk.request({
      orderId: randomUUID(),
      orderNumber,
      storeId,
      reservationId: randomUUID(),
      customerName,
      request: {
        speed: 'TWO_HOUR',
        address: { line1: `${km * 10} Orchard Lane`, city: 'Riverton', postcode: 'RV1 2AB', ...north(km) },
      },
      lines: [{ sku: 'OAT-1L', qty: 2 }],
    });
    await waitFor(`an offer for ${orderNumber}`, () => carriers.for(deliveryId).length > 0);
    return { id: deliveryId, orderNumber };
  };
  const detail = async (id: string) => (await call('GET', `/api/delivery/deliveries/${id}`)).body;

  beforeAll(async () => {
    ({ t, desk, admin } = await deliveryHub(target, { carriers }));
    fx = await consoleFixture(t, admin);
    for (const s of [fx.a.id, fx.b.id]) await call('PATCH', `/api/locations/${s}`, { timezone: ZONE });
    manager = await t.login(MANAGER_A.email, MANAGER_A.password);
    await addCarrier({ code: 'VAN-RIV-1', name: 'Riverside van 1', kind: 'VAN', depotId: fx.a.id });
    await addCarrier({ code: 'GIG-0042', name: 'Gig driver Dee', kind: 'GIG', lat: 40.7, lon: -74, capacityStops: 3 });
    await addCarrier({ code: 'VAN-HIL-1', name: 'Hillside van 1', kind: 'VAN', depotId: fx.b.id });
    await addCarrier({
      code: 'DRONE-RIV-1',
      name: 'Riverside drone 1',
      kind: 'DRONE',
      depotId: fx.a.id,
      radiusKm: 6,
      capacityGrams: 2500,
      capacityStops: 1,
      grounded: true,
    });
    // Riverside: one declined by its best carrier and taken by the next, one still waiting for an answer, one on its
    // way with its driver heard from; Hillside: one assigned (never shown to Riverside's manager)
    declined = await request(fx.a.id, 'Dora Declined', 2);
    carriers.answer(declined.id, 'DECLINE', 'the van is full');
    await waitFor('the second offer', () => carriers.for(declined.id).length === 2);
    carriers.answer(declined.id, 'ACCEPT');
    pending = await request(fx.a.id, 'Pat Pending', 3);
    onTheWay = await request(fx.a.id, 'Otto Onway', 4);
    carriers.answer(onTheWay.id, 'ACCEPT');
    atHillside = await request(fx.b.id, 'Hilda Hillside', 2);
    carriers.answer(atHillside.id, 'ACCEPT');
    await waitFor('the deliveries assigned', async () => {
      const states = await Promise.all(
        [declined, onTheWay, atHillside].map(async (d) => (await detail(d.id)).delivery.status),
      );
      return states.every((s) => s === 'ASSIGNED');
    });
    const driverOf = (await detail(onTheWay.id)).carrier.code as string;
    const link = await DriverLink.connect(t.url, tokens.get(driverOf)!);
    links.push(link);
    const ok = await link.ask({ type: 'position', ...north(1), at: Date.now(), deliveryId: onTheWay.id });
    expect(ok).toMatchObject({ type: 'ok' });
    // the offer nobody answers times out (the hub's clock moved past it) and goes to the next carrier
    t.clock.offsetMs += 61_000;
    await waitFor('the waiting offer timed out and moved on', async () => {
      const statuses = (await detail(pending.id)).offers.map((o: { status: string }) => o.status);
      return statuses[0] === 'TIMED_OUT' && statuses[1] === 'PENDING';
    });
    // one delivered with a signature
    done = await request(fx.a.id, 'Dot Done', 1.5);
    carriers.answer(done.id, 'ACCEPT');
    await waitFor(
      'the signed-for delivery assigned',
      async () => (await detail(done.id)).delivery.status === 'ASSIGNED',
    );
    const doneBy = (await detail(done.id)).carrier.code as string;
    const signer = doneBy === driverOf ? link : await DriverLink.connect(t.url, tokens.get(doneBy)!);
    if (signer !== link) links.push(signer);
    expect(await signer.ask({ type: 'collected', deliveryId: done.id })).toMatchObject({ type: 'ok' });
    expect(
      await signer.ask({ type: 'delivered', deliveryId: done.id, proof: { kind: 'SIGNATURE', ref: 'sig-0042' } }),
    ).toMatchObject({ type: 'ok' });
    browser = skipWithoutChromium ? undefined : await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await Promise.all(links.map((l) => l.close()));
    await browser?.close();
    await t?.stop();
  });

  /** A console page in Auckland (the stores are in New York), signed in with `cookie`. */
  const onPage = async (cookie: string, use: (page: Page) => Promise<void>) => {
    const context = await browser!.newContext({
      locale: 'en-US',
      timezoneId: 'Pacific/Auckland',
      viewport: { width: 1400, height: 900 },
    });
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: t.url }]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await use(page);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  };
  /** Every control the delivery pages add is at least 44 px high (buttons, fields, links in lists). */
  const smallTargets = (page: Page) =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<any> } }).document;
      return Array.from(
        doc.querySelectorAll('.delivery-page button, .delivery-page select, .delivery-page input, .delivery-page a'),
      )
        .filter((e: any) => e.offsetParent !== null)
        .map((e: any) => ({
          what: `${e.tagName} ${e.textContent || e.id}`.trim(),
          h: e.getBoundingClientRect().height,
        }))
        .filter((x) => x.h < 44);
    });

  it('answers the console’s menu: Deliveries for head office and managers, Carriers for head office only', async () => {
    const pathsOf = async (cookie: string) =>
      (await t.call('GET', '/api/console/pages', undefined, { cookie })).body.items.map(
        (p: { path: string }) => p.path,
      );
    expect(await pathsOf(admin)).toEqual(expect.arrayContaining(['delivery', 'delivery-carriers']));
    const mine = await pathsOf(manager);
    expect(mine).toContain('delivery');
    expect(mine).not.toContain('delivery-carriers');
  });

  it.skipIf(skipWithoutChromium)(
    'shows head office the live board: every store’s deliveries by status on New York’s clock, drivers on a map to scale',
    async () => {
      await onPage(admin, async (page) => {
        await page.goto(`${t.url}/console/#/delivery`);
        const waiting = page.getByRole('table', { name: /^Finding a carrier/ });
        await waiting.getByRole('row').filter({ hasText: pending.orderNumber }).waitFor({ timeout: UI_WAIT_MS });
        const assigned = page.getByRole('table', { name: 'Assigned, waiting at the store (3)' });
        for (const d of [declined, onTheWay, atHillside])
          await assigned.getByRole('row').filter({ hasText: d.orderNumber }).waitFor({ timeout: UI_WAIT_MS });
        // the row: number, window and ETA on the store's clock, the carrier by code and kind, the store, the area
        const d = (await detail(onTheWay.id)).delivery;
        const c = (await detail(onTheWay.id)).carrier;
        const row = assigned.getByRole('row').filter({ hasText: onTheWay.orderNumber });
        const cells = (await row.getByRole('cell').allInnerTexts()).map((x) => x.trim());
        expect(cells[0]).toBe(onTheWay.orderNumber);
        expect(cells[1]).toBe(nyWindow(d.window));
        // the ETA moves with the clock (now + the drive left): the board drew it a moment before this read, so it is
        // the detail's ETA give or take two minutes (a loaded machine passes a minute boundary between the two)
        expect(
          d.eta ? [-2, -1, 0, 1, 2].map((m) => nyClock(d.eta + m * 60_000)) : ['—'],
          `the ETA cell ${cells[2]} against the detail's ${d.eta}`,
        ).toContain(cells[2]);
        expect(cells[3]).toBe(`${c.code} (${c.kind === 'VAN' ? 'in-house van' : 'gig driver'})`);
        expect(cells[4]).toBe('RIV — Riverside');
        expect(cells[5]).toBe('RV1 2AB Riverton');
        await page.getByText(`Times are on the store’s clock`).first().waitFor({ timeout: UI_WAIT_MS });
        // the map: both stores, four doors and the driver heard from, with a scale bar; described for screen readers
        const heard = (await call('GET', '/api/delivery/positions')).body.items.length;
        expect(heard).toBeGreaterThanOrEqual(1);
        const map = page.getByRole('img', {
          name: new RegExp(`^Map of 4 doors and ${heard} driver${heard === 1 ? '' : 's'} heard from`),
        });
        await map.waitFor({ timeout: UI_WAIT_MS });
        expect(await map.locator('rect.store').count()).toBe(2);
        expect(await map.locator('circle.door').count()).toBe(4);
        expect(await map.locator('path.driver').count()).toBe(heard);
        expect(await map.locator('text.label').allTextContents()).toEqual(
          expect.arrayContaining(['RIV', 'HIL', c.code]),
        );
        // the driver in the list with what it carries, next first
        const drivers = page.getByRole('table', { name: 'Routes and drivers' });
        const driver = drivers.getByRole('row').filter({ hasText: c.code });
        expect(await driver.textContent()).toContain(onTheWay.orderNumber);
        expect(await driver.textContent()).toMatch(/\d+ (s|min) ago/); // heard recently (a slow run passes a minute)
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-delivery-board');

        // live: a new delivery appears without a reload
        const late = await request(fx.a.id, 'Lena Live', 5);
        await waiting.getByRole('row').filter({ hasText: late.orderNumber }).waitFor({ timeout: UI_WAIT_MS });

        // filtered to Hillside by keyboard: Riverside's deliveries leave the board
        await page.getByLabel('Store').selectOption({ label: 'HIL — Hillside' });
        await page.getByRole('button', { name: 'Show deliveries' }).focus();
        await page.keyboard.press('Enter');
        await page
          .getByRole('table', { name: 'Assigned, waiting at the store (1)' })
          .getByRole('row')
          .filter({ hasText: atHillside.orderNumber })
          .waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByText(pending.orderNumber).count()).toBe(0);
        // and a row opens its delivery with Enter
        await page
          .getByRole('table', { name: 'Assigned, waiting at the store (1)' })
          .getByRole('row')
          .filter({ hasText: atHillside.orderNumber })
          .focus();
        await page.keyboard.press('Enter');
        await page
          .getByRole('heading', { level: 2, name: new RegExp(`^Delivery ${atHillside.orderNumber}`) })
          .waitFor({ timeout: UI_WAIT_MS });
      });
    },
    240_000,
  );

  it.skipIf(skipWithoutChromium)(
    'shows one delivery: offers in rank order with each score term and answer, its timeline, and a tracking link once',
    async () => {
      const api = await detail(declined.id);
      expect(api.offers.map((o: { status: string }) => o.status)).toEqual(['DECLINED', 'ACCEPTED']);
      await onPage(admin, async (page) => {
        await page.goto(`${t.url}/console/#/delivery?id=${declined.id}`);
        await page
          .getByRole('heading', { level: 2, name: `Delivery ${declined.orderNumber} assigned, waiting at the store` })
          .waitFor({ timeout: UI_WAIT_MS });
        const offers = page.getByRole('table', { name: 'Offers, best score first' });
        const rows = offers.getByRole('row');
        await expect.poll(() => rows.count(), { timeout: UI_WAIT_MS }).toBe(3);
        for (const [i, o] of api.offers.entries()) {
          const cells = rows.nth(i + 1).getByRole('cell');
          expect((await cells.nth(0).textContent())?.trim()).toBe(String(o.rank));
          expect(await cells.nth(1).textContent()).toContain(o.carrier.code);
          // every term as the dispatcher reads it: its sentence, then its points signed
          const terms = await cells.nth(2).getByRole('listitem').allInnerTexts();
          const signed = (p: number) => `${p < 0 ? '−' : '+'}${Math.abs(p).toFixed(1)}`;
          expect(terms).toEqual(
            o.score.terms.map((x: { why: string; points: number }) => {
              const said = x.why.endsWith(`: ${signed(x.points)}`)
                ? x.why.slice(0, -`: ${signed(x.points)}`.length)
                : x.why;
              return `${said}: ${signed(x.points)}`;
            }),
          );
          expect(terms).toHaveLength(4);
          expect(await cells.nth(2).textContent()).toContain(`${o.score.total.toFixed(1)} points`);
        }
        const [first, second] = api.offers;
        expect(await rows.nth(1).getByRole('cell').nth(3).textContent()).toBe(
          `declined at ${nyClock(first.answeredAt)}: the van is full`,
        );
        expect(await rows.nth(2).getByRole('cell').nth(3).textContent()).toBe(
          `accepted at ${nyClock(second.answeredAt)}`,
        );
        // the timeline, every event, on the store's clock
        const timeline = page.getByRole('list', { name: 'Delivery timeline' });
        const lines = await timeline.getByRole('listitem').allInnerTexts();
        expect(lines).toHaveLength(api.timeline.length);
        expect(lines[0]).toMatch(new RegExp(`^${nyClock(api.timeline[0].at)} — requested`));
        expect(lines.some((l) => l.includes(`offered to ${first.carrier.code}`))).toBe(true);
        expect(lines.some((l) => l.includes(`${second.carrier.code} accepted`))).toBe(true);
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-delivery-detail');

        // a tracking link: asked first (Escape keeps things as they are), then made and shown once
        await page.getByRole('button', { name: 'Make a tracking link…' }).focus();
        await page.keyboard.press('Enter');
        const dialog = page.getByRole('dialog', { name: `Make a tracking link for ${declined.orderNumber}?` });
        await dialog.waitFor({ timeout: UI_WAIT_MS });
        expect(await dialog.textContent()).toContain('A link sent before stops working.');
        await expectNoSeriousViolations(page);
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        expect((await detail(declined.id)).timeline.map((e: { kind: string }) => e.kind)).not.toContain(
          'tracking-link',
        );
        await page.getByRole('button', { name: 'Make a tracking link…' }).click();
        await dialog.getByRole('button', { name: 'Make the link' }).click();
        const url = await page.locator('#tracking-url').textContent({ timeout: UI_WAIT_MS });
        expect(url).toMatch(new RegExp(`^${t.url}/console/modules/delivery/track.html#t=`));
        expect(await page.getByText('Send it to the customer now: the hub keeps no copy').count()).toBe(1);
        const token = url!.split('#t=')[1]!;
        const tracked = await t.call('GET', `/api/delivery/track/${token}`);
        expect(tracked.body).toMatchObject({ orderNumber: declined.orderNumber, status: 'ASSIGNED' });
        await page
          .getByRole('list', { name: 'Delivery timeline' })
          .getByText('head office made a tracking link for the customer')
          .waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        await shot(page, 'console-delivery-tracking-link');
      });
    },
    240_000,
  );

  it.skipIf(skipWithoutChromium)(
    'says when an offer went unanswered and which one is waiting, and shows the proof taken at the door',
    async () => {
      const waiting = await detail(pending.id);
      const [gone, open] = waiting.offers;
      await onPage(admin, async (page) => {
        await page.goto(`${t.url}/console/#/delivery?id=${pending.id}`);
        const rows = page.getByRole('table', { name: 'Offers, best score first' }).getByRole('row');
        await expect.poll(() => rows.count(), { timeout: UI_WAIT_MS }).toBe(3);
        expect(await rows.nth(1).getByRole('cell').nth(3).textContent()).toBe(
          `no answer by ${nyClock(gone.answeredAt ?? gone.expiresAt)}`,
        );
        expect(await rows.nth(2).getByRole('cell').nth(3).textContent()).toBe(
          `waiting for an answer until ${nyClock(open.expiresAt)}`,
        );
        await expectNoSeriousViolations(page);

        // delivered: the board's Delivered list has it, its page names the proof
        await page.goto(`${t.url}/console/#/delivery?status=DELIVERED`);
        await page
          .getByRole('table', { name: 'Delivered (1)' })
          .getByRole('row')
          .filter({ hasText: done.orderNumber })
          .click({ timeout: UI_WAIT_MS });
        await page
          .getByRole('heading', { level: 2, name: `Delivery ${done.orderNumber} delivered` })
          .waitFor({ timeout: UI_WAIT_MS });
        const proofAt = (await detail(done.id)).timeline.find((e: { kind: string }) => e.kind === 'delivered').at;
        await page.getByText(`signature sig-0042, ${nyClock(proofAt)}`).waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByRole('button', { name: 'Make a tracking link…' }).count()).toBe(0);
        await expectNoSeriousViolations(page);
        await shot(page, 'console-delivery-delivered');
      });
    },
    240_000,
  );

  it.skipIf(skipWithoutChromium)(
    'shows a store’s manager their store’s deliveries only, whatever address is typed in',
    async () => {
      await onPage(manager, async (page) => {
        await page.goto(`${t.url}/console/#/delivery?store=${fx.b.id}`);
        await page
          .getByRole('table', { name: /^Assigned, waiting at the store/ })
          .getByRole('row')
          .filter({ hasText: declined.orderNumber })
          .waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByText(atHillside.orderNumber).count()).toBe(0);
        expect(await page.locator('#dlv-store').count()).toBe(0);
        expect(await page.getByText('RIV — Riverside').count()).toBeGreaterThan(0);
        // the manager sees the area, not the customer's address: the map draws the store and the driver, no doors
        expect(await page.getByText('Orchard Lane').count()).toBe(0);
        await expectNoSeriousViolations(page);
        await shot(page, 'console-delivery-board-manager');
        // another store's delivery: as if there were none
        await page.goto(`${t.url}/console/#/delivery?id=${atHillside.id}`);
        await page.getByRole('alert').filter({ hasText: 'not found' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByText(atHillside.orderNumber).count()).toBe(0);
        await expectNoSeriousViolations(page);
        // their own: the customer as the desk names them ("Otto O."), and no tracking link: head office makes those
        // (a link shows the exact door and the PIN, which a store sees neither of)
        await page.goto(`${t.url}/console/#/delivery?id=${onTheWay.id}`);
        await page.getByText('Otto O.').waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByRole('button', { name: 'Make a tracking link…' }).count()).toBe(0);
      });
    },
    240_000,
  );

  it.skipIf(skipWithoutChromium)(
    'shows carriers with their last 30 days, grounds a drone and takes a van off duty after asking, adds a carrier with its token shown once',
    async () => {
      await onPage(admin, async (page) => {
        await page.goto(`${t.url}/console/#/delivery-carriers`);
        const list = page.getByRole('table', { name: 'Carriers, by code' });
        const drone = list.getByRole('row').filter({ hasText: 'DRONE-RIV-1' });
        await drone.waitFor({ timeout: UI_WAIT_MS });
        expect(await drone.locator('.badge').textContent()).toBe('grounded');
        expect(await drone.textContent()).toContain('2.5 kg, 1 stop');
        expect(await drone.textContent()).toContain('RIV — Riverside');
        // the carrier that declined then accepted elsewhere: its accept rate over what it was offered
        const api = await detail(declined.id);
        const decliner = api.offers[0].carrier.code as string;
        const rel = (await call('GET', `/api/delivery/carriers/${api.offers[0].carrier.id}`)).body.reliability;
        const row = list.getByRole('row').filter({ hasText: decliner });
        expect((await row.getByRole('cell').nth(4).textContent())?.replace(/\s+/g, ' ')?.trim()).toBe(
          `${Math.round(rel.acceptRate * 100)} % ${rel.accepted} of ${rel.offers} offers`,
        );
        await expectNoSeriousViolations(page);
        expect(await smallTargets(page)).toEqual([]);
        await shot(page, 'console-delivery-carriers');

        // clear the drone to fly: asked first, then done and said
        await drone.getByRole('button', { name: 'Clear to fly…' }).click();
        const ask = page.getByRole('dialog', { name: 'Clear DRONE-RIV-1 to fly?' });
        await ask.waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        await ask.getByRole('button', { name: 'Clear DRONE-RIV-1 to fly' }).click();
        await page
          .getByRole('status')
          .filter({ hasText: 'DRONE-RIV-1 is cleared to fly.' })
          .waitFor({ timeout: UI_WAIT_MS });
        await expect.poll(() => drone.locator('.badge').textContent(), { timeout: UI_WAIT_MS }).toBe('on duty');
        // take Hillside's van off duty: Escape keeps it on
        const van = list.getByRole('row').filter({ hasText: 'VAN-HIL-1' });
        await van.getByRole('button', { name: 'Take off duty…' }).focus();
        await page.keyboard.press('Enter');
        const off = page.getByRole('dialog', { name: 'Take VAN-HIL-1 off duty?' });
        await off.waitFor({ timeout: UI_WAIT_MS });
        expect(await page.locator(':focus').textContent()).toBe('Keep it');
        await page.keyboard.press('Escape');
        await off.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        const hil = (await call('GET', '/api/delivery/carriers?kind=VAN')).body.items.find(
          (c: { code: string }) => c.code === 'VAN-HIL-1',
        );
        expect(hil.active).toBe(true);
        await van.getByRole('button', { name: 'Take off duty…' }).click();
        await off.getByRole('button', { name: 'Take VAN-HIL-1 off duty' }).click();
        await expect.poll(() => van.locator('.badge').textContent(), { timeout: UI_WAIT_MS }).toBe('off duty');
        expect((await call('GET', `/api/delivery/carriers/${hil.id}`)).body.active).toBe(false);

        // add a gig driver serving an area: the token is shown once, with a copy button and the warning
        const add = page.getByRole('form', { name: 'Add a carrier' });
        await add.getByLabel('Code').fill('gig-0077');
        await add.getByLabel('Name', { exact: true }).fill('Gig driver Gus');
        await add.getByLabel('Kind', { exact: true }).selectOption({ label: 'gig driver' });
        await add.getByLabel('Depot').selectOption({ label: 'none: serves an area' });
        await add.getByLabel('Area centre, latitude').fill('40.71');
        await add.getByLabel('Area centre, longitude').fill('-74.01');
        await add.getByLabel('Shift from').fill('08:00');
        await add.getByLabel('Shift to').fill('16:00');
        await add.getByRole('button', { name: 'Add the carrier' }).click();
        const secret = page.locator('.secret');
        await secret.getByRole('heading', { name: 'Driver app token for GIG-0077' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await secret.textContent()).toContain('It is shown this once and cannot be shown again');
        const token = (await page.locator('#driver-token').textContent())!;
        expect(token).toMatch(/^drv_/);
        expect(await secret.getByRole('button', { name: 'Copy the token' }).count()).toBe(1);
        await list.getByRole('row').filter({ hasText: 'GIG-0077' }).waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        await shot(page, 'console-delivery-carrier-token');
        // the token is a driver app's key: the drivers' socket lets it in; the list never shows it again
        const gus = await DriverLink.connect(t.url, token);
        links.push(gus);
        expect(gus.welcome).toMatchObject({ carrier: { code: 'GIG-0077' } });
        const added = (await call('GET', '/api/delivery/carriers?kind=GIG')).body.items.find(
          (c: { code: string }) => c.code === 'GIG-0077',
        );
        // 08:00–16:00 on the clock of the nearest store (New York), kept as minutes of the UTC day
        const nyOffsetMin = Math.round(
          (Date.parse(`${new Date().toLocaleString('sv-SE', { timeZone: ZONE }).replace(' ', 'T')}Z`) - Date.now()) /
            60_000,
        );
        const utcMin = (h: number) => (((h * 60 - nyOffsetMin) % 1440) + 1440) % 1440;
        expect(added).toMatchObject({ shiftStartMin: utcMin(8), shiftEndMin: utcMin(16), lat: 40.71, lon: -74.01 });
        expect(JSON.stringify(added)).not.toContain(token);
        await page.reload();
        await list.getByRole('row').filter({ hasText: 'GIG-0077' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await page.getByText(token).count()).toBe(0);
        expect(await list.getByRole('row').filter({ hasText: 'GIG-0077' }).textContent()).toContain('08:00–16:00');
        // one kind only, by keyboard
        await page.getByLabel('Kind', { exact: true }).first().selectOption({ label: 'drone' });
        await page.getByRole('button', { name: 'Show carriers' }).focus();
        await page.keyboard.press('Enter');
        const drones = page.getByRole('table', { name: 'Drones, by code' });
        await drones.getByRole('row').filter({ hasText: 'DRONE-RIV-1' }).waitFor({ timeout: UI_WAIT_MS });
        expect(await drones.getByRole('row').count()).toBe(2);
      });
    },
    240_000,
  );

  it.skipIf(skipWithoutChromium)(
    'says so when there is nothing to show and when the hub refuses, accessibly',
    async () => {
      const empty = await t.store(`EMP-${randomUUID().slice(0, 4)}`, admin);
      await onPage(admin, async (page) => {
        await page.goto(`${t.url}/console/#/delivery?store=${empty.id}`);
        await page.getByText('No deliveries are on their way.').waitFor({ timeout: UI_WAIT_MS });
        await page.getByRole('img', { name: /^Map of 0 doors and 0 drivers/ }).waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        await shot(page, 'console-delivery-board-empty');

        await page.goto(`${t.url}/console/#/delivery?id=${randomUUID()}`);
        await page.getByRole('alert').filter({ hasText: 'not found' }).waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);

        // the hub failing: the board and the carriers page say what went wrong, and stay usable
        await page.route('**/api/delivery/**', (r) =>
          r.fulfill({
            status: 503,
            contentType: 'application/problem+json',
            body: JSON.stringify({ title: 'Service Unavailable', detail: 'the hub is restarting' }),
          }),
        );
        await page.goto(`${t.url}/console/#/delivery`);
        await page.getByRole('alert').filter({ hasText: 'the hub is restarting' }).waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
        await shot(page, 'console-delivery-board-error');
        await page.goto(`${t.url}/console/#/delivery-carriers`);
        await page.getByRole('alert').filter({ hasText: 'the hub is restarting' }).waitFor({ timeout: UI_WAIT_MS });
        await expectNoSeriousViolations(page);
      });
    },
    240_000,
  );
});
