import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type ApiAnswer, type Caller } from '../../../../tests/support/test-hub.js';
import { SimulatedPaymentProvider } from '../payments.js';
import { SimulatedWarehouse } from '../warehouse.js';
import { provide } from '../../../kernel/ports.js';
import { PAYMENTS_PROVIDER, WAREHOUSE } from '../ports.js';
import { stockMover } from '../../../../tests/support/stock-moves.js';

/** Issue #13: an order belongs to its customer and to the stores that fulfil or placed it, and to no other store. */
describe.each(dbTargets)('who reaches an order, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let storeA: { id: string; token: string };
  let storeB: { id: string; token: string };
  let a: Caller;
  let b: Caller;
  let associateA: Caller;
  let dc: string;
  let customer: string;
  const payments = new SimulatedPaymentProvider(150);
  let key = 0;
  const missingId = '0190f0f0-0000-7000-8000-00000000dead';

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
  const place = (who: Caller, body: Record<string, unknown>) =>
    t.call('POST', '/api/orders', { customerId: customer, placeKey: `access-${++key}-${target.name}`, ...body }, who);
  /** The answer with the id asked about taken out, to compare "not yours" with "does not exist". */
  const masked = (res: ApiAnswer, id: string) => ({
    status: res.status,
    type: res.headers.get('content-type'),
    body: JSON.parse(JSON.stringify(res.body).replaceAll(id, 'ID')),
  });

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'silent',
      externals: [provide(PAYMENTS_PROVIDER, payments), provide(WAREHOUSE, new SimulatedWarehouse())],
    });
    admin = { cookie: await t.login() };
    storeA = await t.store('OA-A', admin.cookie!);
    storeB = await t.store('OA-B', admin.cookie!);
    a = { bearer: storeA.token };
    b = { bearer: storeB.token };
    await t.hub.auth.createUser({
      email: 'assoc-a@example.test',
      password: 'a long enough password',
      name: 'Associate A',
      role: 'ASSOCIATE',
      storeId: storeA.id as never,
    });
    associateA = { cookie: await t.login('assoc-a@example.test', 'a long enough password') };
    dc = (await t.call('POST', '/api/locations', { code: 'OA-DC', name: 'DC', kind: 'DC', lat: 40.7, lon: -74 }, admin))
      .body.location.id;
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'RUG', name: 'Rug', category: 'Home', priceMinor: 5000, taxClass: 'STANDARD' }] },
      admin,
    );
    for (const location of [storeA.id, storeB.id, dc]) await stock(location, 'RUG', 20);
    customer = (await t.call('POST', '/api/customers', { name: 'Olive Owner' }, admin)).body.id;
  });
  afterAll(() => t?.stop());

  it('another store neither reads, cancels nor checks in store A’s order, and learns nothing about which ids exist; the order, its payment and its hold are untouched', async () => {
    const placed = await place(a, {
      lines: [{ sku: 'RUG', qty: 2 }],
      fulfilment: { type: 'CURBSIDE', storeId: storeA.id },
    });
    expect(placed.status).toBe(201);
    const order = placed.body;
    expect(order).toMatchObject({ status: 'CONFIRMED', placedStoreId: storeA.id });

    for (const [method, path, body] of [
      ['GET', (id: string) => `/api/orders/${id}`, undefined],
      ['POST', (id: string) => `/api/orders/${id}/cancel`, undefined],
      ['POST', (id: string) => `/api/orders/${id}/check-in`, { parkingSpot: 'Z9' }],
    ] as const) {
      const theirs = await t.call(method, path(order.id), body, b);
      expect(theirs.status).toBe(404);
      expect(masked(theirs, order.id)).toEqual(masked(await t.call(method, path(missingId), body, b), missingId));
      expect(theirs.body.detail).toBe(`order ${order.id} not found`);
      expect((await t.call(method, path(order.id), body, {})).status).toBe(401);
    }

    const { rows } = await t.hub.db.query<{ status: string; fulfilment: { parkingSpot?: string } }>(
      'SELECT status, fulfilment FROM orders WHERE id = $1',
      [order.id],
    );
    expect(rows[0]).toMatchObject({ status: 'CONFIRMED' });
    expect(rows[0]!.fulfilment.parkingSpot ?? null).toBeNull();
    expect(await payments.status(order.id)).toBe('APPROVED');
    expect(payments.charged(order.id)).toBe(order.totalMinor);
    const hold = await t.hub.db.query<{ status: string }>('SELECT status FROM reservations WHERE id = $1', [
      order.reservationId,
    ]);
    expect(hold.rows[0]!.status).toBe('CONFIRMED');
    expect(await reserved(storeA.id, 'RUG')).toBe(2);
    const feed = await t.hub.db.query(
      `SELECT 1 FROM sync_feed WHERE type = 'order.checked-in' AND payload ->> 'orderId' = $1`,
      [order.id],
    );
    expect(feed.rows).toHaveLength(0);

    // its own store (token or staff) and head office still do everything
    expect((await t.call('GET', `/api/orders/${order.id}`, undefined, associateA)).body.timeline.at(-1).kind).toBe(
      'CONFIRMED',
    );
    expect((await t.call('GET', `/api/orders/${order.id}`, undefined, admin)).status).toBe(200);
    expect(
      (await t.call('POST', `/api/orders/${order.id}/check-in`, { parkingSpot: 'A1' }, a)).body.fulfilment,
    ).toMatchObject({ parkingSpot: 'A1' });
    expect((await t.call('POST', `/api/orders/${order.id}/cancel`, undefined, a)).body.status).toBe('CANCELLED');
    expect(payments.charged(order.id)).toBe(0);
    expect(await reserved(storeA.id, 'RUG')).toBe(0);
  });

  it('a store places orders fulfilled at itself or shipped, never at another store (as for a hold there): 403 and no hold taken', async () => {
    const holdsAtB = async () =>
      Number(
        (
          await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM reservations WHERE store_id = $1', [
            storeB.id,
          ])
        ).rows[0]!.n,
      );
    const before = await holdsAtB();
    const elsewhere = { lines: [{ sku: 'RUG', qty: 1 }], fulfilment: { type: 'PICKUP', storeId: storeB.id } };
    for (const who of [a, associateA]) {
      const refused = await place(who, elsewhere);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(refused.body.detail).toBe(
        `a store places orders fulfilled at itself or shipped: no access to store ${storeB.id}`,
      );
    }
    // the front door answers the same
    expect(
      (
        await t.call(
          'POST',
          '/api/reservations',
          { storeId: storeB.id, customerRef: 'Olive', lines: [{ sku: 'RUG', qty: 1 }] },
          a,
        )
      ).status,
    ).toBe(403);
    // from a cart whose fulfilment is at store B too
    expect(
      (await t.call('PUT', `/api/carts/${customer}/fulfilment`, { type: 'PICKUP', storeId: storeB.id }, admin)).status,
    ).toBe(200);
    expect((await t.call('POST', `/api/carts/${customer}/lines`, { sku: 'RUG', qty: 1 }, admin)).status).toBe(200);
    expect((await place(a, {})).status).toBe(403);
    expect(await holdsAtB()).toBe(before);
    expect(await reserved(storeB.id, 'RUG')).toBe(0);
    const { rows } = await t.hub.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM orders WHERE placed_store_id = $1 AND fulfilment ->> 'storeId' = $2",
      [storeA.id, storeB.id],
    );
    expect(rows[0]!.n).toBe(0);

    // at itself and shipped are fine; a shipped order belongs to the store that placed it, not to others
    expect(
      (await place(a, { lines: [{ sku: 'RUG', qty: 1 }], fulfilment: { type: 'PICKUP', storeId: storeA.id } })).body
        .status,
    ).toBe('CONFIRMED');
    const shipped = await place(a, { lines: [{ sku: 'RUG', qty: 1 }], fulfilment: { type: 'SHIP' } });
    expect(shipped.body).toMatchObject({
      status: 'CONFIRMED',
      placedStoreId: storeA.id,
      fulfilment: { type: 'SHIP', locationId: dc },
    });
    expect((await t.call('GET', `/api/orders/${shipped.body.id}`, undefined, a)).status).toBe(200);
    expect((await t.call('GET', `/api/orders/${shipped.body.id}`, undefined, b)).status).toBe(404);
    // head office places anywhere
    expect((await place(admin, elsewhere)).body.status).toBe('CONFIRMED');
  });

  it('a store lists only its own orders of a customer; replaying another store’s placeKey reveals nothing; the full list is head office’s', async () => {
    const mine = (
      await place(a, { lines: [{ sku: 'RUG', qty: 1 }], fulfilment: { type: 'PICKUP', storeId: storeA.id } })
    ).body;
    const webAtB = (
      await place(admin, { lines: [{ sku: 'RUG', qty: 1 }], fulfilment: { type: 'PICKUP', storeId: storeB.id } })
    ).body;
    const ids = async (who: Caller) =>
      ((await t.call('GET', `/api/customers/${customer}/orders`, undefined, who)).body.items as { id: string }[]).map(
        (o) => o.id,
      );
    const seenByA = await ids(a);
    expect(seenByA).toContain(mine.id);
    expect(seenByA).not.toContain(webAtB.id);
    expect(await ids(b)).toContain(webAtB.id); // fulfilled there
    expect(await ids(b)).not.toContain(mine.id);
    expect(await ids(admin)).toEqual(expect.arrayContaining([mine.id, webAtB.id]));

    const replay = await t.call(
      'POST',
      '/api/orders',
      { customerId: customer, placeKey: mine.placeKey, lines: [{ sku: 'RUG', qty: 1 }], fulfilment: { type: 'SHIP' } },
      b,
    );
    expect(replay.status).toBe(400);
    expect(replay.body.detail).toBe('that placeKey belongs to another order');
    expect(JSON.stringify(replay.body)).not.toContain(mine.id);
    expect((await t.call('GET', '/api/orders', undefined, a)).status).toBe(403);
    expect((await t.call('GET', '/api/orders', undefined, admin)).status).toBe(200);
  });
});
