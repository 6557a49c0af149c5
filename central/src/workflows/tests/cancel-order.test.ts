import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { WorkflowRepository } from '../index.js';
import { FlowHub, kinds, until } from './support/flow-hub.js';

/**
 * Cancel racing a hand-over an offline store did: the hand-over wins (the goods left). A cancel after the hand-over
 * reached the hub is refused with where and when; a hand-over that reaches the hub after the cancel raises an
 * incident; and the hold is released before the payment is voided, so a hand-over is never applied between the two.
 */
describe.each(dbTargets)('cancelling an order its store may have handed over, on $name', (target) => {
  const f = new FlowHub();
  const holdAtVoid = new Map<string, string>();

  beforeAll(async () => {
    await f.start(target, ['CX-A', 'CX-B']);
    await f.products('KETTLE');
    await f.stock(f.storeA.id, 'KETTLE', 50, 'RECEIVE');
    // What the hub held when the provider was asked to void: the order's hold must be released by then.
    const voidOf = f.payments.void.bind(f.payments);
    f.payments.void = async (key) => {
      const order = (
        await f.t.hub.db.query<{ status: string }>(
          'SELECT r.status FROM orders o JOIN reservations r ON r.id = o.reservation_id WHERE o.id = $1',
          [key],
        )
      ).rows[0];
      if (order) holdAtVoid.set(key, order.status);
      return voidOf(key);
    };
  });
  afterAll(() => f.stop());

  it('a hand-over that reached the hub first wins: the cancel is refused with where and when, nothing is voided', async () => {
    const order = await f.placePickup(f.storeA.id, 'KETTLE', 1, `first-${target.name}`);
    const at = Date.UTC(2026, 0, 15, 14, 30);
    await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: order.reservationId }, at);

    const cancel = await f.t.call('POST', `/api/orders/${order.id}/cancel`, undefined, f.admin);
    expect(cancel.status).toBe(409);
    expect(cancel.body.detail).toBe(
      `order ${order.id} was already picked up at Store CX-A (CX-A) at 2026-01-15T14:30:00.000Z; start a return instead`,
    );
    expect((await f.order(order.id)).status).toBe('PICKED_UP');
    await until(
      () => f.payments.status(order.id),
      (s) => s === 'CAPTURED',
      'the capture',
    );
    expect(holdAtVoid.has(order.id)).toBe(false);
  });

  it('a cancel releases the hold before voiding; a hand-over arriving after it stands and raises an incident', async () => {
    const order = await f.placePickup(f.storeA.id, 'KETTLE', 2, `after-${target.name}`);
    const cancel = await f.t.call('POST', `/api/orders/${order.id}/cancel`, undefined, f.admin);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('CANCELLED');
    expect(holdAtVoid.get(order.id)).toBe('RELEASED');
    expect(await f.payments.status(order.id)).toBe('VOIDED');

    const handedOverAt = Date.now() - 60_000; // the store, offline, handed it over a minute ago; it hears of the cancel later
    await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: order.reservationId }, handedOverAt);
    expect((await f.hold(order.reservationId)).status).toBe('FULFILLED');
    const incidents = (await new WorkflowRepository(f.t.hub.db).incidents(50)).filter(
      (i) => i.reservationId === order.reservationId,
    );
    expect(incidents).toEqual([
      expect.objectContaining({
        kind: 'PICKUP_AFTER_END',
        storeId: f.storeA.id,
        orderId: order.id,
        detail: { holdEndedAs: 'RELEASED', handedOverAt, orderStatus: 'CANCELLED' },
      }),
    ]);
    const o = await f.order(order.id);
    expect(o.status).toBe('CANCELLED');
    expect(kinds(o).at(-1)).toBe('HANDED_OVER_AFTER_END');
  });

  it('a cancel of a picked-up order stays refused (the same answer each time), and of an unknown one is 404', async () => {
    const order = await f.placePickup(f.storeA.id, 'KETTLE', 1, `again-${target.name}`);
    await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: order.reservationId });
    const [one, two] = [
      await f.t.call('POST', `/api/orders/${order.id}/cancel`, undefined, f.admin),
      await f.t.call('POST', `/api/orders/${order.id}/cancel`, undefined, f.admin),
    ];
    expect([one.status, two.status]).toEqual([409, 409]);
    expect(two.body.detail).toBe(one.body.detail);
    expect(
      (await f.t.call('POST', '/api/orders/0190f0f0-0000-7000-8000-00000000dead/cancel', undefined, f.admin)).status,
    ).toBe(404);
  });
});
