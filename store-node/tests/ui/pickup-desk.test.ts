import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import {
  PICKUP_CODE_PREFIX,
  pickupPayload,
  TYPED_CODE_MAX_TRIES,
  typedCodeHash,
  type FeedEntry,
} from '@storefleet/shared';
import { createStoreNode } from '../../src/index.js';
import { CODE_MISSES_PER_WINDOW } from '../../src/bopis/bopis-service.js';
import { DESKTOP, HANDHELD, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';

const WAIT = { timeout: 30_000 };
/** 14:05 in Berlin on 28 Nov 2026 (13:05 UTC): the desk shows the store's local time. */
const ORDERED_AT = Date.UTC(2026, 10, 28, 13, 5);

/** A store node with no hub: holds arrive as the hub's feed entries would, with the hub's keys saved beforehand. */
async function deskNode(prefix: string) {
  const node = createStoreNode({
    dbPath: join(mkdtempSync(join(tmpdir(), prefix)), 'store.sqlite'),
    port: 0,
    logLevel: 'silent',
    mode: 'test',
    name: 'Harbour Street',
  });
  const put = node.db.prepare(
    `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
     VALUES (?, NULL, ?, NULL, NULL, ?, ?, 'USD', 'ZERO', 1)`,
  );
  put.run('TEA-GREEN', 'Green tea, 20 bags', 'Drinks', 399);
  put.run('MUG-RED', 'Red enamel mug', 'Kitchen', 1250);
  put.run('SOAP-OLIVE', 'Olive oil soap', 'Bath', 450);
  node.pos.till.profile.remember({ timezone: 'Europe/Berlin' }); // what the hub's store registry says of this store
  await node.start();
  const typedKey = randomBytes(32).toString('base64url');
  node.bopis.saveTypedCodeKey(typedKey);
  const { privateKey } = generateKeyPairSync('ed25519');
  node.bopis.savePublicKey(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64url'));
  let updated = Date.now();
  /** A hold as the hub's `reservation.changed` entry brings it; `code` is its typed code (only the hash travels). */
  const hold = (h: {
    customerRef: string;
    orderNumber?: string;
    code?: string;
    lines: { sku: string; qty: number }[];
    createdAt?: number;
  }) => {
    const id = randomUUID();
    const payload = {
      id,
      customerRef: h.customerRef,
      status: 'CONFIRMED',
      lines: h.lines,
      expiresAt: Date.now() + 72 * 3_600_000,
      createdAt: h.createdAt ?? ORDERED_AT,
      updatedAt: ++updated,
      ...(h.orderNumber ? { orderNumber: h.orderNumber } : {}),
      ...(h.code ? { pickupCodeHash: typedCodeHash(typedKey, h.code) } : {}),
    };
    node.bopis.applyFeed({ seq: 0, type: 'reservation.changed', createdAt: Date.now(), payload } as FeedEntry);
    return id;
  };
  const qrFor = (id: string, lines: { sku: string; qty: number }[]) => {
    const payload = pickupPayload({
      reservationId: id,
      storeId: node.bopis.storeId,
      lines,
      expiresAt: Date.now() + 3_600_000,
    });
    return `${PICKUP_CODE_PREFIX}.${payload}.${sign(null, Buffer.from(payload), privateKey).toString('base64url')}`;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as any };
  };
  return { node, hold, qrFor, call };
}

describe('typed pickup codes and order numbers at the store (no hub needed)', () => {
  let desk: Awaited<ReturnType<typeof deskNode>>;
  beforeAll(async () => {
    desk = await deskNode('sf-desk-api-');
  });
  afterAll(() => desk?.node.stop());

  it('finds a hold by order number and by its typed code in any spelling; a typed-code match verifies it', async () => {
    const lines = [{ sku: 'TEA-GREEN', qty: 2 }];
    const id = desk.hold({ customerRef: 'Dana Smith', orderNumber: 'SF-10482', code: 'K70M4Q', lines });
    for (const q of ['SF-10482', 'sf10482', 'SF 10482']) {
      const found = (await desk.call('GET', `/api/bopis/pickups?q=${encodeURIComponent(q)}`)).body;
      expect(found.by, q).toBe('order-number');
      expect(found.items.map((r: { id: string }) => r.id)).toEqual([id]);
    }
    // typed as read out: any case, with or without the dash, O for 0
    for (const q of ['K70-M4Q', 'k70m4q', 'K7O-M4Q', ' k7o m4q ']) {
      const found = (await desk.call('GET', `/api/bopis/pickups?q=${encodeURIComponent(q)}`)).body;
      expect(found.by, q).toBe('pickup-code');
      expect(found.items).toHaveLength(1);
      expect(found.items[0]).toMatchObject({
        id,
        orderNumber: 'SF-10482',
        createdAt: ORDERED_AT,
        lines: [{ sku: 'TEA-GREEN', qty: 2, name: 'Green tea, 20 bags', category: 'Drinks' }],
      });
    }
    // the store keeps only the keyed hash
    const row = desk.node.db.prepare('SELECT * FROM bopis_reservations WHERE id = ?').get(id);
    expect(JSON.stringify(row)).not.toMatch(/K70M4Q|K70-M4Q/);
  });

  it('locks a hold’s typed code after 5 wrong codes, counting each; the QR still verifies it', async () => {
    const lines = [{ sku: 'MUG-RED', qty: 1 }];
    const id = desk.hold({ customerRef: 'Lee Park', orderNumber: 'SF-10500', code: 'ACD3EF', lines });
    const other = desk.hold({ customerRef: 'Other Person', code: 'ACD3EG', lines }); // its code is no good here
    const wrong = await desk.call('POST', `/api/bopis/pickups/${id}/verify-code`, { code: 'ACD-3EG' });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ matched: false, triesLeft: TYPED_CODE_MAX_TRIES - 1 });
    for (let i = 2; i <= TYPED_CODE_MAX_TRIES; i++)
      expect((await desk.call('POST', `/api/bopis/pickups/${id}/verify-code`, { code: 'XXX-XXX' })).body).toMatchObject(
        { matched: false, triesLeft: TYPED_CODE_MAX_TRIES - i },
      );
    // locked: even the right code is refused now, and nothing more is counted
    const locked = await desk.call('POST', `/api/bopis/pickups/${id}/verify-code`, { code: 'ACD-3EF' });
    expect(locked.status).toBe(409);
    expect(locked.type).toMatch(/application\/problem\+json/);
    expect(locked.body.detail).toMatch(/locked after 5 wrong codes: scan the customer’s QR/);
    expect(desk.node.bopis.repo.get(id)).toMatchObject({ typedTriesLeft: 0, status: 'CONFIRMED' });
    // the QR still works, and so does the hand-over
    expect((await desk.call('POST', '/api/bopis/pickups/verify', { code: desk.qrFor(id, lines) })).body).toMatchObject({
      id,
      status: 'CONFIRMED',
    });
    expect((await desk.call('POST', `/api/bopis/pickups/${id}/hand-over`)).body.status).toBe('FULFILLED');
    // another hold's tries are its own
    expect((await desk.call('POST', `/api/bopis/pickups/${other}/verify-code`, { code: 'acd3eg' })).body).toMatchObject(
      { matched: true, triesLeft: TYPED_CODE_MAX_TRIES },
    );
    // not a code at all: 400, nothing counted
    const bad = await desk.call('POST', `/api/bopis/pickups/${other}/verify-code`, { code: 'hello!' });
    expect(bad.status).toBe(400);
    expect(desk.node.bopis.repo.get(other)!.typedTriesLeft).toBe(TYPED_CODE_MAX_TRIES);
  });

  it('refuses typed-code look-ups in the search box after 20 codes matched nothing, names still found', async () => {
    const id = desk.hold({ customerRef: 'Rita Quinn', code: 'QQQ777', lines: [{ sku: 'SOAP-OLIVE', qty: 1 }] });
    for (let i = 0; i < CODE_MISSES_PER_WINDOW; i++)
      expect((await desk.call('GET', `/api/bopis/pickups?q=${String(i).padStart(3, '0')}-AAA`)).body.items).toEqual([]);
    const refused = await desk.call('GET', '/api/bopis/pickups?q=QQQ-777');
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toMatch(/scan the customer’s QR, or search by order number or name/);
    expect((await desk.call('GET', '/api/bopis/pickups?q=Rita')).body.items.map((r: { id: string }) => r.id)).toEqual([
      id,
    ]);
  });
});

