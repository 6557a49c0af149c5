import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { parkedOf } from '../../../tests/support/store-outbox.js';
import { TestHub } from '../../../tests/support/test-hub.js';
import type { Queryable } from '../../db/db.js';
import { discoverModules } from '../../kernel/discover-modules.js';
import { provide, provided } from '../../kernel/ports.js';
import { DELIVERY_DESK, type DeliveryDesk } from '../../kernel/ports/delivery.js';
import { DriverLink } from '../../modules/delivery/tracking/driver-simulator.js';
import { PAYMENTS_PROVIDER } from '../../modules/orders/index.js';
import { NOTIFICATIONS_SENDER } from '../index.js';
import { DeliveryFlowHub, simulator, STORE_AT, twoHour } from './support/delivery-hub.js';
import { kinds, until } from './support/flow-hub.js';

/**
 * The goods of a DELIVERY order leave their store exactly once, whoever speaks first — the store's desk (its hold's
 * hand-over and `delivery.handed-to-driver`, maybe sent up late) or the driver's app (`collected`) — and a cancel
 * never leaves a customer charged for a delivery that was called off, nor goods with a driver and no way back.
 */
describe.each(dbTargets)('a delivery handed over once, on $name', (target) => {
  const f = new DeliveryFlowHub();
  /** Runs right after the delivery desk cancelled an order's delivery (`inTx`: inside the cancel's transaction). */
  let afterDeskCancel: ((orderId: string, inTx: boolean) => Promise<void>) | undefined;
  let gig: { driverToken: string };

  beforeAll(async () => {
    // The hub's own delivery module, its desk's cancel observed so a store's hand-over can land right after it.
    const modules = (await discoverModules()).map((m) =>
      m.name !== 'delivery'
        ? m
        : {
            ...m,
            provides: (ctx: Parameters<NonNullable<typeof m.provides>>[0]) => {
              const all = m.provides!(ctx);
              const real = provided(all, DELIVERY_DESK)!;
              const desk: DeliveryDesk = {
                promise: (o) => real.promise(o),
                request: (o) => real.request(o),
                cancel: async (orderId: string, tx?: Queryable) => {
                  await real.cancel(orderId, tx);
                  await afterDeskCancel?.(orderId, tx !== undefined);
                },
              };
              return [...all.filter((p) => p.port !== DELIVERY_DESK), provide(DELIVERY_DESK, desk)];
            },
          },
    );
    f.t = await TestHub.start(target, {
      logLevel: 'silent',
      modules,
      externals: [provide(PAYMENTS_PROVIDER, f.payments), provide(NOTIFICATIONS_SENDER, f.notifier)],
    });
    f.admin = { cookie: await f.t.login() };
    f.storeA = await f.t.store('HO-A', f.admin.cookie!);
    await f.locate(f.storeA.id, { ...STORE_AT, timezone: 'America/New_York' });
    gig = await f.carrier('GIG-ONCE', STORE_AT, { simulator: simulator(true) });
    await f.products('KETTLE');
    await f.stock(f.storeA.id, 'KETTLE', 100, 'RECEIVE');
  }, 120_000);
  afterAll(() => f.stop());

  /** The store's desk hands the bag over: the hold's hand-over, then the delivery's event (one local write). */
  const storeHandsOver = async (o: { reservationId: string }, deliveryId: string) => {
    await f.storeEvent(f.storeA.id, 'reservation.picked-up', { reservationId: o.reservationId });
    await f.storeEvent(f.storeA.id, 'delivery.handed-to-driver', { deliveryId, at: Date.now(), driverName: 'Sam K.' });
  };
  const captured = (orderId: string) =>
    until(
      () => f.order(orderId),
      (o) => kinds(o).includes('PAYMENT_CAPTURED'),
      'the capture',
    );
  const status = async (orderId: string) => f.payments.status(orderId);

  it('the driver says collected and delivers before the store’s desk: the store’s hand-over still captures, once', async () => {
    const placed = (await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `driver-first-${target.name}`)).body;
    const d = (await f.deliveryReaches(placed, 'ASSIGNED')).delivery;
    const reservedBefore = await f.reserved(f.storeA.id, 'KETTLE');
    const driver = await DriverLink.connect(f.t.url, gig.driverToken);
    try {
      expect(await driver.ask({ type: 'collected', deliveryId: d.id })).toMatchObject({ status: 'OUT_FOR_DELIVERY' });
      expect(
        await driver.ask({ type: 'delivered', deliveryId: d.id, proof: { kind: 'PHOTO', ref: 'door-1' } }),
      ).toMatchObject({ status: 'DELIVERED' });
    } finally {
      await driver.close();
    }
    // The driver's word alone moves no stock and takes no money: the store has not handed the hold over.
    expect((await f.order(placed.id)).status).toBe('CONFIRMED');
    expect(await status(placed.id)).toBe('APPROVED');
    expect((await f.hold(placed.reservationId)).status).toBe('CONFIRMED');

    await storeHandsOver(placed, d.id);
    const o = await captured(placed.id);
    expect(o.status).toBe('PICKED_UP');
    expect(kinds(o).filter((k) => k === 'PAYMENT_CAPTURED')).toHaveLength(1);
    expect(await status(placed.id)).toBe('CAPTURED');
    expect(f.payments.charged(placed.id)).toBe(placed.totalMinor);
    expect((await f.hold(placed.reservationId)).status).toBe('FULFILLED');
    expect(await f.reserved(f.storeA.id, 'KETTLE')).toBe(reservedBefore - 1);
    expect((await f.delivery(placed)).delivery.status).toBe('DELIVERED');
    expect(await parkedOf(f.t, f.admin.cookie!, f.storeA.id)).toEqual([]);
  });

  it('the store’s desk first, the driver’s collected after: one hand-over, the collected a replay', async () => {
    const placed = (await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `store-first-${target.name}`)).body;
    const d = (await f.deliveryReaches(placed, 'ASSIGNED')).delivery;
    await storeHandsOver(placed, d.id);
    expect((await f.delivery(placed)).delivery.status).toBe('OUT_FOR_DELIVERY');
    const driver = await DriverLink.connect(f.t.url, gig.driverToken);
    try {
      expect(await driver.ask({ type: 'collected', deliveryId: d.id })).toMatchObject({
        status: 'OUT_FOR_DELIVERY',
        replayed: true,
      });
    } finally {
      await driver.close();
    }
    const o = await captured(placed.id);
    expect(o.status).toBe('PICKED_UP');
    expect(kinds(o).filter((k) => k === 'PAYMENT_CAPTURED')).toHaveLength(1);
    expect((await f.hold(placed.reservationId)).status).toBe('FULFILLED');
    expect((await f.delivery(placed)).timeline.map((e: { kind: string }) => e.kind)).not.toContain('collected');
    expect(await parkedOf(f.t, f.admin.cookie!, f.storeA.id)).toEqual([]);
  });

  it('a cancel racing the store’s hand-over: never charged with the delivery called off (the cancel wins whole)', async () => {
    const placed = (await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `race-${target.name}`)).body;
    const d = (await f.deliveryReaches(placed, 'ASSIGNED')).delivery;
    // The store's hand-over reaches the hub the moment the desk has cancelled the delivery. Inside the cancel's
    // transaction it cannot be waited for (it waits for the hold's row the cancel holds): it is sent, and awaited after.
    let handOver: Promise<void> | undefined;
    afterDeskCancel = async (orderId, inTx) => {
      if (orderId !== placed.id || handOver) return;
      handOver = storeHandsOver(placed, d.id);
      if (!inTx) await handOver;
    };
    let cancel: { status: number; body: { status?: string } };
    try {
      cancel = await f.t.call('POST', `/api/orders/${placed.id}/cancel`, undefined, f.admin);
      await handOver;
    } finally {
      afterDeskCancel = undefined;
    }
    expect(handOver).toBeDefined();
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('CANCELLED');
    expect(await status(placed.id)).toBe('VOIDED');
    expect(f.payments.charged(placed.id)).toBe(0);
    // The hand-over came after the cancel: an incident for staff, and the goods, with the driver, come back.
    const o = await f.order(placed.id);
    expect(o.status).toBe('CANCELLED');
    expect(kinds(o)).toEqual(expect.arrayContaining(['CANCEL_REQUESTED', 'VOID_PAYMENT', 'HANDED_OVER_AFTER_END']));
    expect(kinds(o)).not.toContain('PAYMENT_CAPTURED');
    expect((await f.delivery(placed)).delivery.status).toBe('RETURNING');
  });

  it('the orders API shows a store the area of a delivery, not the door; head office sees it all', async () => {
    const door = twoHour();
    const withNotes = { ...door, address: { ...door.address, line2: 'Flat 4', instructions: 'ring twice' } };
    const placed = (await f.placeDelivery(f.storeA.id, 'KETTLE', 1, `redacted-${target.name}`, withNotes)).body;
    const asked = placed.fulfilment.delivery;
    expect(asked).toEqual(withNotes);
    const role = (r: 'STORE_MANAGER' | 'ASSOCIATE') => `${r.toLowerCase()}-${target.name}@example.test`;
    for (const r of ['STORE_MANAGER', 'ASSOCIATE'] as const)
      await f.t.hub.auth.createUser({
        email: role(r),
        password: 'a long enough password',
        name: `${r} A`,
        role: r,
        storeId: f.storeA.id as never,
      });
    const callers = {
      'store token': { bearer: f.storeA.token },
      'store manager': { cookie: await f.t.login(role('STORE_MANAGER'), 'a long enough password') },
      associate: { cookie: await f.t.login(role('ASSOCIATE'), 'a long enough password') },
    };
    const area = {
      speed: asked.speed,
      address: { city: asked.address.city, postcode: asked.address.postcode },
    };
    for (const [who, caller] of Object.entries(callers)) {
      const reads = [
        (await f.t.call('GET', `/api/orders/${placed.id}`, undefined, caller)).body,
        (await f.t.call('GET', `/api/orders/by-number/${placed.orderNumber}`, undefined, caller)).body,
        (await f.t.call('GET', `/api/stores/${f.storeA.id}/orders`, undefined, caller)).body.items.find(
          (o: { id: string }) => o.id === placed.id,
        ),
        (await f.t.call('GET', `/api/customers/${placed.customerId}/orders`, undefined, caller)).body.items[0],
      ];
      for (const [i, o] of reads.entries()) {
        expect(o?.fulfilment.delivery, `${who}, read ${i}`).toEqual(area);
        expect(o.customerName, `${who}, read ${i}`).toBe(`Dana R.`);
        for (const secret of [asked.address.line1, 'Flat 4', 'ring twice', asked.phone, 'Dana redacted'])
          expect(JSON.stringify(o), `${who}, read ${i}`).not.toContain(secret);
      }
    }
    const own = (await f.t.call('GET', `/api/orders/${placed.id}`, undefined, f.admin)).body;
    expect(own.fulfilment.delivery).toEqual(asked);
    expect(own.customerName).toBe(`Dana redacted-${target.name}`);
    const all = (await f.t.call('GET', `/api/customers/${placed.customerId}/orders`, undefined, f.admin)).body;
    expect(all.items[0].fulfilment.delivery).toEqual(asked);
  });

  it('a store offline hands over a delivery cancelled meanwhile: the driver brings the goods back into its stock', async () => {
    const placed = (await f.placeDelivery(f.storeA.id, 'KETTLE', 2, `after-cancel-${target.name}`)).body;
    const d = (await f.deliveryReaches(placed, 'ASSIGNED')).delivery;
    const cancel = await f.t.call('POST', `/api/orders/${placed.id}/cancel`, undefined, f.admin);
    expect(cancel.body.status).toBe('CANCELLED');
    expect((await f.delivery(placed)).delivery.status).toBe('CANCELLED');
    const parkedBefore = (await parkedOf(f.t, f.admin.cookie!, f.storeA.id)).length;

    await storeHandsOver(placed, d.id);
    const back = await f.delivery(placed);
    expect(back.delivery).toMatchObject({
      status: 'RETURNING',
      failure: 'handed over after it was cancelled: bring it back',
    });
    expect(await parkedOf(f.t, f.admin.cookie!, f.storeA.id)).toHaveLength(parkedBefore); // not refused
    const incidents = await f.t.call('GET', '/api/workflows/incidents?state=OPEN', undefined, f.admin);
    expect(JSON.stringify(incidents.body.items)).toContain(placed.id);

    const driver = await DriverLink.connect(f.t.url, gig.driverToken);
    try {
      const runs = (await driver.ask({ type: 'list' })) as { deliveries?: { id: string; status: string }[] };
      expect(runs.deliveries?.find((x) => x.id === d.id)).toMatchObject({ status: 'RETURNING' });
      expect(await driver.ask({ type: 'back-at-store', deliveryId: d.id })).toMatchObject({ status: 'RETURNED' });
    } finally {
      await driver.close();
    }
    expect((await f.delivery(placed)).delivery.status).toBe('RETURNED');
    const { rows } = await f.t.hub.db.query<{ payload: { id: string; lines: unknown } }>(
      `SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'delivery.returned'`,
      [f.storeA.id],
    );
    expect(rows.map((r) => r.payload).filter((p) => p.id === d.id)).toEqual([
      expect.objectContaining({ id: d.id, lines: [{ sku: 'KETTLE', qty: 2 }] }),
    ]);
    // The order stays cancelled and uncharged: nothing was captured, so nothing is refunded.
    const o = await f.order(placed.id);
    expect(o.status).toBe('CANCELLED');
    expect(await status(placed.id)).toBe('VOIDED');
    expect(kinds(o)).not.toContain('REFUND_REQUESTED');
  });
});
