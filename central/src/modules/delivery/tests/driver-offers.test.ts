import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { DriverLink } from '../tracking/driver-simulator.js';
import {
  addCarriers,
  carrierBody,
  deliveryHub,
  hubOn,
  orderFor,
  readDelivery,
  sharedDatabase,
  storeAt,
  type DeliveryHub,
} from './core-harness.js';

type Frame = Awaited<ReturnType<DriverLink['next']>>;
type OfferFrame = Extract<Frame, { type: 'offer' }>;

/**
 * A real driver app on a production hub: gig drivers with no simulator on their row are offered deliveries on the
 * drivers' socket and answer there (accept, decline, drop-out), through the same assignment the simulators answer
 * through. Each test has its own store a degree of latitude from the others, with its own carriers, so one test's
 * offers never reach another's drivers.
 */
describe.each(dbTargets)('a driver app takes and refuses offers, on $name', (target) => {
  let h: DeliveryHub;
  const links: DriverLink[] = [];
  let place = 0;

  beforeAll(async () => {
    h = await deliveryHub(target, { config: { mode: 'production' } });
  }, 120_000);
  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
  });
  afterAll(() => h?.t.stop());

  /** A store and two gig drivers there: `first` is offered first (cheaper), `second` next. */
  const world = async () => {
    place++;
    const at = { lat: 30 + place, lon: -74 };
    const store = await storeAt(h, `DRV-${place}-${target.name}`, at);
    const tag = `${place}${target.name === 'postgres' ? 'P' : 'L'}`;
    const made = await addCarriers(h, [
      carrierBody(`GIG-APP-${tag}-1`, { ...at, costBaseMinor: 400, costPerKmMinor: 50 }),
      carrierBody(`GIG-APP-${tag}-2`, { ...at, costBaseMinor: 900, costPerKmMinor: 50 }),
    ]);
    const [first, second] = Object.values(made) as [(typeof made)[string], (typeof made)[string]];
    const order = () => orderFor(store.id, { from: at, kmEast: 3 });
    return { store, first, second, order };
  };
  const connect = async (token: string) => {
    const l = await DriverLink.connect(h.t.url, token);
    links.push(l);
    return l;
  };
  /** The next frame the hub sends this driver of its own accord, which must be of `type`. */
  const nextOf = async <T extends Frame['type']>(l: DriverLink, type: T) => {
    const f = await l.next();
    expect(f.type).toBe(type);
    return f as Extract<Frame, { type: T }>;
  };
  const offersOf = async (deliveryId: string) =>
    (await readDelivery(h, deliveryId)).offers.map((o: any) => [o.carrier.code, o.status, o.note]);

  it('pushes the offer to the connected driver app, which accepts it: ASSIGNED, on its runs; a cancel tells it not to come', async () => {
    const { store, first, order } = await world();
    const carriers = await h.t.call('GET', '/api/delivery/carriers?kind=GIG&limit=200', undefined, { cookie: h.admin });
    const read = carriers.body.items.find((c: { code: string }) => c.code === first.code);
    expect(read.integration).toBe('driver-app');

    const app = await connect(first.driverToken);
    const o = order();
    const { deliveryId } = await h.desk.request(o);
    const offer: OfferFrame = await nextOf(app, 'offer');
    expect(offer).toMatchObject({
      deliveryId,
      orderNumber: o.orderNumber,
      store: { id: store.id, name: store.name },
      area: { city: 'Newark', postcode: '07102' },
      distanceKm: 3,
      weightGrams: expect.any(Number),
      ageRestricted: false,
    });
    // 400 base + 50 a km over 3 km of road (1.3 × the straight line): 595
    expect(offer.payMinor).toBe(595);
    expect(offer.expiresAt).toBeGreaterThan(Date.now());

    expect(
      await app.ask({ type: 'accept', offerId: offer.offerId, driver: { name: 'Ana K.', vehicle: 'KX12 ABC' } }),
    ).toMatchObject({
      type: 'ok',
      of: 'accept',
      offerId: offer.offerId,
      deliveryId,
      status: 'ACCEPTED',
      replayed: false,
    });
    const { delivery } = await readDelivery(h, deliveryId);
    expect(delivery).toMatchObject({
      status: 'ASSIGNED',
      carrierId: first.id,
      driver: { name: 'Ana K.', vehicle: 'KX12 ABC' },
    });
    expect(await offersOf(deliveryId)).toEqual([[first.code, 'ACCEPTED', null]]);
    const runs = await app.ask({ type: 'list' });
    expect(runs.type === 'runs' && runs.deliveries.map((d) => [d.id, d.status])).toEqual([[deliveryId, 'ASSIGNED']]);

    await h.desk.cancel(o.orderId);
    expect(await nextOf(app, 'cancelled')).toEqual({ type: 'cancelled', deliveryId });
  });

  it('a decline moves the delivery to the next carrier at once, whose app is offered it; a cancel closes that offer', async () => {
    const { first, second, order } = await world();
    const a = await connect(first.driverToken);
    const b = await connect(second.driverToken);
    const o = order();
    const { deliveryId } = await h.desk.request(o);
    const offer = await nextOf(a, 'offer');
    expect(await a.ask({ type: 'decline', offerId: offer.offerId, reason: 'my car is full' })).toMatchObject({
      type: 'ok',
      of: 'decline',
      status: 'DECLINED',
      replayed: false,
    });
    const next = await nextOf(b, 'offer');
    expect(next).toMatchObject({ deliveryId });
    expect(next.offerId).not.toBe(offer.offerId);
    expect(await offersOf(deliveryId)).toEqual([
      [first.code, 'DECLINED', 'my car is full'],
      [second.code, 'PENDING', null],
    ]);
    // The same decline again (an app that lost the answer) changes nothing
    expect(await a.ask({ type: 'decline', offerId: offer.offerId })).toMatchObject({ type: 'ok', replayed: true });
    expect((await readDelivery(h, deliveryId)).delivery.status).toBe('REQUESTED');

    await h.desk.cancel(o.orderId);
    expect(await nextOf(b, 'offer-closed')).toEqual({ type: 'offer-closed', offerId: next.offerId });
  });

  it('two sockets of one carrier both accept: one assignment, the other answer says it was already taken', async () => {
    const { first, order } = await world();
    const phone = await connect(first.driverToken);
    const spare = await connect(first.driverToken);
    const o = order();
    const { deliveryId } = await h.desk.request(o);
    const [seen1, seen2] = await Promise.all([nextOf(phone, 'offer'), nextOf(spare, 'offer')]);
    expect(seen1.offerId).toBe(seen2.offerId);
    const answers = await Promise.all([
      phone.ask({ type: 'accept', offerId: seen1.offerId }),
      spare.ask({ type: 'accept', offerId: seen1.offerId }),
    ]);
    expect(answers.map((a) => a.type)).toEqual(['ok', 'ok']);
    expect(answers.map((a) => (a as { replayed?: boolean }).replayed).sort()).toEqual([false, true]);
    const { delivery, timeline } = await readDelivery(h, deliveryId);
    expect(delivery).toMatchObject({ status: 'ASSIGNED', carrierId: first.id });
    expect(await offersOf(deliveryId)).toEqual([[first.code, 'ACCEPTED', null]]);
    expect(timeline.filter((e: { kind: string }) => e.kind === 'ASSIGNED')).toHaveLength(1);
    await h.desk.cancel(o.orderId);
  });

  it('refuses an answer to another carrier’s offer, or a drop-out of its delivery, with an error frame; nothing changes', async () => {
    const { first, second, order } = await world();
    const a = await connect(first.driverToken);
    const b = await connect(second.driverToken);
    const o = order();
    const { deliveryId } = await h.desk.request(o);
    const offer = await nextOf(a, 'offer');
    for (const frame of [
      { type: 'accept', offerId: offer.offerId },
      { type: 'decline', offerId: offer.offerId },
    ] as const)
      expect(await b.ask(frame)).toMatchObject({ type: 'error', code: 'not-found' });
    expect(await b.ask({ type: 'accept', offerId: 'not-an-offer' } as never)).toMatchObject({
      type: 'error',
      code: 'validation',
    });
    expect((await readDelivery(h, deliveryId)).delivery.status).toBe('REQUESTED');
    expect(await offersOf(deliveryId)).toEqual([[first.code, 'PENDING', null]]);

    await a.ask({ type: 'accept', offerId: offer.offerId });
    expect(await b.ask({ type: 'drop-out', deliveryId, reason: 'not mine' })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    expect((await readDelivery(h, deliveryId)).delivery).toMatchObject({ status: 'ASSIGNED', carrierId: first.id });
    expect(await offersOf(deliveryId)).toEqual([[first.code, 'ACCEPTED', null]]);
    await h.desk.cancel(o.orderId);
  });

  it('an offer to a carrier with no app connected times out and goes to the next; an app that connects in time is sent it', async () => {
    const { first, second, order } = await world();
    const b = await connect(second.driverToken);
    const o = order();
    const { deliveryId } = await h.desk.request(o);
    await waitFor('the offer to the first carrier', async () => (await offersOf(deliveryId)).length === 1);
    // Nobody hears it; the hub's clock passes the answer time and its sweep moves the delivery on
    h.t.clock.offsetMs += 61_000;
    const next = await nextOf(b, 'offer');
    expect(next).toMatchObject({ deliveryId });
    expect(await offersOf(deliveryId)).toEqual([
      [first.code, 'TIMED_OUT', 'no answer within 60 s'],
      [second.code, 'PENDING', null],
    ]);
    // The first driver's app, opened late, is not sent an offer it can no longer take
    const late = await connect(first.driverToken);
    expect((await late.ask({ type: 'accept', offerId: next.offerId })).type).toBe('error');
    await h.desk.cancel(o.orderId);

    // A driver whose app opens while the offer is still open gets it then, and takes it
    const o2 = order();
    const second2 = await h.desk.request(o2);
    const offer = await nextOf(late, 'offer');
    expect(offer.deliveryId).toBe(second2.deliveryId);
    await late.close();
    const again = await connect(first.driverToken);
    const resent = await nextOf(again, 'offer');
    expect(resent.offerId).toBe(offer.offerId);
    expect(await again.ask({ type: 'accept', offerId: resent.offerId })).toMatchObject({ type: 'ok', replayed: false });
    expect((await readDelivery(h, second2.deliveryId)).delivery).toMatchObject({
      status: 'ASSIGNED',
      carrierId: first.id,
    });
    await h.desk.cancel(o2.orderId);
  });

  it('a driver who drops out before collecting: the next carrier is offered it; after collecting, a drop-out is refused', async () => {
    const { first, second, order } = await world();
    const a = await connect(first.driverToken);
    const b = await connect(second.driverToken);
    const { deliveryId } = await h.desk.request(order());
    await a.ask({ type: 'accept', offerId: (await nextOf(a, 'offer')).offerId });
    expect(await a.ask({ type: 'drop-out', deliveryId, reason: 'flat tyre' })).toMatchObject({
      type: 'ok',
      of: 'drop-out',
      deliveryId,
      status: 'REQUESTED',
      replayed: false,
    });
    const next = await nextOf(b, 'offer');
    expect(next.deliveryId).toBe(deliveryId);
    expect(await offersOf(deliveryId)).toEqual([
      [first.code, 'DECLINED', 'dropped out before collecting: flat tyre'],
      [second.code, 'PENDING', null],
    ]);
    expect((await readDelivery(h, deliveryId)).delivery).toMatchObject({ status: 'REQUESTED', carrierId: null });
    // Sent again: a repeat, nothing changes
    expect(await a.ask({ type: 'drop-out', deliveryId })).toMatchObject({ type: 'ok', replayed: true });
    const runsA = await a.ask({ type: 'list' });
    expect(runsA.type === 'runs' && runsA.deliveries).toEqual([]);

    await b.ask({ type: 'accept', offerId: next.offerId });
    expect(await b.ask({ type: 'collected', deliveryId })).toMatchObject({ type: 'ok', status: 'OUT_FOR_DELIVERY' });
    expect(await b.ask({ type: 'drop-out', deliveryId })).toMatchObject({ type: 'error', code: 'conflict' });
    expect((await readDelivery(h, deliveryId)).delivery).toMatchObject({
      status: 'OUT_FOR_DELIVERY',
      carrierId: second.id,
    });
  });
});

