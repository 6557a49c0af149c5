import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { DriverLink } from '../../modules/delivery/tracking/driver-simulator.js';
import { WorkflowRepository } from '../index.js';
import { DeliveryFlowHub, north, simulator, STORE_AT, twoHour } from './support/delivery-hub.js';
import { kinds, until } from './support/flow-hub.js';

/** Store B stands 90 km north of A, store C 180 km: each is served by its own carriers only. */
const B_AT = north(STORE_AT, 90);
const C_AT = north(STORE_AT, 180);
const ZONE = 'America/New_York';
const hm = (ms: number) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

/**
 * The order saga's DELIVERY step with the hub's delivery module, end to end: the promise checked before anything is
 * held, the delivery requested at FULFIL and offered to carriers (simulated as their rows say), a promise lost before
 * FULFIL compensated, a delivery every carrier declines cancelling its order, a cancel before the hand-over cancelling
 * the delivery and one after it refused, a failed delivery brought back refunding the order once.
 */
describe.each(dbTargets)('a DELIVERY order and its delivery, on $name', (target) => {
  const f = new DeliveryFlowHub();
  let storeC: { id: string };
  let drone: { id: string };
  let taker: { driverToken: string };
  const dollars = (minor: number) => `$${(minor / 100).toFixed(2)}`;
  const notices = (orderId: string) => new WorkflowRepository(f.t.hub.db).notificationsOf(orderId);

  beforeAll(async () => {
    await f.start(target, ['DL-A', 'DL-B']);
    storeC = await f.t.store('DL-C', f.admin.cookie!);
    await f.locate(f.storeA.id, { ...STORE_AT, timezone: ZONE });
    await f.locate(f.storeB.id, { ...B_AT, timezone: ZONE });
    await f.locate(storeC.id, { ...C_AT, timezone: ZONE });
    // A: a gig driver who takes every offer at once. B: two who decline every one, after 0.3–0.4 s. C: one drone.
    taker = await f.carrier('GIG-TAKER', STORE_AT, { simulator: simulator(true) });
    await f.carrier('GIG-NO-1', B_AT, { simulator: simulator(false, [300, 400]) });
    await f.carrier('GIG-NO-2', B_AT, { simulator: simulator(false, [300, 400]) });
    drone = await f.carrier('DRONE-C', null, {
      kind: 'DRONE',
      depotId: storeC.id,
      capacityGrams: 2_500,
      simulator: simulator(true),
    });
    await f.products('KETTLE');
    for (const s of [f.storeA.id, f.storeB.id, storeC.id]) await f.stock(s, 'KETTLE', 100, 'RECEIVE');
  }, 120_000);
  afterAll(() => f.stop());

  it('placed: the delivery is made for the order and its hold, offered, and assigned; the timeline says who and when', async () => {
    const placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 2, `placed-${target.name}`);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      status: 'CONFIRMED',
      fulfilment: { type: 'DELIVERY', delivery: twoHour() },
      fulfilmentRef: expect.stringMatching(/^delivery:[0-9a-f-]{36}$/),
    });
    const assigned = await f.deliveryReaches(placed.body, 'ASSIGNED');
    expect(assigned.delivery).toMatchObject({
      orderId: placed.body.id,
      orderNumber: placed.body.orderNumber,
      storeId: f.storeA.id,
      reservationId: placed.body.reservationId,
      customerName: `Dana placed-${target.name}`,
      lines: [{ sku: 'KETTLE', qty: 2 }],
      window: placed.body.fulfilment.promisedWindow,
    });
    expect(assigned.carrier.code).toBe('GIG-TAKER');
    const o = await until(
      () => f.order(placed.body.id),
      (x) => kinds(x).includes('DELIVERY_ASSIGNED'),
      'the timeline line',
    );
    const line = o.timeline.find((e) => e.kind === 'DELIVERY_ASSIGNED')!;
    expect(line.detail).toEqual({
      deliveryId: assigned.delivery.id,
      carrier: 'GIG-TAKER',
      eta: assigned.delivery.eta,
      says: `GIG-TAKER brings it, ETA ${hm(assigned.delivery.eta)}`,
    });
    expect((await f.hold(placed.body.reservationId)).status).toBe('CONFIRMED');
    expect(await f.payments.status(placed.body.id)).toBe('APPROVED');
  });

  it('a promise no carrier can keep is refused (422, the sentence) before anything is created, held or charged', async () => {
    const before = await f.reserved(f.storeA.id, 'KETTLE');
    const authorisations = f.payments.authorisations;
    const deliveries = async () => (await f.t.hub.db.query('SELECT id FROM deliveries')).rows.length;
    const made = await deliveries();
    const far = twoHour(STORE_AT, 60); // beyond the 20 km the store's only carrier serves
    const placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `refused-${target.name}`, far);
    expect(placed.status).toBe(422);
    expect(placed.headers.get('content-type')).toContain('application/problem+json');
    expect(placed.body.detail).toMatch(
      /^no carrier can deliver 500 g to 60 km away before \d\d:\d\d(?: tomorrow)? \(the door is beyond the area of every carrier that serves Store DL-A\)/,
    );
    const { rows } = await f.t.hub.db.query('SELECT id FROM orders WHERE place_key = $1', [`refused-${target.name}`]);
    expect(rows).toEqual([]);
    expect(await deliveries()).toBe(made);
    expect(await f.reserved(f.storeA.id, 'KETTLE')).toBe(before);
    expect(f.payments.authorisations).toBe(authorisations);
  });

  it('a promise lost between the check and FULFIL (the drone grounded meanwhile) fails the order with the sentence; all undone', async () => {
    const before = await f.reserved(storeC.id, 'KETTLE');
    // The weather grounds the only drone while the payment is being authorised: after the check, before FULFIL.
    const authorise = f.payments.authorise.bind(f.payments);
    f.payments.authorise = async (req) => {
      const r = await f.t.call('PATCH', `/api/delivery/carriers/${drone.id}`, { grounded: true }, f.admin);
      if (r.status !== 200) throw new Error(`grounding: ${r.status} ${JSON.stringify(r.body)}`);
      return authorise(req);
    };
    let placed: Awaited<ReturnType<typeof f.placeDelivery>>;
    try {
      placed = await f.placeDelivery(storeC.id, 'KETTLE', 1, `lost-${target.name}`, twoHour(C_AT, 3));
    } finally {
      f.payments.authorise = authorise;
      await f.t.call('PATCH', `/api/delivery/carriers/${drone.id}`, { grounded: false }, f.admin);
    }
    expect(placed.body.status).toBe('FAILED');
    expect(placed.body.failure).toMatch(
      /^no carrier can deliver .* \(the drones that could take it are grounded by the weather\)$/,
    );
    const o = await f.order(placed.body.id);
    expect(kinds(o)).toEqual(expect.arrayContaining(['FULFIL_FAILED', 'VOID_PAYMENT', 'RELEASE_HOLD', 'FAILED']));
    expect(o.timeline.find((e) => e.kind === 'FULFIL_FAILED')!.detail).toEqual({ reason: placed.body.failure });
    expect(await f.payments.status(placed.body.id)).toBe('VOIDED');
    expect((await f.hold(placed.body.reservationId)).status).toBe('RELEASED');
    expect(await f.reserved(storeC.id, 'KETTLE')).toBe(before);
    const { rows } = await f.t.hub.db.query('SELECT id FROM deliveries WHERE order_id = $1', [placed.body.id]);
    expect(rows).toEqual([]);
  });

  it('every carrier declines: the order is cancelled, its hold released, its payment voided and the customer told', async () => {
    const before = await f.reserved(f.storeB.id, 'KETTLE');
    const placed = await f.placeDelivery(f.storeB.id, 'KETTLE', 2, `declined-${target.name}`, twoHour(B_AT, 3));
    expect(placed.body.status).toBe('CONFIRMED');
    const ended = await until(
      () => f.order(placed.body.id),
      (o) => o.status === 'CANCELLED',
      'the cancellation',
    );
    const d = await f.delivery(placed.body);
    expect(d.delivery.status).toBe('UNASSIGNED');
    expect(d.offers.map((x: { status: string }) => x.status)).toEqual(['DECLINED', 'DECLINED']);
    expect(kinds(ended)).toEqual(
      expect.arrayContaining(['DELIVERY_UNASSIGNED', 'CANCEL_FULFILMENT', 'VOID_PAYMENT', 'CANCELLED']),
    );
    expect(ended.timeline.find((e) => e.kind === 'DELIVERY_UNASSIGNED')!.detail).toMatchObject({
      deliveryId: d.delivery.id,
      reason: d.delivery.failure,
      holdReleased: placed.body.reservationId,
    });
    expect(await f.payments.status(placed.body.id)).toBe('VOIDED');
    expect(f.payments.charged(placed.body.id)).toBe(0);
    expect((await f.hold(placed.body.reservationId)).status).toBe('RELEASED');
    expect(await f.reserved(f.storeB.id, 'KETTLE')).toBe(before);
    const told = await until(
      () => notices(placed.body.id),
      (n) => n.length > 0,
      'the notice',
    );
    const reason = String(d.delivery.failure);
    expect(told.map((n) => [n.kind, n.message])).toEqual([
      [
        'ORDER_CANCELLED',
        `Order ${placed.body.orderNumber}: ${reason[0]!.toUpperCase()}${reason.slice(1)}${/[.!?]$/.test(reason) ? '' : '.'} The order is cancelled and your payment of ${dollars(placed.body.totalMinor)} is voided: you have not been charged.`,
      ],
    ]);
  });

  it('a cancel before the hand-over cancels the delivery; once the driver has the goods it is refused (409)', async () => {
    const early = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `cancel-early-${target.name}`);
    await f.deliveryReaches(early.body, 'ASSIGNED');
    const cancel = await f.t.call('POST', `/api/orders/${early.body.id}/cancel`, undefined, f.admin);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('CANCELLED');
    expect((await f.delivery(early.body)).delivery.status).toBe('CANCELLED');
    expect(await f.payments.status(early.body.id)).toBe('VOIDED');
    expect((await f.hold(early.body.reservationId)).status).toBe('RELEASED');

    // The store hands the bag over (offline, one write: the delivery's event, then the hold's); the hub hears the
    // delivery's first: the cancel is refused and nothing of the order changes.
    const late = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `cancel-late-${target.name}`);
    const d = await f.deliveryReaches(late.body, 'ASSIGNED');
    const at = Date.UTC(2026, 2, 3, 13, 5);
    await f.storeEvent(f.storeA.id, 'delivery.handed-to-driver', { deliveryId: d.delivery.id, at }, at);
    expect((await f.delivery(late.body)).delivery.status).toBe('OUT_FOR_DELIVERY');
    const refused = await f.t.call('POST', `/api/orders/${late.body.id}/cancel`, undefined, f.admin);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toBe(
      `order ${late.body.orderNumber} has left Store DL-A (DL-A) with its driver and can no longer be cancelled: the customer may refuse it at the door`,
    );
    expect((await f.order(late.body.id)).status).toBe('CONFIRMED');
    expect((await f.hold(late.body.reservationId)).status).toBe('CONFIRMED');
    expect(await f.payments.status(late.body.id)).toBe('APPROVED');

    // The hold's hand-over follows: handed to the driver (not "picked up"), payment captured, cancel still refused.
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

  it('failed at the door and brought back: the order is refunded once and the customer told', async () => {
    const placed = await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `returned-${target.name}`);
    const d = (await f.deliveryReaches(placed.body, 'ASSIGNED')).delivery;
    await f.storeEvent(f.storeA.id, 'delivery.handed-to-driver', { deliveryId: d.id, at: Date.now() });
    await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: placed.body.reservationId });
    await until(
      () => f.order(placed.body.id),
      (o) => kinds(o).includes('PAYMENT_CAPTURED'),
      'the capture',
    );
    const driver = await DriverLink.connect(f.t.url, taker.driverToken);
    try {
      expect(await driver.ask({ type: 'failed', deliveryId: d.id, reason: 'nobody was home' })).toMatchObject({
        type: 'ok',
      });
      expect(await driver.ask({ type: 'back-at-store', deliveryId: d.id })).toMatchObject({ type: 'ok' });
      // the app sends it again (its answer was lost): nothing more happens
      expect(await driver.ask({ type: 'back-at-store', deliveryId: d.id })).toMatchObject({ type: 'ok' });
    } finally {
      await driver.close();
    }
    expect((await f.delivery(placed.body)).delivery.status).toBe('RETURNED');
    const refunded = await until(
      () => f.order(placed.body.id),
      (o) => kinds(o).includes('REFUNDED'),
      'the refund',
    );
    expect(kinds(refunded).filter((k) => k.startsWith('REFUND') || k.startsWith('DELIVERY_'))).toEqual([
      'DELIVERY_ASSIGNED',
      'DELIVERY_FAILED',
      'DELIVERY_RETURNED',
      'REFUND_REQUESTED',
      'REFUNDED',
    ]);
    expect(refunded.timeline.find((e) => e.kind === 'DELIVERY_FAILED')!.detail).toEqual({
      deliveryId: d.id,
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
    expect(kinds(await f.order(placed.body.id)).filter((k) => k === 'REFUNDED')).toHaveLength(1);
  });

  it('a checkout from the cart passes the delivery in its body; the cart is emptied', async () => {
    const customerId = (await f.t.call('POST', '/api/customers', { name: 'Cart Customer' }, f.admin)).body.id;
    const chosen = { type: 'DELIVERY', storeId: f.storeA.id };
    expect((await f.t.call('PUT', `/api/carts/${customerId}/fulfilment`, chosen, f.admin)).status).toBe(200);
    const added = await f.t.call('POST', `/api/carts/${customerId}/lines`, { sku: 'KETTLE', qty: 1 }, f.admin);
    expect(added.status).toBe(200);
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
    expect((await f.delivery(placed.body)).delivery.lines).toEqual([{ sku: 'KETTLE', qty: 1 }]);
    const cart = await f.t.call('GET', `/api/carts/${customerId}`, undefined, f.admin);
    expect(cart.body.lines).toEqual([]);
  });
});
