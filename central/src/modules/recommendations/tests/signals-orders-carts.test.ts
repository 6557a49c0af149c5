import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { importProducts, interactionsOf, newCustomer, stockIn } from './signals-support.js';

// Issue #21, lane D1: what recommendations learn from online orders and carts.
describe.each(dbTargets)('recommendation signals from orders and carts, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string; secret: string; token: string };
  let key = 0;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    store = await t.store('SIG1', admin);
    await importProducts(t, admin, ['LAMP', 'BULB', 'SHADE']);
    await stockIn(t, store.id, 1, 'LAMP', 50);
    await stockIn(t, store.id, 2, 'BULB', 50);
    await stockIn(t, store.id, 3, 'SHADE', 50);
  }, 120_000);
  afterAll(() => t?.stop());

  const placeOrder = (customerId: string, lines: { sku: string; qty: number }[]) =>
    t.call(
      'POST',
      '/api/orders',
      {
        customerId,
        placeKey: `signals-${++key}`,
        lines,
        fulfilment: { type: 'PICKUP', storeId: store.id },
      },
      { cookie: admin },
    );

  it('records a purchase per product of a confirmed order, once, even when its confirmation runs again', async () => {
    const buyer = await newCustomer(t, admin, 'Ada Buyer');
    const placed = await placeOrder(buyer.id, [
      { sku: 'LAMP', qty: 1 },
      { sku: 'BULB', qty: 4 },
    ]);
    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe('CONFIRMED');
    const orderId: string = placed.body.id;
    const expected = [
      {
        customerId: buyer.id,
        sessionId: null,
        sku: 'BULB',
        kind: 'PURCHASE',
        storeId: store.id,
        source: 'order',
        sourceRef: orderId,
        at: expect.any(Number),
      },
      expect.objectContaining({ customerId: buyer.id, sku: 'LAMP', kind: 'PURCHASE', storeId: store.id }),
    ];
    expect(await interactionsOf(t, 'order', orderId)).toEqual(expected);

    // A runner that confirms it again (its confirmation's commit taken for lost, say): the order is confirmed a second
    // time, and the purchases are not counted twice.
    await t.hub.db.query("UPDATE orders SET status = 'PENDING', lease_until = 0 WHERE id = $1", [orderId]);
    await waitFor('the resumed order to be confirmed again', async () => {
      const o = await t.call('GET', `/api/orders/${orderId}`, undefined, { cookie: admin });
      const confirmations = o.body.timeline.filter((e: { kind: string }) => e.kind === 'CONFIRMED').length;
      return o.body.status === 'CONFIRMED' && confirmations === 2;
    });
    expect(await interactionsOf(t, 'order', orderId)).toEqual(expected);
  });

  it('records nothing for an order that fails', async () => {
    const buyer = await newCustomer(t, admin, 'Bo Unlucky');
    const placed = await placeOrder(buyer.id, [{ sku: 'SHADE', qty: 51 }]); // more than the store has
    expect(placed.body.status).toBe('FAILED');
    expect(await interactionsOf(t, 'order', placed.body.id)).toEqual([]);
  });

  it('records a cart add once per customer, product and day, at the store that made it or the cart’s store', async () => {
    // the hub's clock at noon UTC, so the test's adds all fall on one day however late it runs
    const day = new Date().toISOString().slice(0, 10);
    const saved = t.clock.offsetMs;
    t.clock.offsetMs = Date.parse(`${day}T12:00:00Z`) - Date.now();
    try {
      // the move is up to 12 h either way: a sign-in (8 h) or store token (1 h) from before may have run out by the
      // hub's clock, so the test signs in and takes a token again at the clock's new time
      admin = await t.login();
      const lane = await t.call('POST', '/api/auth/store-token', { storeId: store.id, secret: store.secret });
      expect(lane.status).toBe(200);
      await cartAdds(day, lane.body.token);
    } finally {
      t.clock.offsetMs = saved;
      admin = await t.login(); // the sign-in idled out while the clock was a day on
    }
  });

  async function cartAdds(day: string, storeToken: string) {
    const shopper = await newCustomer(t, admin, 'Cy Shopper');
    // head office (the web backend) adds to a cart to be picked up at the store: the add is at that store
    expect(
      (
        await t.call(
          'PUT',
          `/api/carts/${shopper.id}/fulfilment`,
          { type: 'PICKUP', storeId: store.id },
          { cookie: admin },
        )
      ).status,
    ).toBe(200);
    const add = (sku: string, qty: number, who: { cookie?: string; bearer?: string }) =>
      t.call('POST', `/api/carts/${shopper.id}/lines`, { sku, qty }, who);
    expect((await add('LAMP', 1, { cookie: admin })).status).toBe(200);
    // added again, raised, taken out and put back the same day: still one cart add of the lamp
    expect((await add('LAMP', 1, { cookie: admin })).status).toBe(200);
    expect((await t.call('PUT', `/api/carts/${shopper.id}/lines/LAMP`, { qty: 5 }, { cookie: admin })).status).toBe(
      200,
    );
    expect((await t.call('DELETE', `/api/carts/${shopper.id}/lines/LAMP`, undefined, { cookie: admin })).status).toBe(
      200,
    );
    expect((await add('LAMP', 1, { cookie: admin })).status).toBe(200);
    // a store's lane adds the bulb: the add is at that store
    expect((await add('BULB', 2, { bearer: storeToken })).status).toBe(200);

    const adds = await interactionsOf(t, 'cart', shopper.id);
    expect(adds).toEqual([
      {
        customerId: shopper.id,
        sessionId: null,
        sku: 'BULB',
        kind: 'CART_ADD',
        storeId: store.id,
        source: 'cart',
        sourceRef: `${shopper.id}:${day}`,
        at: expect.any(Number),
      },
      expect.objectContaining({ sku: 'LAMP', kind: 'CART_ADD', storeId: store.id, sourceRef: `${shopper.id}:${day}` }),
    ]);

    // a day later, the lamp put in again counts again (interest that lasts)
    t.clock.offsetMs += 24 * 3_600_000;
    expect((await add('LAMP', 1, { cookie: await t.login() })).status).toBe(200);
    expect((await interactionsOf(t, 'cart', shopper.id)).filter((a) => a.sku === 'LAMP')).toHaveLength(2);
  }

  it('records nothing for a cart change that adds nothing, or one refused', async () => {
    const shopper = await newCustomer(t, admin, 'Di Careful');
    const pickup = { type: 'PICKUP', storeId: store.id };
    expect((await t.call('PUT', `/api/carts/${shopper.id}/fulfilment`, pickup, { cookie: admin })).status).toBe(200);
    expect(
      (await t.call('POST', `/api/carts/${shopper.id}/lines`, { sku: 'SHADE', qty: 3 }, { cookie: admin })).status,
    ).toBe(200);
    const before = await interactionsOf(t, 'cart', shopper.id);
    expect(before).toHaveLength(1);
    // lowered: not an add
    expect((await t.call('PUT', `/api/carts/${shopper.id}/lines/SHADE`, { qty: 1 }, { cookie: admin })).status).toBe(
      200,
    );
    // an unknown product: refused, nothing recorded
    expect(
      (await t.call('POST', `/api/carts/${shopper.id}/lines`, { sku: 'NO-SUCH', qty: 1 }, { cookie: admin })).status,
    ).toBe(404);
    expect(await interactionsOf(t, 'cart', shopper.id)).toEqual(before);
  });
});
