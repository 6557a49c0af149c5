import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { SimulatedPaymentProvider } from '../payments.js';
import { SimulatedWarehouse } from '../warehouse.js';
import { provide } from '../../../kernel/ports.js';
import { PAYMENTS_PROVIDER, WAREHOUSE } from '../ports.js';
import { stockMover } from '../../../../tests/support/stock-moves.js';

describe.each(dbTargets)('orders as a saga, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: string;
  let dc: string;
  let customer: string;
  const payments = new SimulatedPaymentProvider(150);
  const warehouse = new SimulatedWarehouse();
  let key = 0;

  const stock = stockMover(() => t);
  const reserved = async (location: string, sku: string) =>
    Number(
      (
        await t.hub.db.query<{ r: number }>(
          'SELECT reserved AS r FROM inventory_stock WHERE store_id = $1 AND sku = $2',
          [location, sku],
        )
      ).rows[0]?.r ?? 0,
    );
  const place = (body: Record<string, unknown>) =>
    t.call(
      'POST',
      '/api/orders',
      { customerId: customer, placeKey: `checkout-${++key}-${target.name}`, ...body },
      { cookie: admin },
    );
  const pickup = () => ({ type: 'PICKUP', storeId: store });

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: process.env.ORDERS_LOG ?? 'silent',
      externals: [provide(PAYMENTS_PROVIDER, payments), provide(WAREHOUSE, warehouse)],
    });
    admin = await t.login();
    const reg = async (code: string, kind: string) =>
      (await t.call('POST', '/api/locations', { code, name: code, kind, lat: 40, lon: -74 }, { cookie: admin })).body
        .location.id as string;
    store = await reg('ORD1', 'STORE');
    dc = await reg('DC1', 'DC');
    await t.call(
      'POST',
      '/api/catalog/products/import',
      {
        items: [
          { sku: 'LAMP', name: 'Lamp', category: 'Home', priceMinor: 2000, taxClass: 'STANDARD' },
          { sku: 'BULB', name: 'Bulb', category: 'Home', priceMinor: 300, taxClass: 'STANDARD' },
        ],
      },
      { cookie: admin },
    );
    await stock(store, 'LAMP', 5);
    await stock(store, 'BULB', 50);
    await stock(dc, 'LAMP', 100);
    customer = (await t.call('POST', '/api/customers', { name: 'Grace Buyer' }, { cookie: admin })).body.id;
  });
  afterAll(() => t?.stop());

  it('places an order from the cart end to end: held, charged, fulfilled, confirmed, cart emptied; placing again is the same order', async () => {
    await t.call('PUT', `/api/carts/${customer}/fulfilment`, pickup(), { cookie: admin });
    await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'LAMP', qty: 2 }, { cookie: admin });
    const placeKey = `cart-checkout-${target.name}`;
    const first = await t.call('POST', '/api/orders', { customerId: customer, placeKey }, { cookie: admin });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: 'CONFIRMED',
      subtotalMinor: 4000,
      taxMinor: 355,
      totalMinor: 4355,
      fulfilment: { type: 'PICKUP', storeId: store, locationId: store },
    });
    const id = first.body.id;
    expect(payments.charged(id)).toBe(4355);
    expect(await reserved(store, 'LAMP')).toBe(2);
    const r = await t.call('GET', `/api/reservations/${first.body.reservationId}`, undefined, { cookie: admin });
    expect(r.body).toMatchObject({ status: 'CONFIRMED', customerRef: 'Grace Buyer' }); // the name the store's pickup list shows
    const again = await t.call('POST', '/api/orders', { customerId: customer, placeKey }, { cookie: admin });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    expect(payments.authorisations).toBe(1);
    const timeline = (await t.call('GET', `/api/orders/${id}`, undefined, { cookie: admin })).body.timeline.map(
      (e: { kind: string }) => e.kind,
    );
    expect(timeline).toEqual(['PLACED', 'RESERVE', 'AUTHORISE', 'FULFIL', 'CONFIRM', 'CONFIRMED']);
    expect((await t.call('GET', `/api/carts/${customer}`, undefined, { cookie: admin })).body.lines).toEqual([]);

    // the customer cancels before pickup: hold released, money back
    const cancelled = await t.call('POST', `/api/orders/${id}/cancel`, undefined, { cookie: admin });
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(payments.charged(id)).toBe(0);
    expect(await reserved(store, 'LAMP')).toBe(0);
  });

  it('RESERVE failing: out of stock, nothing held, nothing charged', async () => {
    const before = payments.authorisations;
    const o = (await place({ lines: [{ sku: 'LAMP', qty: 6 }], fulfilment: pickup() })).body;
    expect(o).toMatchObject({ status: 'FAILED' });
    expect(o.failure).toMatch(/out of stock/);
    expect(payments.authorisations).toBe(before);
    expect(await reserved(store, 'LAMP')).toBe(0);
  });

  it('AUTHORISE failing (declined): the hold is released, no charge', async () => {
    payments.next('decline');
    const o = (await place({ lines: [{ sku: 'LAMP', qty: 1 }], fulfilment: pickup() })).body;
    expect(o.status).toBe('FAILED');
    expect(o.failure).toBe('payment declined: insufficient funds');
    expect(payments.charged(o.id)).toBe(0);
    expect(await reserved(store, 'LAMP')).toBe(0);
    const kinds = (await t.call('GET', `/api/orders/${o.id}`, undefined, { cookie: admin })).body.timeline.map(
      (e: { kind: string }) => e.kind,
    );
    expect(kinds).toEqual(['PLACED', 'RESERVE', 'AUTHORISE_FAILED', 'VOID_PAYMENT', 'RELEASE_HOLD', 'FAILED']);
  });

  it('AUTHORISE timing out, then approved late (and the callback sent twice): voided, no double charge, no order without stock', async () => {
    payments.next('timeout-then-approve');
    const o = (await place({ lines: [{ sku: 'BULB', qty: 4 }], fulfilment: pickup() })).body;
    expect(o.status).toBe('FAILED');
    expect(o.failure).toMatch(/payment timed out/);
    await new Promise((r) => setTimeout(r, 500)); // the late approval and its duplicate arrive
    expect(await payments.status(o.id)).toBe('VOIDED');
    expect(payments.charged(o.id)).toBe(0);
    expect(await reserved(store, 'BULB')).toBe(0);
  });

  it('an approval whose callback arrives before the answer is kept: the order is confirmed and charged once', async () => {
    payments.next('callback-before-answer');
    const o = (await place({ lines: [{ sku: 'BULB', qty: 1 }], fulfilment: pickup() })).body;
    expect(o.status).toBe('CONFIRMED');
    expect(await payments.status(o.id)).toBe('APPROVED');
    expect(payments.charged(o.id)).toBe(o.totalMinor);
  });

  it('FULFIL failing (the warehouse refuses a shipment): payment voided, the DC hold released', async () => {
    warehouse.refuseNext = 1;
    const o = (await place({ lines: [{ sku: 'LAMP', qty: 3 }], fulfilment: { type: 'SHIP' } })).body;
    expect(o).toMatchObject({ status: 'FAILED', fulfilment: { type: 'SHIP', locationId: dc } });
    expect(payments.charged(o.id)).toBe(0);
    expect(await reserved(dc, 'LAMP')).toBe(0);
    const shipped = (await place({ lines: [{ sku: 'LAMP', qty: 3 }], fulfilment: { type: 'SHIP' } })).body;
    expect(shipped.status).toBe('CONFIRMED');
    expect(warehouse.active(shipped.id)).toBe(true);
    expect(await reserved(dc, 'LAMP')).toBe(3);
  });

  it('CONFIRM failing (the hold lapsed meanwhile): shipment cancelled, payment voided', async () => {
    const lapse = new SimulatedWarehouse();
    const original = warehouse.createShipment.bind(warehouse);
    warehouse.createShipment = async (req) => {
      const { rows } = await t.hub.db.query<{ reservation_id: string }>(
        'SELECT reservation_id FROM orders WHERE id = $1',
        [req.key],
      );
      await t.call('POST', `/api/reservations/${rows[0]!.reservation_id}/release`, undefined, { cookie: admin }); // as the expiry sweeper would
      return original(req);
    };
    try {
      const o = (await place({ lines: [{ sku: 'LAMP', qty: 1 }], fulfilment: { type: 'SHIP' } })).body;
      expect(o.status).toBe('FAILED');
      expect(o.failure).toMatch(/could not be confirmed/);
      expect(warehouse.active(o.id)).toBe(false);
      expect(payments.charged(o.id)).toBe(0);
      const kinds = (await t.call('GET', `/api/orders/${o.id}`, undefined, { cookie: admin })).body.timeline.map(
        (e: { kind: string }) => e.kind,
      );
      expect(kinds.slice(-4)).toEqual(['CANCEL_FULFILMENT', 'VOID_PAYMENT', 'RELEASE_HOLD', 'FAILED']);
    } finally {
      warehouse.createShipment = original;
      void lapse;
    }
  });

  it('refuses bad orders clearly and changes nothing', async () => {
    const empty = await t.call('POST', '/api/customers', { name: 'Empty Cart' }, { cookie: admin });
    const noCart = await t.call(
      'POST',
      '/api/orders',
      { customerId: empty.body.id, placeKey: `empty-${target.name}` },
      { cookie: admin },
    );
    expect(noCart.status).toBe(400);
    expect(noCart.body.detail).toMatch(/cart is empty/);
    expect((await place({ lines: [{ sku: 'NOPE', qty: 1 }] })).status).toBe(404);
    expect((await place({ lines: [{ sku: 'LAMP', qty: 0 }] })).status).toBe(400);
    expect((await place({ lines: [{ sku: 'LAMP', qty: 1 }], fulfilment: { type: 'PICKUP' } })).status).toBe(400);
    expect(
      (
        await t.call(
          'POST',
          '/api/orders',
          {
            customerId: '0190f0f0-0000-7000-8000-00000000beef',
            placeKey: 'nobody-123',
            lines: [{ sku: 'LAMP', qty: 1 }],
          },
          { cookie: admin },
        )
      ).status,
    ).toBe(404);
    const { rows } = await t.hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM orders WHERE customer_id = $1',
      [empty.body.id],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('a curbside arrival reaches the store’s feed with the parking spot', async () => {
    const o = (await place({ lines: [{ sku: 'BULB', qty: 1 }], fulfilment: { type: 'CURBSIDE', storeId: store } }))
      .body;
    expect(o.status).toBe('CONFIRMED');
    const checked = await t.call('POST', `/api/orders/${o.id}/check-in`, { parkingSpot: 'B4' }, { cookie: admin });
    expect(checked.body.fulfilment).toMatchObject({ parkingSpot: 'B4' });
    const { rows } = await t.hub.db.query<{ payload: { orderId: string; parkingSpot: string } }>(
      `SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'order.checked-in'`,
      [store],
    );
    expect(rows.map((r) => r.payload)).toEqual([
      expect.objectContaining({ orderId: o.id, parkingSpot: 'B4', reservationId: o.reservationId }),
    ]);
  });
});
