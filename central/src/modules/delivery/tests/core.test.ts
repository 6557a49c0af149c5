import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import {
  addCarriers,
  carrierBody,
  deliveryHub,
  hubOn,
  orderFor,
  readDelivery,
  ScriptedCarriers,
  sharedDatabase,
  type DeliveryHub,
} from './core-harness.js';

const PASSWORD = 'a long enough password 123';

describe.each(dbTargets)('deliveries: who sees them, cancelling, drop-outs, on $name', (target) => {
  let h: DeliveryHub;
  let storeA: { id: string; token: string };
  let storeB: { id: string; token: string };
  const carriers = new ScriptedCarriers();
  const who: Record<string, { cookie?: string; bearer?: string }> = {};

  beforeAll(async () => {
    h = await deliveryHub(target, { carriers });
    storeA = await h.t.store('CORE-A', h.admin);
    storeB = await h.t.store('CORE-B', h.admin);
    const user = (email: string, role: 'STORE_MANAGER' | 'ASSOCIATE', storeId: string) =>
      h.t.hub.auth.createUser({ email, name: email, role, storeId: storeId as never, password: PASSWORD });
    await user('manager-a@core.test', 'STORE_MANAGER', storeA.id);
    await user('manager-b@core.test', 'STORE_MANAGER', storeB.id);
    who.managerA = { cookie: await h.t.login('manager-a@core.test', PASSWORD) };
    who.managerB = { cookie: await h.t.login('manager-b@core.test', PASSWORD) };
    who.storeA = { bearer: storeA.token };
    who.storeB = { bearer: storeB.token };
    await addCarriers(h, [
      carrierBody('GIG-CORE-1', { costBaseMinor: 100 }),
      carrierBody('GIG-CORE-2', { costBaseMinor: 900 }),
    ]);
  }, 120_000);
  afterAll(() => h?.t.stop());

  it('shows a store its own deliveries only: another store’s is missing to it, exactly like an id that never was', async () => {
    const a = await h.desk.request(orderFor(storeA.id, { phone: '+1 555 0100' }));
    const b = await h.desk.request(orderFor(storeB.id));
    const missing = '00000000-0000-7000-8000-000000000000';
    for (const caller of [who.managerB!, who.storeB!]) {
      const other = await h.t.call('GET', `/api/delivery/deliveries/${a.deliveryId}`, undefined, caller);
      const none = await h.t.call('GET', `/api/delivery/deliveries/${missing}`, undefined, caller);
      expect([other.status, other.body.detail]).toEqual([404, `delivery ${a.deliveryId} not found`]);
      expect(none.status).toBe(404);
      const list = await h.t.call('GET', `/api/delivery/deliveries?storeId=${storeA.id}`, undefined, caller);
      expect(list.status).toBe(403);
    }
    // A store's people and node list their own without naming it; head office sees every store's.
    const mine = await h.t.call('GET', '/api/delivery/deliveries', undefined, who.managerA!);
    expect(mine.body.items.map((d: { id: string }) => d.id)).toContain(a.deliveryId);
    expect(mine.body.items.every((d: { storeId: string }) => d.storeId === storeA.id)).toBe(true);
    const all = await h.t.call('GET', '/api/delivery/deliveries?status=REQUESTED', undefined, { cookie: h.admin });
    expect(all.body.items.map((d: { id: string }) => d.id)).toEqual(
      expect.arrayContaining([a.deliveryId, b.deliveryId]),
    );
    // The store sees the area and the customer as its desk names them, not the full address or the phone.
    const own = await h.t.call('GET', `/api/delivery/deliveries/${a.deliveryId}`, undefined, who.storeA!);
    expect(own.status).toBe(200);
    expect(own.body.delivery.customerName).toBe('Ann L.');
    expect(own.body.delivery.request).toEqual({ speed: 'TWO_HOUR', address: { postcode: '07102', city: 'Newark' } });
    expect(own.body.offers).toHaveLength(1);
    const full = await readDelivery(h, a.deliveryId);
    expect(full.delivery.request.address.line1).toBe('1 Main St');
    expect(full.delivery.request.phone).toBe('+1 555 0100');
    for (const id of [a.deliveryId, b.deliveryId]) await h.desk.cancel((await readDelivery(h, id)).delivery.orderId);
  });

  it('cancels before the goods leave: the open offer withdrawn or the carrier told; refused once out for delivery', async () => {
    const open = orderFor(storeA.id);
    const o = await h.desk.request(open);
    const offered = await waitFor('the offer', () => carriers.for(o.deliveryId)[0]);
    await h.desk.cancel(open.orderId);
    await h.desk.cancel(open.orderId); // again: nothing to do
    expect(carriers.withdrawn).toContain(offered.offer.offerId);
    const cancelled = await readDelivery(h, o.deliveryId);
    expect(cancelled.delivery).toMatchObject({ status: 'CANCELLED', failure: 'the order was cancelled' });
    expect(cancelled.offers).toMatchObject([{ status: 'WITHDRAWN', note: 'the order was cancelled' }]);
    // Its carrier's late yes changes nothing.
    expect(await carriers.answer(o.deliveryId, 'ACCEPT')).toEqual({ outcome: 'ignored', status: 'WITHDRAWN' });

    const taken = orderFor(storeA.id);
    const t = await h.desk.request(taken);
    await waitFor('the offer', () => carriers.for(t.deliveryId)[0]);
    await carriers.answer(t.deliveryId, 'ACCEPT');
    await h.desk.cancel(taken.orderId);
    expect(carriers.cancelled).toContain(t.deliveryId);
    expect((await readDelivery(h, t.deliveryId)).timeline.at(-1).detail.text).toBe(
      'cancelled; GIG-CORE-1 told not to come',
    );

    const gone = orderFor(storeA.id);
    const g = await h.desk.request(gone);
    await waitFor('the offer', () => carriers.for(g.deliveryId)[0]);
    await carriers.answer(g.deliveryId, 'ACCEPT');
    await h.t.hub.db.query("UPDATE deliveries SET status = 'OUT_FOR_DELIVERY' WHERE id = $1", [g.deliveryId]);
    const refusal = h.desk.cancel(gone.orderId);
    await expect(refusal).rejects.toBeInstanceOf(ConflictError);
    await expect(refusal).rejects.toThrow(
      `the delivery of ${gone.orderNumber} is out for delivery: the goods have left the store`,
    );
    expect((await readDelivery(h, g.deliveryId)).delivery.status).toBe('OUT_FOR_DELIVERY');
    await h.desk.cancel(orderFor(storeA.id).orderId); // never requested: nothing to do
  });

  it('offers a delivery again when the driver who accepted drops out before collecting', async () => {
    const { deliveryId } = await h.desk.request(orderFor(storeA.id));
    const first = await waitFor('the offer', () => carriers.for(deliveryId)[0]);
    await carriers.answer(deliveryId, 'ACCEPT');
    const out = await first.answers.dropOut(deliveryId, first.carrier.id, 'flat tyre');
    expect(out.outcome).toBe('declined');
    const second = await waitFor('the offer to the next carrier', () => carriers.for(deliveryId)[1]);
    expect(second.carrier.code).toBe('GIG-CORE-2');
    const { delivery, offers, timeline } = await readDelivery(h, deliveryId);
    expect(delivery).toMatchObject({ status: 'REQUESTED', carrierId: null, driver: null });
    expect(offers.map((o: any) => [o.carrier.code, o.status, o.note])).toEqual([
      ['GIG-CORE-1', 'DECLINED', 'dropped out before collecting: flat tyre'],
      ['GIG-CORE-2', 'PENDING', null],
    ]);
    expect(timeline.map((e: any) => e.kind)).toContain('DROPPED_OUT');
    await h.desk.cancel(delivery.orderId);
  });
});

