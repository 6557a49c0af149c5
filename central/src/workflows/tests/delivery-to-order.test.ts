import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { WorkflowRepository } from '../index.js';
import { DeliveryFlowHub, twoHour } from './support/delivery-hub.js';
import { kinds, until } from './support/flow-hub.js';

/**
 * The order saga's DELIVERY step and the order following its delivery: the promise checked before anything is held,
 * the delivery requested at FULFIL (and cancelled by its compensation), a cancel refused once the driver has the
 * goods, a delivery nobody takes cancelling the order, a returned one refunding it once.
 */
describe.each(dbTargets)('a DELIVERY order and its delivery, on $name', (target) => {
  const f = new DeliveryFlowHub();
  const dollars = (minor: number) => `$${(minor / 100).toFixed(2)}`;
  const notices = (orderId: string) => new WorkflowRepository(f.t.hub.db).notificationsOf(orderId);

  beforeAll(async () => {
    await f.start(target, ['DL-A', 'DL-B']);
    await f.products('KETTLE');
    await f.stock(f.storeA.id, 'KETTLE', 100, 'RECEIVE');
  });
  afterAll(() => f.stop());

  it('placed: the delivery is requested with the order, its hold and the address; the order keeps its window', async () => {
    const placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 2, `placed-${target.name}`);
    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe('CONFIRMED');
    const asked = f.desk.requests.get(placed.body.id)!;
    expect(asked.order).toEqual({
      orderId: placed.body.id,
      orderNumber: placed.body.orderNumber,
      storeId: f.storeA.id,
      reservationId: placed.body.reservationId,
      customerName: `Dana placed-${target.name}`,
      request: twoHour(),
      lines: [{ sku: 'KETTLE', qty: 2 }],
    });
    expect(placed.body.fulfilmentRef).toBe(`delivery:${asked.id}`);
    expect(placed.body.fulfilment.delivery).toEqual(twoHour());
    expect(placed.body.fulfilment.promisedWindow).toEqual({ from: 1_800_000_000_000, to: 1_800_007_200_000 });
    expect((await f.hold(placed.body.reservationId)).status).toBe('CONFIRMED');
    expect(await f.payments.status(placed.body.id)).toBe('APPROVED');
  });

  it('a promise no carrier can keep is refused (422, the sentence) before anything is created or held', async () => {
    f.desk.noCarrier = 'no carrier can deliver 14 kg to 6.0 km away before 16:00; next-day delivery can';
    const before = await f.reserved(f.storeA.id, 'KETTLE');
    const authorisations = f.payments.authorisations;
    try {
      const placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `refused-${target.name}`);
      expect(placed.status).toBe(422);
      expect(placed.headers.get('content-type')).toContain('application/problem+json');
      expect(placed.body.detail).toBe(f.desk.noCarrier);
    } finally {
      f.desk.noCarrier = null;
    }
    const { rows } = await f.t.hub.db.query('SELECT id FROM orders WHERE place_key = $1', [`refused-${target.name}`]);
    expect(rows).toEqual([]);
    expect(await f.reserved(f.storeA.id, 'KETTLE')).toBe(before);
    expect(f.payments.authorisations).toBe(authorisations);
  });

  it('a promise lost between the check and FULFIL fails the order with the sentence, payment voided, hold released', async () => {
    f.desk.lostAtRequest = 'the last van that could reach 10013 before 16:00 has just filled up';
    const before = await f.reserved(f.storeA.id, 'KETTLE');
    let placed: Awaited<ReturnType<typeof f.placeDelivery>>;
    try {
      placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 3, `lost-${target.name}`);
    } finally {
      f.desk.lostAtRequest = null;
    }
    expect(placed.body.status).toBe('FAILED');
    expect(placed.body.failure).toBe('the last van that could reach 10013 before 16:00 has just filled up');
    expect(kinds(await f.order(placed.body.id))).toEqual(
      expect.arrayContaining(['FULFIL_FAILED', 'VOID_PAYMENT', 'RELEASE_HOLD', 'FAILED']),
    );
    expect(await f.payments.status(placed.body.id)).toBe('VOIDED');
    expect((await f.hold(placed.body.reservationId)).status).toBe('RELEASED');
    expect(await f.reserved(f.storeA.id, 'KETTLE')).toBe(before);
  });

  it('assigned: the timeline says who brings it and when, in the store’s time', async () => {
    const placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `assigned-${target.name}`);
    await f.desk.tell('assigned', placed.body.id, {
      carrier: 'VAN-S001-1 (in-house van)',
      eta: Date.UTC(2026, 2, 3, 14, 30),
    });
    const o = await f.order(placed.body.id);
    expect(o.timeline.at(-1)).toMatchObject({
      kind: 'DELIVERY_ASSIGNED',
      detail: { carrier: 'VAN-S001-1 (in-house van)', says: 'VAN-S001-1 (in-house van) brings it, ETA 14:30' },
    });
  });

  it('no carrier took it: the order is cancelled, its hold released, its payment voided and the customer told', async () => {
    const placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 2, `unassigned-${target.name}`);
    const before = await f.reserved(f.storeA.id, 'KETTLE');
    await f.desk.tell('unassigned', placed.body.id, { reason: 'no carrier accepted it in time' });
    const ended = await until(
      () => f.order(placed.body.id),
      (o) => o.status === 'CANCELLED',
      'the cancellation',
    );
    expect(kinds(ended)).toEqual(
      expect.arrayContaining(['DELIVERY_UNASSIGNED', 'CANCEL_FULFILMENT', 'VOID_PAYMENT', 'CANCELLED']),
    );
    expect(await f.payments.status(placed.body.id)).toBe('VOIDED');
    expect((await f.hold(placed.body.reservationId)).status).toBe('RELEASED');
    expect(await f.reserved(f.storeA.id, 'KETTLE')).toBe(before - 2);
    const told = await until(
      () => notices(placed.body.id),
      (n) => n.length > 0,
      'the notice',
    );
    expect(told.map((n) => n.message)).toEqual([
      `Order ${placed.body.orderNumber}: No carrier accepted it in time. The order is cancelled and your payment of ${dollars(placed.body.totalMinor)} is voided: you have not been charged.`,
    ]);
  });

  it('no carrier took it before the saga confirmed the order: it fails with the reason, payment voided, hold released', async () => {
    f.desk.declinedAtOnce = 'every carrier near Store DL-A declined it';
    const before = await f.reserved(f.storeA.id, 'KETTLE');
    let placed: Awaited<ReturnType<typeof f.placeDelivery>>;
    try {
      placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `declined-${target.name}`);
    } finally {
      f.desk.declinedAtOnce = null;
    }
    const ended = await until(
      () => f.order(placed.body.id),
      (o) => o.status === 'FAILED',
      'the failure',
    );
    expect(ended).toMatchObject({ failure: 'every carrier near Store DL-A declined it' });
    expect(kinds(ended)).toEqual(expect.arrayContaining(['DELIVERY_UNASSIGNED', 'CANCEL_FULFILMENT', 'VOID_PAYMENT']));
    expect(kinds(ended)).not.toContain('CONFIRMED');
    expect(await f.payments.status(placed.body.id)).toBe('VOIDED');
    expect((await f.hold(placed.body.reservationId)).status).toBe('RELEASED');
    expect(await f.reserved(f.storeA.id, 'KETTLE')).toBe(before);
  });

  it('a checkout from the cart passes the delivery in its body; the cart is emptied', async () => {
    const customerId = (await f.t.call('POST', '/api/customers', { name: 'Cart Customer' }, f.admin)).body.id;
    const chosen = { type: 'DELIVERY', storeId: f.storeA.id };
    expect((await f.t.call('PUT', `/api/carts/${customerId}/fulfilment`, chosen, f.admin)).status).toBe(200);
    expect((await f.t.call('POST', `/api/carts/${customerId}/lines`, { sku: 'KETTLE', qty: 1 }, f.admin)).status).toBe(
      200,
    );
    const bare = await f.t.call('POST', '/api/orders', { customerId, placeKey: `cart-bare-${target.name}` }, f.admin);
    expect(bare.status).toBe(400);
    expect(bare.body.detail).toBe(
      'the cart is for delivery: send fulfilment with its delivery (speed and address) to check out',
    );
    const placed = await f.t.call(
      'POST',
      '/api/orders',
      {
        customerId,
        placeKey: `cart-${target.name}`,
        fulfilment: { type: 'DELIVERY', storeId: f.storeA.id, delivery: twoHour() },
      },
      f.admin,
    );
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'CONFIRMED', fromCart: true, fulfilment: { delivery: twoHour() } });
    expect(f.desk.requests.get(placed.body.id)!.order.lines).toEqual([{ sku: 'KETTLE', qty: 1 }]);
    const cart = await f.t.call('GET', `/api/carts/${customerId}`, undefined, f.admin);
    expect(cart.body.lines).toEqual([]);
  });

  it('a cancel before the hand-over cancels the delivery; after the driver took the goods it is refused (409)', async () => {
    const early = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `cancel-early-${target.name}`);
    const cancel = await f.t.call('POST', `/api/orders/${early.body.id}/cancel`, undefined, f.admin);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('CANCELLED');
    expect(f.desk.requests.get(early.body.id)!.status).toBe('CANCELLED');
    expect(await f.payments.status(early.body.id)).toBe('VOIDED');

    const late = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `cancel-late-${target.name}`);
    f.desk.requests.get(late.body.id)!.status = 'OUT_FOR_DELIVERY'; // the desk heard of the hand-over first
    const refused = await f.t.call('POST', `/api/orders/${late.body.id}/cancel`, undefined, f.admin);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(
      `order ${late.body.orderNumber} has left Store DL-A (DL-A) with its driver and can no longer be cancelled: the customer may refuse it at the door`,
    );
    expect((await f.order(late.body.id)).status).toBe('CONFIRMED');
    expect((await f.hold(late.body.reservationId)).status).toBe('CONFIRMED');
    expect(await f.payments.status(late.body.id)).toBe('APPROVED');

    // The store's hand-over of the hold reaches the hub: handed to the driver, payment captured, cancel still refused.
    const at = Date.UTC(2026, 2, 3, 13, 5);
    await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: late.body.reservationId }, at);
    const out = await until(
      () => f.order(late.body.id),
      (o) => kinds(o).includes('PAYMENT_CAPTURED'),
      'the capture',
    );
    expect(out.status).toBe('PICKED_UP');
    expect(kinds(out)).not.toContain('PICKED_UP');
    expect(out.timeline.find((e) => e.kind === 'HANDED_TO_DRIVER')!.detail).toEqual({ storeId: f.storeA.id, at });
    const again = await f.t.call('POST', `/api/orders/${late.body.id}/cancel`, undefined, f.admin);
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe(
      `order ${late.body.orderNumber} was already handed to the driver at Store DL-A (DL-A) at 2026-03-03T13:05:00.000Z; it can no longer be cancelled: the customer may refuse it at the door`,
    );
  });

  it('failed at the door, then returned: the order is refunded once and the customer told', async () => {
    const placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `returned-${target.name}`);
    await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: placed.body.reservationId });
    await until(
      () => f.order(placed.body.id),
      (o) => kinds(o).includes('PAYMENT_CAPTURED'),
      'the capture',
    );
    await f.desk.tell('failed', placed.body.id, { reason: 'nobody was home' });
    await f.desk.tell('returned', placed.body.id, {});
    await f.desk.tell('returned', placed.body.id, {}); // told twice (a hub restarted mid-way): still one refund
    const refunded = await until(
      () => f.order(placed.body.id),
      (o) => kinds(o).includes('REFUNDED'),
      'the refund',
    );
    expect(kinds(refunded).filter((k) => k.startsWith('REFUND'))).toEqual(['REFUND_REQUESTED', 'REFUNDED']);
    expect(refunded.timeline.find((e) => e.kind === 'DELIVERY_FAILED')!.detail).toMatchObject({
      reason: 'nobody was home',
    });
    expect(await f.payments.status(placed.body.id)).toBe('REFUNDED');
    const told = await until(
      () => notices(placed.body.id),
      (n) => n.length > 0,
      'the notice',
    );
    expect(told.map((n) => n.message)).toEqual([
      `Order ${placed.body.orderNumber}: Your delivery could not be completed and the goods are back at Store DL-A (DL-A). Your payment of ${dollars(placed.body.totalMinor)} is refunded in full.`,
    ]);
    const staff = await f.t.call('POST', `/api/orders/${placed.body.id}/refund`, undefined, f.admin);
    expect(staff.status).toBe(409);
    expect(staff.body.detail).toContain('was already refunded');
  });
});