describe.skipIf(!haveChromium && !process.env.CI)('the pickup desk in Chromium', () => {
  let desk: Awaited<ReturnType<typeof deskNode>>;
  let browser: Browser;
  beforeAll(async () => {
    desk = await deskNode('sf-desk-ui-');
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
    for (const el of await page.locator('main button:visible, main input:visible, dialog[open] button').all()) {
      const box = await el.boundingBox();
      if (box && (box.width < 44 || box.height < 44))
        small.push(`${await el.evaluate((e) => e.outerHTML.slice(0, 80))}: ${box.width}x${box.height}`);
    }
    expect(small).toEqual([]);
  };
  const focusedId = (page: Page) => page.evaluate<string>("document.activeElement?.id ?? ''");

  it('keyboard only: search an order number, open it, type the code read out, hand over; the card then says it is done', async () => {
    const lines = [
      { sku: 'TEA-GREEN', qty: 2 },
      { sku: 'MUG-RED', qty: 1 },
    ];
    const id = desk.hold({ customerRef: 'Dana Smith', orderNumber: 'SF-20001', code: 'K7M4QH', lines });
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${desk.node.url}/pickup.html`);
    const due = page.getByRole('list', { name: 'Due pickups' });
    const dana = due.getByRole('listitem').filter({ hasText: 'SF-20001' });
    // order number, first name, product names with their category tiles, date and time in the store's zone, expiry
    await expect.poll(() => dana.textContent(), WAIT).toMatch(/SF-20001 · Dana/);
    const text = (await dana.textContent())!;
    expect(text).toContain('2 × Green tea, 20 bags');
    expect(text).toContain('1 × Red enamel mug');
    expect(text).toMatch(/Ordered .*28.*(14:05|02:05\sPM)/);
    expect(text).toMatch(/hold until/);
    expect(await dana.locator('.ph').allTextContents()).toEqual(['D', 'K']);
    await noAxe(page, 'list filled');
    await bigTargets(page);
    await screenshot(page, 'pickup-desk-list-1920');

    // the search box has focus on arrival
    expect(await focusedId(page)).toBe('find');
    await page.keyboard.type('sf20001');
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedId(page), WAIT).toBe('typed-code');
    const detail = page.getByRole('article', { name: /SF-20001 — Dana Smith/ });
    await expect.poll(() => detail.textContent(), WAIT).toContain('Scan the customer’s QR, or type the code');
    expect(await page.getByRole('button', { name: 'Hand over' }).isDisabled()).toBe(true);
    // a wrong code first
    await page.keyboard.type('K7M-4QX');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toMatch(/does not match.*4 tries left/);
    await noAxe(page, 'wrong code');
    await screenshot(page, 'pickup-desk-wrong-code-1920');
    expect(await focusedId(page)).toBe('typed-code');
    await page.keyboard.type('k7m 4qh'); // as read out, lower case, a space
    await page.keyboard.press('Enter');
    await expect.poll(() => detail.textContent(), WAIT).toContain('Pickup code verified.');
    await expect.poll(() => focusedId(page), WAIT).toBe('hand-over');
    await noAxe(page, 'verified');
    await bigTargets(page);
    await screenshot(page, 'pickup-desk-verified-1920');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#find-msg').textContent(), WAIT).toBe('Handed over: SF-20001, 3 items.');
    expect(desk.node.bopis.repo.get(id)!.status).toBe('FULFILLED');
    // the detail and the list card both say it is done, with the time and the count
    await expect.poll(() => detail.textContent(), WAIT).toMatch(/Handed over \d{2}:\d{2}( [AP]M)? — 3 items/);
    await expect.poll(() => dana.textContent(), WAIT).toMatch(/Handed over \d{2}:\d{2}( [AP]M)? — 3 items/);
    await noAxe(page, 'handed over');
    await screenshot(page, 'pickup-desk-handed-over-1920');
    // on a handheld-sized screen: nothing wider than the screen, targets still 44 px
    await page.setViewportSize(HANDHELD);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(HANDHELD.width);
    await bigTargets(page);
    await noAxe(page, 'handed over, 390 px');
    await screenshot(page, 'pickup-desk-390');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the 5-second refresh keeps keyboard focus and what is being typed, even on a card that changed', async () => {
    const first = desk.hold({ customerRef: 'Amir Khan', orderNumber: 'SF-20010', lines: [{ sku: 'MUG-RED', qty: 1 }] });
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${desk.node.url}/pickup.html`);
    const due = page.getByRole('list', { name: 'Due pickups' });
    await due.getByRole('listitem').filter({ hasText: 'SF-20010' }).waitFor(WAIT);

    // typing in the search box while the list refreshes underneath
    await page.keyboard.type('Ami');
    desk.hold({ customerRef: 'Bea Lund', orderNumber: 'SF-20011', lines: [{ sku: 'TEA-GREEN', qty: 1 }] });
    await due.getByRole('listitem').filter({ hasText: 'SF-20011' }).waitFor(WAIT);
    expect(await focusedId(page)).toBe('find');
    expect(await page.locator('#find').inputValue()).toBe('Ami');

    // focus on a card's Open button: a refresh that adds a card, then one that changes that very card (a curbside
    // arrival) leave focus on its Open button, never on the page body
    await page.locator('#find').fill('');
    const openAmir = due.getByRole('listitem').filter({ hasText: 'SF-20010' }).getByRole('button', { name: 'Open' });
    await openAmir.focus();
    desk.hold({ customerRef: 'Cai Wen', orderNumber: 'SF-20012', lines: [{ sku: 'SOAP-OLIVE', qty: 3 }] });
    await due.getByRole('listitem').filter({ hasText: 'SF-20012' }).waitFor(WAIT);
    const focusedKey = () => page.evaluate<string | undefined>('document.activeElement?.dataset.focusKey');
    expect(await focusedKey()).toBe(`due:${first}:open`);
    desk.node.bopis.repo.checkIn(first, randomUUID(), '7', Date.now());
    await expect
      .poll(() => due.getByRole('listitem').filter({ hasText: 'SF-20010' }).textContent(), WAIT)
      .toMatch(/Parked outside at spot 7/);
    expect(await focusedKey()).toBe(`due:${first}:open`);
    expect(await page.evaluate<boolean>('document.activeElement === document.body')).toBe(false);
    // Enter on it opens the hold (focus moves into the panel)
    await page.keyboard.press('Enter');
    await page.getByRole('article', { name: /SF-20010 — Amir Khan/ }).waitFor(WAIT);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a no-show for a customer not parked outside says whose hold is released (no stray "null"); a hold with no order number is named by its id’s tail; product tiles take the category’s colour', async () => {
    const id = desk.hold({ customerRef: 'Finn Berg', lines: [{ sku: 'MUG-RED', qty: 2 }] }); // no order number
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${desk.node.url}/pickup.html`);
    const label = `Hold …${id.slice(-6)}`;
    await page.getByRole('list', { name: 'Due pickups' }).getByText(label).waitFor(WAIT);
    expect(await page.locator('main').textContent()).not.toContain(id.slice(0, 8));
    // The placeholder is store.js's, the one the kiosk shows for the same category (Kitchen).
    const tile = page.getByRole('list', { name: 'Due pickups' }).locator('li', { hasText: label }).locator('.ph');
    expect(await tile.getAttribute('class')).toBe(
      await page.evaluate<string>("import('/store.js').then((m) => m.placeholder('Kitchen', 'small').className)"),
    );
    expect(await tile.textContent()).toBe('K');
    await page.keyboard.type('Finn');
    await page.keyboard.press('Enter');
    const detail = page.getByRole('article', { name: new RegExp(`${label} — Finn Berg`) });
    await detail.getByRole('button', { name: 'Mark no-show' }).click();
    const dialog = page.getByRole('dialog', { name: `Mark ${label} as a no-show?` });
    await dialog.waitFor(WAIT);
    const text = (await page.locator('#no-show-text').textContent())!;
    expect(text).not.toMatch(/null|undefined/);
    expect(text).not.toMatch(/parked/);
    expect(text).toBe('Finn’s hold is released and its 2 items go back on sale. This cannot be undone.');
    await noAxe(page, 'no-show dialog, customer not parked');
    await screenshot(page, 'pickup-desk-no-show-not-parked-1920');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a no-show asks in a dialog, says the customer is parked outside, and Escape keeps the hold', async () => {
    const id = desk.hold({ customerRef: 'Eva Stone', orderNumber: 'SF-20020', lines: [{ sku: 'TEA-GREEN', qty: 4 }] });
    desk.node.bopis.repo.checkIn(id, randomUUID(), 'B12', Date.now());
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${desk.node.url}/pickup.html`);
    await page
      .getByRole('list', { name: 'Curbside arrivals' })
      .getByText(/Spot B12/)
      .waitFor(WAIT);
    await page.keyboard.type('Eva');
    await page.keyboard.press('Enter');
    const detail = page.getByRole('article', { name: /SF-20020 — Eva Stone/ });
    await expect.poll(() => detail.textContent(), WAIT).toMatch(/Parked outside at spot B12/);
    await detail.getByRole('button', { name: 'Mark no-show' }).click();
    const dialog = page.getByRole('dialog', { name: 'Mark SF-20020 as a no-show?' });
    await dialog.waitFor(WAIT);
    expect(await dialog.textContent()).toMatch(/Eva checked in and is parked outside at spot B12/);
    expect(await focusedId(page)).toBe(''); // the safe choice, "Keep the hold", has focus
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Keep the hold');
    await noAxe(page, 'no-show dialog open');
    await bigTargets(page);
    await screenshot(page, 'pickup-desk-no-show-dialog-1920');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    expect(desk.node.bopis.repo.get(id)!.status).toBe('CONFIRMED');

    await detail.getByRole('button', { name: 'Mark no-show' }).click();
    await dialog.getByRole('button', { name: 'Mark no-show' }).click();
    await expect.poll(() => page.locator('#find-msg').textContent(), WAIT).toMatch(/SF-20020 marked as a no-show/);
    expect(desk.node.bopis.repo.get(id)!.status).toBe('NO_SHOW');
    await expect
      .poll(
        () =>
          page
            .getByRole('list', { name: 'Due pickups' })
            .getByRole('listitem')
            .filter({ hasText: 'SF-20020' })
            .textContent(),
        WAIT,
      )
      .toMatch(/Marked no-show/);
    await noAxe(page, 'after a no-show');
    expect(errors).toEqual([]);
    await page.close();
  });
});
