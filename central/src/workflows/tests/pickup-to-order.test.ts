import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { FlowHub, kinds, until } from './support/flow-hub.js';

/**
 * The order follows its pickup: a store's hand-over (which may reach the hub long after, from an offline store)
 * completes the order and captures its payment; a no-show cancels it and voids the payment. Before, both left the
 * order CONFIRMED and the payment held.
 */
describe.each(dbTargets)('an order and its pickup, on $name', (target) => {
  const f = new FlowHub();

  beforeAll(async () => {
    await f.start(target, ['PU-A', 'PU-B']);
    await f.products('MUG');
    await f.stock(f.storeA.id, 'MUG', 20, 'RECEIVE');
  });
  afterAll(() => f.stop());

  it('a hand-over at the store completes the order (when, where) and captures the payment', async () => {
    const order = await f.placePickup(f.storeA.id, 'MUG', 2, `pickup-${target.name}`);
    expect(await f.payments.status(order.id)).toBe('APPROVED');
    const handedOverAt = Date.now() - 3_600_000; // an hour ago, offline; the event arrives now
    await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: order.reservationId }, handedOverAt);

    const done = await f.order(order.id);
    expect(done.status).toBe('PICKED_UP');
    expect(done.pickedUp).toEqual({ storeId: f.storeA.id, at: handedOverAt });
    expect(done.timeline.find((e) => e.kind === 'PICKED_UP')!.detail).toEqual({
      storeId: f.storeA.id,
      at: handedOverAt,
    });
    const captured = await until(
      () => f.order(order.id),
      (o) => kinds(o).includes('PAYMENT_CAPTURED'),
      'the capture',
    );
    expect(kinds(captured).slice(-2)).toEqual(['PICKED_UP', 'PAYMENT_CAPTURED']);
    expect(await f.payments.status(order.id)).toBe('CAPTURED');
    expect(f.payments.charged(order.id)).toBe(order.totalMinor);
  });

  it('a no-show cancels the order and voids its payment', async () => {
    const order = await f.placePickup(f.storeA.id, 'MUG', 1, `no-show-${target.name}`);
    await f.storeEvent(f.storeA.id, 'reservation.no-show', { reservationId: order.reservationId });

    const ended = await until(
      () => f.order(order.id),
      (o) => o.status === 'CANCELLED',
      'the cancellation',
    );
    expect(kinds(ended)).toEqual(expect.arrayContaining(['NO_SHOW', 'VOID_PAYMENT', 'CANCELLED']));
    expect(ended.timeline.at(-1)!.detail).toEqual({ reason: 'the customer did not come to collect it' });
    expect(await f.payments.status(order.id)).toBe('VOIDED');
    expect(f.payments.charged(order.id)).toBe(0);
    expect((await f.hold(order.reservationId)).status).toBe('RELEASED');
  });
});
