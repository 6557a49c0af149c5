import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dbTargets } from '@storefleet/central/testing';
import { addToCart, cartDocId, MAX_CART_LINES, type CartDoc } from '@storefleet/shared';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

type View = { lines: { sku: string; qty: number; unitPriceMinor: number }[]; subtotalMinor: number };
const summary = (v: View) => v.lines.map((l) => `${l.sku}×${l.qty}`).join(' ');

describe.each(dbTargets)('one cart across web, app and store lanes, on $name', (target) => {
  let f: SyncFixture;
  let cookie: string;
  let a: StoreNode;
  let b: StoreNode;
  let customerId: string;
  let storeA: string;

  const hub = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(f.hubUrl + path, {
      method,
      headers: { cookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };
  const at = async (node: StoreNode, method: string, path: string, body?: unknown) => {
    const res = await fetch(node.url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    await f.hub.auth.createUser({
      email: 'web@example.test',
      password: 'a long enough password',
      name: 'Web backend',
      role: 'ADMIN',
    });
    cookie = `sf_session=${(await f.hub.auth.login('web@example.test', 'a long enough password', 'test')).sessionToken}`;
    await hub('POST', '/api/catalog/products/import', {
      items: [
        { sku: 'MUG', name: 'Mug', category: 'Home', priceMinor: 1200, taxClass: 'STANDARD' },
        { sku: 'TEA', name: 'Tea', category: 'Grocery', priceMinor: 450, taxClass: 'REDUCED' },
        { sku: 'SPOON', name: 'Spoon', category: 'Home', priceMinor: 300, taxClass: 'STANDARD' },
      ],
    });
    a = await f.store('CARTA');
    b = await f.store('CARTB');
    storeA = f.credentials.get('CARTA')!.storeId;
    await waitFor('both stores online with the catalog', () =>
      [a, b].every((n) => n.sync.status().phase === 'syncing' && n.pos.repo.product('SPOON', undefined)),
    );
    for (const sku of ['MUG', 'TEA']) await at(a, 'POST', '/api/stock/movements', { sku, delta: 10, kind: 'RECEIVE' });
    await waitFor(
      'store A’s stock at the hub',
      async () => (await hub('GET', `/api/inventory/stores/${storeA}/stock/TEA`)).body.onHand === 10,
    );
    customerId = (await hub('POST', '/api/customers', { name: 'Ada Shopper', email: 'ada@example.test' })).body.id;
  });
  afterAll(() => f?.stop());

  it('converges when the web, a kiosk and an offline lane edit it at once, and open devices see it live', async () => {
    const live = new WebSocket(`${f.hubUrl.replace('http', 'ws')}/api/carts/${customerId}/live`, {
      headers: { cookie },
    });
    const seen: View[] = [];
    live.on('message', (m) => seen.push(JSON.parse(String(m)).cart));
    await new Promise((r) => live.once('open', r));

    expect((await hub('PUT', `/api/carts/${customerId}/fulfilment`, { type: 'PICKUP', storeId: storeA })).status).toBe(
      200,
    );
    expect(summary((await hub('POST', `/api/carts/${customerId}/lines`, { sku: 'MUG', qty: 2 })).body)).toBe('MUG×2');
    await waitFor(
      'the kiosk to see the web’s mugs',
      async () => summary((await at(a, 'GET', `/api/carts/${customerId}`)).body) === 'MUG×2',
    );
    await at(a, 'POST', `/api/carts/${customerId}/lines`, { code: 'MUG', qty: 1 });
    await at(a, 'POST', `/api/carts/${customerId}/lines`, { code: 'TEA', qty: 1 });
    // The lane is at store B, which the customer has not used: it is sent nothing of the cart until it adds to it.
    expect(summary((await at(b, 'GET', `/api/carts/${customerId}`)).body)).toBe(''); // opening it asks the hub
    await waitFor('the hub’s refusal to send the lane the cart', () =>
      b.sync.status().lastDocError?.detail.includes('not linked to this customer'),
    );
    expect(summary((await at(b, 'GET', `/api/carts/${customerId}`)).body)).toBe('');
    await at(b, 'POST', `/api/carts/${customerId}/lines`, { code: 'SPOON', qty: 1 });
    await waitFor(
      'the lane to see the whole cart',
      async () => summary((await at(b, 'GET', `/api/carts/${customerId}`)).body) === 'MUG×3 SPOON×1 TEA×1',
    );

    b.sync.client!.stop(); // the lane loses the network and keeps going
    await at(b, 'POST', `/api/carts/${customerId}/lines`, { code: 'MUG', qty: 2 });
    await at(b, 'PUT', `/api/carts/${customerId}/lines/TEA`, { qty: 3 });
    await hub('POST', `/api/carts/${customerId}/lines`, { sku: 'TEA', qty: 1 }); // meanwhile on the phone
    expect(summary((await at(b, 'GET', `/api/carts/${customerId}`)).body)).toBe('MUG×5 SPOON×1 TEA×3');
    b.sync.client!.start();

    // +2 +1 +2 mugs; tea 1, raised to 3 on the lane (+2) while the phone added 1: counters add up
    const expected = 'MUG×5 SPOON×1 TEA×4';
    await waitFor('all three devices to agree', async () => {
      const views = [
        (await hub('GET', `/api/carts/${customerId}`)).body,
        (await at(a, 'GET', `/api/carts/${customerId}`)).body,
        (await at(b, 'GET', `/api/carts/${customerId}`)).body,
      ];
      return views.every((v) => summary(v) === expected);
    });
    await waitFor(
      'the open web device to have seen it live',
      () => seen.length > 0 && summary(seen.at(-1)!) === expected,
    );
    expect((await hub('GET', `/api/carts/${customerId}`)).body.subtotalMinor).toBe(5 * 1200 + 300 + 4 * 450); // prices as snapshotted
    live.close();
  });

  it('refuses what cannot be had: out of stock for the fulfilment, unknown products and customers, bad quantities', async () => {
    const short = await hub('POST', `/api/carts/${customerId}/lines`, { sku: 'MUG', qty: 6 });
    expect(short.status).toBe(409);
    expect(short.type).toMatch(/application\/problem\+json/);
    expect(short.body.detail).toBe('only 10 of MUG available for pickup at that store (wanted 11)');
    expect((await hub('POST', `/api/carts/${customerId}/lines`, { sku: 'NOPE', qty: 1 })).status).toBe(404);
    expect((await hub('GET', '/api/carts/0190f0f0-0000-7000-8000-00000000abcd')).status).toBe(404);
    expect((await hub('POST', `/api/carts/${customerId}/lines`, { sku: 'MUG', qty: 0 })).status).toBe(400);
    const ship = await hub('PUT', `/api/carts/${customerId}/fulfilment`, { type: 'SHIP' });
    expect(ship.status).toBe(409); // no distribution centre holds mugs
    expect(summary((await hub('GET', `/api/carts/${customerId}`)).body)).toBe('MUG×5 SPOON×1 TEA×4'); // nothing changed
    expect((await hub('GET', `/api/carts/${customerId}`)).body.fulfilment).toEqual({ type: 'PICKUP', storeId: storeA });
  });

  it('a kiosk refuses an edit past a cart’s bounds (409), and the store keeps no change the hub would refuse', async () => {
    const id = (await hub('POST', '/api/customers', { name: 'Big Basket' })).body.id as string;
    const tooMany = await at(a, 'POST', `/api/carts/${id}/lines`, { code: 'TEA', qty: 10_000 });
    expect(tooMany.status).toBe(200);
    const over = await at(a, 'POST', `/api/carts/${id}/lines`, { code: 'TEA', qty: 1 });
    expect(over.status).toBe(409);
    expect(over.body.detail).toBe('a cart line holds at most 10000 of a product: TEA would have 10001');

    // a full cart (lines written as a device would): a 101st line is refused, more of a line it has is not
    a.sync.docs.change<CartDoc>(cartDocId(id), (d) => {
      for (let i = 1; i < MAX_CART_LINES; i++)
        addToCart(
          d,
          { sku: `FILL${i}`, name: 'Filler', unitPriceMinor: 1, currency: 'USD', taxClass: 'STANDARD' },
          1,
          'store:test',
          1,
        );
    });
    const line101 = await at(a, 'POST', `/api/carts/${id}/lines`, { code: 'MUG', qty: 1 });
    expect(line101.status).toBe(409);
    expect(line101.body.detail).toBe(`a cart holds at most ${MAX_CART_LINES} lines: remove one before adding MUG`);
    expect((await at(a, 'PUT', `/api/carts/${id}/lines/TEA`, { qty: 5 })).status).toBe(200);

    // content the hub refuses is refused here first, so it can never cut the cart's sync
    expect(() =>
      a.sync.docs.change<CartDoc>(cartDocId(id), (d) => {
        d.lines!.TEA!.name = 'a\u0000b';
      }),
    ).toThrow(`changes to cart:${id} refused: lines.TEA.name: contains U+0000 (NUL)`);
    const view = (await at(a, 'GET', `/api/carts/${id}`)).body;
    expect(view.lines.find((l: { sku: string }) => l.sku === 'TEA')).toMatchObject({ name: 'Tea', qty: 5 });
    await waitFor(
      'the whole cart at the hub',
      async () => (await hub('GET', `/api/carts/${id}`)).body.lines.length === MAX_CART_LINES,
    );
    expect(a.sync.status().lastDocError?.detail).not.toMatch(/refused/); // at most 'not linked …' from its first read
  });

  it('checks out curbside: the order shows in the store’s pickup list, and the "I’m here" with the parking spot follows', async () => {
    const placed = await hub('POST', '/api/orders', {
      customerId,
      placeKey: `curbside-${target.name}`,
      lines: [{ sku: 'TEA', qty: 2 }],
      fulfilment: { type: 'CURBSIDE', storeId: storeA },
    });
    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe('CONFIRMED');
    const inList = async () =>
      (
        (await at(a, 'GET', '/api/bopis/pickups?q=Ada')).body.items as { id: string; parkingSpot: string | null }[]
      ).find((p) => p.id === placed.body.reservationId);
    await waitFor('the order in the store’s pickup list', inList);
    await hub('POST', `/api/orders/${placed.body.id}/check-in`, { parkingSpot: 'C7' });
    await waitFor('the arrival at the store', async () => (await inList())?.parkingSpot === 'C7');
  });
});