describe.each(dbTargets)('driver apps on one hub replica, offers made on another, on $name', (target) => {
  it.runIf(target.name === 'postgres')(
    'the replica holding the sockets finds the other’s offer and pushes it, tells the app when it times out there, and takes the accept',
    async () => {
      const shared = await sharedDatabase(target);
      const links: DriverLink[] = [];
      let a: DeliveryHub | undefined;
      let b: DeliveryHub | undefined;
      try {
        const ha = await hubOn(shared, { config: { mode: 'production' } });
        a = ha;
        const hb = await hubOn(shared, { config: { mode: 'production' } });
        b = hb;
        const at = { lat: 20, lon: -74 };
        const store = await storeAt(ha, 'DRV-REPLICAS', at);
        const made = await addCarriers(ha, [
          carrierBody('GIG-REP-1', { ...at, costBaseMinor: 400 }),
          carrierBody('GIG-REP-2', { ...at, costBaseMinor: 900 }),
        ]);
        const onB = async (token: string) => {
          const l = await DriverLink.connect(hb.t.url, token);
          links.push(l);
          return l;
        };
        const first = await onB(made['GIG-REP-1']!.driverToken);
        const second = await onB(made['GIG-REP-2']!.driverToken);
        const o = orderFor(store.id, { from: at, kmEast: 3 });
        const { deliveryId } = await ha.desk.request(o);
        const offer = await first.next();
        expect(offer).toMatchObject({ type: 'offer', deliveryId });
        // Nobody answers; both replicas' clocks pass the answer time, one of them times it out
        ha.t.clock.offsetMs += 61_000;
        hb.t.clock.offsetMs += 61_000;
        expect(await first.next()).toEqual({ type: 'offer-closed', offerId: (offer as { offerId: string }).offerId });
        const next = await second.next();
        expect(next).toMatchObject({ type: 'offer', deliveryId });
        expect(await second.ask({ type: 'accept', offerId: (next as { offerId: string }).offerId })).toMatchObject({
          type: 'ok',
          replayed: false,
        });
        const read = await readDelivery(ha, deliveryId);
        expect(read.delivery).toMatchObject({ status: 'ASSIGNED', carrierId: made['GIG-REP-2']!.id });
        expect(read.offers.map((x: any) => [x.carrier.code, x.status])).toEqual([
          ['GIG-REP-1', 'TIMED_OUT'],
          ['GIG-REP-2', 'ACCEPTED'],
        ]);
      } finally {
        await Promise.all(links.map((l) => l.close()));
        await a?.t.hub.stop();
        await b?.t.hub.stop();
        await shared.drop();
      }
    },
    120_000,
  );
});
