import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { FlowHub, kinds, until } from './support/flow-hub.js';

/**
 * Oversell repair → orders: store A sold offline units the hub had promised to an order. A hold the repair moves to
 * store B takes the order's pickup store with it and the customer is told; a hold no store can take is cancelled, and
 * so is its order, refunded and told. Before, the customer heard nothing of a move, and a cancelled hold left its
 * order CONFIRMED and charged with no goods.
 */
describe.each(dbTargets)('oversell repair and the orders on its holds, on $name', (target) => {
  const f = new FlowHub();

  beforeAll(async () => {
    await f.start(target, ['RP-A', 'RP-B']);
    await f.products('LAMP', 'VASE');
    await f.stock(f.storeA.id, 'LAMP', 5, 'RECEIVE');
    await f.stock(f.storeB.id, 'LAMP', 5, 'RECEIVE');
    await f.stock(f.storeA.id, 'VASE', 2, 'RECEIVE'); // no other store has vases
  });
  afterAll(() => f.stop());

  it('a moved hold moves the order’s pickup store, and the customer is told where to go', async () => {
    const order = await f.placePickup(f.storeA.id, 'LAMP', 3, `moved-${target.name}`);
    await f.stock(f.storeA.id, 'LAMP', -4, 'SALE'); // 1 left at A, 3 promised: the repairer (every 2 s) moves the hold

    await until(
      () => f.hold(order.reservationId),
      (h) => h.storeId === f.storeB.id,
      'the hold to move',
    );
    const moved = await f.order(order.id);
    expect(moved.status).toBe('CONFIRMED');
    expect(moved.fulfilment.storeId).toBe(f.storeB.id);
    expect(kinds(moved)).toContain('HOLD_MOVED');
    await until(
      async () => f.notifier.sent.filter((n) => n.orderId === order.id),
      (s) => s.length > 0,
      'the notice',
    );
    const [notice, ...more] = f.notifier.sent.filter((n) => n.orderId === order.id);
    expect(more).toEqual([]);
    // The customer reads the order's number, never its id.
    expect(moved.orderNumber).toMatch(/^SF-\d+$/);
    expect(notice).toMatchObject({
      customerId: order.customerId,
      kind: 'PICKUP_MOVED',
      orderNumber: moved.orderNumber,
    });
    expect(notice!.message).toBe(
      `Order ${moved.orderNumber}: Store RP-A (RP-A) sold out of an item of your order, so it is now waiting for you at Store RP-B (RP-B), 0 km away. Nothing else changes.`,
    );
    expect(f.payments.charged(order.id)).toBe(order.totalMinor);
  });

  it('a hold no store can take cancels its order, refunds it and tells the customer', async () => {
    const order = await f.placePickup(f.storeA.id, 'VASE', 2, `cancelled-${target.name}`);
    await f.stock(f.storeA.id, 'VASE', -2, 'SALE'); // sold offline: none left, and none near

    const ended = await until(
      () => f.order(order.id),
      (o) => o.status === 'CANCELLED',
      'the order to be cancelled',
    );
    expect(kinds(ended)).toEqual(expect.arrayContaining(['HOLD_CANCELLED', 'VOID_PAYMENT', 'CANCELLED']));
    expect((await f.hold(order.reservationId)).status).toBe('RELEASED');
    expect(await f.payments.status(order.id)).toBe('VOIDED');
    expect(f.payments.charged(order.id)).toBe(0);
    const sent = await until(
      async () => f.notifier.sent.filter((n) => n.orderId === order.id),
      (s) => s.length > 0,
      'the notice',
    );
    expect(sent.map((n) => n.kind)).toEqual(['ORDER_CANCELLED']);
    expect(sent[0]!.orderNumber).toBe(ended.orderNumber);
    expect(sent[0]!.message.startsWith(`Order ${ended.orderNumber}: Sorry: `)).toBe(true);
    expect(sent[0]!.message.slice(`Order ${ended.orderNumber}: `.length)).toMatch(
      /^Sorry: the store sold out of these items and no store within 50 km has them; the order was cancelled\. Your payment of \d+\.\d\d USD is refunded in full\.$/,
    );
  });
});