describe.each(dbTargets)('a hub restarted mid-offer, on $name', (target) => {
  it('hands the open offer to its carrier again on start; the first answer wins and one carrier is assigned', async () => {
    const shared = await sharedDatabase(target);
    const before = new ScriptedCarriers();
    const after = new ScriptedCarriers();
    let first: DeliveryHub | undefined;
    let second: DeliveryHub | undefined;
    try {
      first = await hubOn(shared, { carriers: before });
      const store = await first.t.store('RESTART-A', first.admin);
      await addCarriers(first, [
        carrierBody('GIG-R1', { costBaseMinor: 0 }),
        carrierBody('GIG-R2', { costBaseMinor: 900 }),
      ]);
      const { deliveryId } = await first.desk.request(orderFor(store.id));
      const offered = await waitFor('the offer', () => before.for(deliveryId)[0]);
      await first.t.hub.stop(); // the hub dies with the offer open; its carrier's answer never came
      first = undefined;

      second = await hubOn(shared, { carriers: after });
      const again = await waitFor('the open offer handed over again', () => after.for(deliveryId)[0]);
      expect(again.offer.offerId).toBe(offered.offer.offerId);
      const answers = await Promise.all([after.answer(deliveryId, 'ACCEPT'), after.answer(deliveryId, 'ACCEPT')]);
      expect(answers.map((a) => a.outcome).sort()).toEqual(['assigned', 'ignored']);
      const { delivery, offers } = await readDelivery(second, deliveryId);
      expect(delivery).toMatchObject({ status: 'ASSIGNED', carrierId: offered.carrier.id });
      expect(offers.map((o: any) => [o.carrier.code, o.status])).toEqual([['GIG-R1', 'ACCEPTED']]);
    } finally {
      await first?.t.hub.stop();
      await second?.t.hub.stop();
      await shared.drop();
    }
  }, 120_000);

  it.runIf(target.name === 'postgres')(
    'two hubs on one database: both carriers’ answers and both timeout sweeps make one change each',
    async () => {
      const shared = await sharedDatabase(target);
      const netA = new ScriptedCarriers();
      const netB = new ScriptedCarriers();
      let a: DeliveryHub | undefined;
      let b: DeliveryHub | undefined;
      try {
        a = await hubOn(shared, { carriers: netA });
        const store = await a.t.store('TWO-HUBS', a.admin);
        await addCarriers(a, [
          carrierBody('GIG-T1', { costBaseMinor: 0 }),
          carrierBody('GIG-T2', { costBaseMinor: 500 }),
          carrierBody('GIG-T3', { costBaseMinor: 900 }),
        ]);
        const timed = await a.desk.request(orderFor(store.id));
        const raced = await a.desk.request(orderFor(store.id));
        b = await hubOn(shared, { carriers: netB });
        // Hub B handed both open offers to its carriers at start: each delivery's offer is now with two hubs.
        await waitFor('hub B has both offers', () => netB.for(timed.deliveryId)[0] && netB.for(raced.deliveryId)[0]);
        const outcomes = await Promise.all([
          netA.answer(raced.deliveryId, 'ACCEPT'),
          netB.answer(raced.deliveryId, 'ACCEPT'),
          netA.answer(raced.deliveryId, 'DECLINE'),
        ]);
        expect(outcomes.filter((o) => o.outcome !== 'ignored')).toHaveLength(1);
        const r = await readDelivery(a, raced.deliveryId);
        expect(r.offers.filter((o: any) => o.status === 'ACCEPTED').length).toBeLessThanOrEqual(1);
        expect(r.offers.filter((o: any) => o.status === 'PENDING').length).toBeLessThanOrEqual(1);

        // Both hubs' clocks pass the offer's answer time: one of them times it out, once, and offers it on.
        a.t.clock.offsetMs += 61_000;
        b.t.clock.offsetMs += 61_000;
        const moved = await waitFor('the timed-out offer moved on', async () => {
          const d = await readDelivery(a!, timed.deliveryId);
          return d.offers.length === 2 && d;
        });
        await new Promise((res) => setTimeout(res, 2_500)); // a few more sweeps on both hubs
        const settled = await readDelivery(a, timed.deliveryId);
        expect(settled.offers.map((o: any) => [o.carrier.code, o.status])).toEqual([
          ['GIG-T1', 'TIMED_OUT'],
          ['GIG-T2', 'PENDING'],
        ]);
        expect(settled.timeline.filter((e: any) => e.kind === 'TIMED_OUT')).toHaveLength(1);
        expect(moved.offers[1].id).toBe(settled.offers[1].id);
      } finally {
        await a?.t.hub.stop();
        await b?.t.hub.stop();
        await shared.drop();
      }
    },
    120_000,
  );
});
