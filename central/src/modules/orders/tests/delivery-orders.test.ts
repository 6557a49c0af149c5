import { hlcEncode } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import { provide } from '../../../kernel/ports.js';
import { SimulatedPaymentProvider } from '../payments.js';
import { PAYMENTS_PROVIDER } from '../ports.js';

const door = { line1: '12 Canal Street', city: 'New York', postcode: '10013', lat: 40.72, lon: -74.0 };

/**
 * `fulfilment.delivery` at the edge of `POST /api/orders`: required for DELIVERY and refused for the other types, each
 * bad input answered 400 problem+json with nothing created, held or charged; and a hub without a delivery module
 * refuses DELIVERY orders (422) rather than confirm a delivery nobody would make.
 */
describe.each(dbTargets)('DELIVERY orders at the edge, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: string;
  let customer: string;
  const payments = new SimulatedPaymentProvider(150);

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'silent',
      modules: (await discoverModules()).filter((m) => m.name !== 'delivery'),
      externals: [provide(PAYMENTS_PROVIDER, payments)],
    });
    admin = await t.login();
    store = (await t.store('DE-1', admin)).id;
    customer = (await t.call('POST', '/api/customers', { name: 'Dana Edge' }, { cookie: admin })).body.id;
    const items = [{ sku: 'LAMP', name: 'Lamp', category: 'Home', priceMinor: 4000, taxClass: 'STANDARD' }];
    await t.call('POST', '/api/catalog/products/import', { items }, { cookie: admin });
    await t.hub.sync.repo.applyBatch(
      store,
      [
        {
          origin: store,
          seq: 1,
          hlc: hlcEncode({ wallMs: Date.now(), counter: 0, node: store }),
          type: 'stock.moved',
          payload: { sku: 'LAMP', delta: 10, kind: 'RECEIVE' },
        },
      ],
      0,
    );
  });
  afterAll(() => t?.stop());

  const place = (key: string, fulfilment: unknown) =>
    t.call(
      'POST',
      '/api/orders',
      { customerId: customer, placeKey: key, lines: [{ sku: 'LAMP', qty: 1 }], fulfilment },
      { cookie: admin },
    );
  const nothingCreated = async (key: string) => {
    const { rows } = await t.hub.db.query('SELECT id FROM orders WHERE place_key = $1', [key]);
    expect(rows).toEqual([]);
    const held = await t.hub.db.query<{ r: number }>(
      "SELECT reserved AS r FROM inventory_stock WHERE store_id = $1 AND sku = 'LAMP'",
      [store],
    );
    expect(Number(held.rows[0]?.r ?? 0)).toBe(0);
    expect(payments.authorisations).toBe(0);
  };

  const bad: [string, (storeId: string) => unknown, string][] = [
    ['DELIVERY without its delivery', (s) => ({ type: 'DELIVERY', storeId: s }), 'fulfilment.delivery'],
    [
      'PICKUP with a delivery',
      (s) => ({ type: 'PICKUP', storeId: s, delivery: { speed: 'TWO_HOUR', address: door } }),
      'fulfilment.delivery',
    ],
    [
      'a WINDOW speed without its window',
      (s) => ({ type: 'DELIVERY', storeId: s, delivery: { speed: 'WINDOW', address: door } }),
      'fulfilment.delivery.window',
    ],
    [
      'a window on a two-hour delivery',
      (s) => ({
        type: 'DELIVERY',
        storeId: s,
        delivery: { speed: 'TWO_HOUR', window: { from: 1, to: 2 }, address: door },
      }),
      'fulfilment.delivery.window',
    ],
    [
      'a window ending before it starts',
      (s) => ({
        type: 'DELIVERY',
        storeId: s,
        delivery: { speed: 'WINDOW', window: { from: 9, to: 2 }, address: door },
      }),
      'fulfilment.delivery.window.to',
    ],
    [
      'a latitude past the pole',
      (s) => ({ type: 'DELIVERY', storeId: s, delivery: { speed: 'TWO_HOUR', address: { ...door, lat: 91 } } }),
      'fulfilment.delivery.address.lat',
    ],
    [
      'a huge longitude',
      (s) => ({ type: 'DELIVERY', storeId: s, delivery: { speed: 'TWO_HOUR', address: { ...door, lon: 1e308 } } }),
      'fulfilment.delivery.address.lon',
    ],
    [
      'a latitude as text',
      (s) => ({ type: 'DELIVERY', storeId: s, delivery: { speed: 'TWO_HOUR', address: { ...door, lat: '40.7' } } }),
      'fulfilment.delivery.address.lat',
    ],
    [
      'an escape character in the street',
      (s) => ({
        type: 'DELIVERY',
        storeId: s,
        delivery: { speed: 'TWO_HOUR', address: { ...door, line1: '12 Canal\u001b Street' } },
      }),
      'fulfilment.delivery.address.line1',
    ],
    [
      'a street of 5,000 characters',
      (s) => ({
        type: 'DELIVERY',
        storeId: s,
        delivery: { speed: 'TWO_HOUR', address: { ...door, line1: 'x'.repeat(5000) } },
      }),
      'fulfilment.delivery.address.line1',
    ],
    [
      'a field the request does not have',
      (s) => ({ type: 'DELIVERY', storeId: s, delivery: { speed: 'TWO_HOUR', address: door, tip: 500 } }),
      'fulfilment.delivery',
    ],
    [
      'a phone number of letters',
      (s) => ({ type: 'DELIVERY', storeId: s, delivery: { speed: 'TWO_HOUR', address: door, phone: 'call me' } }),
      'fulfilment.delivery.phone',
    ],
    [
      'an unknown speed',
      (s) => ({ type: 'DELIVERY', storeId: s, delivery: { speed: 'YESTERDAY', address: door } }),
      'fulfilment.delivery.speed',
    ],
    [
      'a delivery that is a string',
      (s) => ({ type: 'DELIVERY', storeId: s, delivery: 'to my door' }),
      'fulfilment.delivery',
    ],
  ];

  it.each(bad)('%s: 400 problem+json, nothing created', async (what, fulfilment, path) => {
    const key = `bad-${what.replace(/\W+/g, '-')}-${target.name}`;
    const r = await place(key, fulfilment(store));
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    // the field at fault, by its path (the bare body refused `delivery` as an unknown key of `fulfilment`)
    expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    await nothingCreated(key);
  });

  it('a NUL byte in the address is refused before anything runs', async () => {
    const key = `nul-${target.name}`;
    const r = await place(key, {
      type: 'DELIVERY',
      storeId: store,
      delivery: { speed: 'TWO_HOUR', address: { ...door, city: 'New\u0000York' } },
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    await nothingCreated(key);
  });

  it('a hub without a delivery module refuses a well-formed DELIVERY order (422), nothing created', async () => {
    const key = `no-desk-${target.name}`;
    const r = await place(key, { type: 'DELIVERY', storeId: store, delivery: { speed: 'TWO_HOUR', address: door } });
    expect(r.status).toBe(422);
    expect(r.body.detail).toBe(
      'this hub does not deliver (it runs without a delivery module): choose pickup, curbside or shipping',
    );
    await nothingCreated(key);
  });
});
