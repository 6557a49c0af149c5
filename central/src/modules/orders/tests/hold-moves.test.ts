import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bothDbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';
import { stockMover } from '../../../../tests/support/stock-moves.js';

/**
 * Oversell repair moves an ordered hold to another store: the order follows it (its pickup store), so that store reads
 * and checks in the order and may see its customer, and the store the hold left no longer owns the order.
 */
describe.each(bothDbTargets)('an order whose hold oversell repair moves, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let storeA: { id: string; token: string };
  let storeB: { id: string; token: string };

  const stock = stockMover(() => t);

  beforeAll(async () => {
    t = await TestHub.start(target, { logLevel: 'silent' });
    admin = { cookie: await t.login() };
    storeA = await t.store('HM-A', admin.cookie!); // both at the same spot: B is the nearest store to A
    storeB = await t.store('HM-B', admin.cookie!);
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'LAMP', name: 'Lamp', category: 'Home', priceMinor: 3000, taxClass: 'STANDARD' }] },
      admin,
    );
    await stock(storeA.id, 'LAMP', 5, 'RECEIVE');
    await stock(storeB.id, 'LAMP', 5, 'RECEIVE');
  });
  afterAll(() => t?.stop());

  it('follows its hold to the new store, which then reads it and sees its customer', async () => {
    const customer = (await t.call('POST', '/api/customers', { name: 'Moved Pickup' }, admin)).body.id as string;
    const placed = await t.call(
      'POST',
      '/api/orders',
      {
        customerId: customer,
        placeKey: `moved-${target.name}`,
        lines: [{ sku: 'LAMP', qty: 3 }],
        fulfilment: { type: 'PICKUP', storeId: storeA.id },
      },
      admin,
    );
    expect(placed.body.status).toBe('CONFIRMED');
    const b = { bearer: storeB.token };
    const a = { bearer: storeA.token };
    expect((await t.call('GET', `/api/orders/${placed.body.id}`, undefined, b)).status).toBe(404);
    expect((await t.call('GET', `/api/customers/${customer}`, undefined, b)).status).toBe(404);

    await stock(storeA.id, 'LAMP', -4, 'SALE'); // store A sold 4 of its 5 offline: 1 on hand, 3 promised
    let hold: { storeId: string } | undefined;
    for (let i = 0; i < 300 && hold?.storeId !== storeB.id; i++) {
      if (i) await new Promise((r) => setTimeout(r, 50)); // the repairer runs every 2 s
      hold = (await t.call('GET', `/api/reservations/${placed.body.reservationId}`, undefined, admin)).body;
    }
    expect(hold!.storeId).toBe(storeB.id);

    const seen = await t.call('GET', `/api/orders/${placed.body.id}`, undefined, b);
    expect(seen.status).toBe(200);
    expect(seen.body.fulfilment).toMatchObject({ type: 'PICKUP', storeId: storeB.id, locationId: storeB.id });
    expect(seen.body.timeline.map((e: { kind: string }) => e.kind)).toContain('HOLD_MOVED');
    expect(seen.body.timeline.find((e: { kind: string }) => e.kind === 'HOLD_MOVED').detail).toEqual({
      fromStoreId: storeA.id,
      toStoreId: storeB.id,
    });
    expect((await t.call('GET', `/api/customers/${customer}`, undefined, b)).body.name).toBe('Moved Pickup');
    expect((await t.call('GET', `/api/orders/${placed.body.id}`, undefined, a)).status).toBe(404);
  });
});
