import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { DeliveryDeskFake } from './support/delivery-desk-fake.js';
import { DeliveryFlowHub } from './support/delivery-hub.js';
import { kinds, until } from './support/flow-hub.js';

/**
 * A delivery nobody takes before its order's saga has confirmed it: every carrier declined between the desk creating
 * the delivery and the saga recording FULFIL. Real carriers cannot be made to answer inside that window on demand, so
 * the delivery module is the desk stand-in here, which declines for every carrier before `request` returns. The order
 * must end FAILED with the reason (its checkout answers the customer), its payment voided and its hold released —
 * never CONFIRMED with a delivery nobody will make.
 */
describe.each(dbTargets)('a delivery unassigned while its saga runs, on $name', (target) => {
  const f = new DeliveryFlowHub(new DeliveryDeskFake());

  beforeAll(async () => {
    await f.start(target, ['DR-A', 'DR-B']);
    await f.products('KETTLE');
    await f.stock(f.storeA.id, 'KETTLE', 10, 'RECEIVE');
  });
  afterAll(() => f.stop());

  it('fails the order with the reason, voids the payment and releases the hold', async () => {
    const desk = f.desk!;
    desk.declinedAtOnce = 'every carrier near Store DR-A declined it';
    let placed: Awaited<ReturnType<typeof f.placeDelivery>>;
    try {
      placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `declined-${target.name}`);
    } finally {
      desk.declinedAtOnce = null;
    }
    const ended = await until(
      () => f.order(placed.body.id),
      (o) => o.status === 'FAILED',
      'the failure',
    );
    expect(ended).toMatchObject({ failure: 'every carrier near Store DR-A declined it' });
    expect(kinds(ended)).toEqual(expect.arrayContaining(['DELIVERY_UNASSIGNED', 'CANCEL_FULFILMENT', 'VOID_PAYMENT']));
    expect(kinds(ended)).not.toContain('CONFIRMED');
    expect(await f.payments.status(placed.body.id)).toBe('VOIDED');
    expect((await f.hold(placed.body.reservationId)).status).toBe('RELEASED');
    expect(await f.reserved(f.storeA.id, 'KETTLE')).toBe(0);
  });
});
