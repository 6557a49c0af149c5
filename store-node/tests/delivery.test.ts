import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decideAccess, KIOSK_REFUSAL, POS_REFUSAL } from '../src/access/screen-policy.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDay } from '../src/delivery/delivery-desk.js';
import { deliveryDeskNode, type DeliveryDesk } from './support/delivery-desk.js';

const MIN = 60_000;

/** The outbox rows after `seq`, as the hub will receive them. */
const outboxAfter = (desk: DeliveryDesk, seq: number) =>
  (
    desk.node.db.prepare('SELECT seq, type, payload FROM sync_outbox WHERE seq > ? ORDER BY seq').all(seq) as {
      seq: number;
      type: string;
      payload: string;
    }[]
  ).map((r) => ({ type: r.type, payload: JSON.parse(r.payload) }));
const onHand = (desk: DeliveryDesk, sku: string) => desk.node.delivery.stock.onHand(sku);
const parked = (desk: DeliveryDesk) => desk.node.sync.storage.parkedFeed();

// Issue #18: the store's delivery desk, with no hub at all (the store node is offline for good).
describe('the delivery desk on a store node with no hub', () => {
  let desk: DeliveryDesk;
  beforeAll(async () => {
    desk = await deliveryDeskNode('sf-delivery-');
  });
  afterAll(() => desk?.node.stop());

  it('keeps the newest copy of a delivery by updatedAt, parks a bad entry alone and applies its neighbours', async () => {
    const { id, payload } = desk.delivery({ orderNumber: 'SF-30001', lines: [{ sku: 'TEA-GREEN', qty: 2 }] });
    // the driver changes at the hub (newer), then an older copy arrives late (a parked entry replayed)
    const newer = { ...payload, driver: { name: 'Mia R.', vehicle: 'B-SF 2001' }, updatedAt: desk.nextUpdate() };
    desk.feed('delivery.changed', newer);
    desk.feed('delivery.changed', {
      ...payload,
      driver: { name: 'Old D.', vehicle: 'X' },
      updatedAt: payload.updatedAt,
    });
    expect((await desk.call('GET', `/api/delivery/${id}`)).body).toMatchObject({
      id,
      orderNumber: 'SF-30001',
      driver: { name: 'Mia R.', vehicle: 'B-SF 2001' },
      customerName: 'Ann L.',
      lines: [{ sku: 'TEA-GREEN', qty: 2, name: 'Green tea, 20 bags', category: 'Beverages' }],
      units: 2,
      refusal: null,
    });
    // a bad entry (an order number that is not one) in the middle of a page: parked with its reason, the rest applies
    const before = parked(desk).length;
    const other = desk.changed({
      id: randomUUID(),
      reservationId: randomUUID(),
      orderNumber: 'SF-30002',
      lines: [{ sku: 'MUG-RED', qty: 1 }],
    });
    const cursor = desk.node.sync.storage.feedCursor();
    desk.node.sync.storage.applyFeed([
      {
        seq: cursor + 1,
        type: 'delivery.changed',
        createdAt: desk.now(),
        payload: { ...other, orderNumber: 'ORDER 7' },
      },
      { seq: cursor + 2, type: 'delivery.changed', createdAt: desk.now(), payload: other },
      { seq: cursor + 3, type: 'delivery.returned', createdAt: desk.now(), payload: { id: other.id, lines: [] } },
    ]);
    expect(desk.node.sync.storage.feedCursor()).toBe(cursor + 3);
    const nowParked = parked(desk).slice(before);
    expect(nowParked.map((p) => [p.seq, p.type])).toEqual([
      [cursor + 1, 'delivery.changed'],
      [cursor + 3, 'delivery.returned'],
    ]);
    expect(nowParked[0]!.reason).toMatch(/invalid delivery\.changed payload: orderNumber/);
    expect((await desk.call('GET', `/api/delivery/${other.id}`)).body.orderNumber).toBe('SF-30002');
    expect(desk.node.db.prepare('SELECT count(*) FROM delivery_returns').pluck().get()).toBe(0);
  });

  it('hands a bag to its driver offline in one write: hold handed over, stock moved, both events queued', async () => {
    const lines = [
      { sku: 'TEA-GREEN', qty: 3 },
      { sku: 'MUG-RED', qty: 1 },
    ];
    const { id, reservationId } = desk.delivery({ orderNumber: 'SF-30010', lines });
    const tea = onHand(desk, 'TEA-GREEN');
    const mug = onHand(desk, 'MUG-RED');
    const head = desk.node.sync.outbox.head();
    expect(desk.node.sync.status().phase).toBe('offline');

    const key = randomUUID();
    const handed = await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, {}, { 'idempotency-key': key });
    expect(handed.status).toBe(200);
    expect(handed.body).toMatchObject({ id, handedTo: 'Sam K.', refusal: expect.stringMatching(/already handed/) });
    expect(handed.body.handedAt).toBeGreaterThanOrEqual(desk.now() - MIN);
    expect(onHand(desk, 'TEA-GREEN')).toBe(tea - 3);
    expect(onHand(desk, 'MUG-RED')).toBe(mug - 1);
    expect(desk.node.bopis.repo.get(reservationId)).toMatchObject({ status: 'FULFILLED' });
    // exactly the pickup's events, then the hand-over, waiting for the hub
    expect(outboxAfter(desk, head)).toEqual([
      {
        type: 'stock.moved',
        payload: expect.objectContaining({ sku: 'TEA-GREEN', delta: -3, kind: 'PICKUP', ref: reservationId }),
      },
      {
        type: 'stock.moved',
        payload: expect.objectContaining({ sku: 'MUG-RED', delta: -1, kind: 'PICKUP', ref: reservationId }),
      },
      { type: 'reservation.picked-up', payload: { reservationId } },
      {
        type: 'delivery.handed-to-driver',
        payload: { deliveryId: id, at: handed.body.handedAt, driverName: 'Sam K.' },
      },
    ]);
    expect(desk.node.sync.status().pendingUp).toBeGreaterThanOrEqual(4);

    // retried with its key (the answer was lost): the first answer, nothing done twice
    const retried = await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, {}, { 'idempotency-key': key });
    expect(retried.status).toBe(200);
    expect(retried.body.handedAt).toBe(handed.body.handedAt);
    // pressed again (a new request): refused with a sentence, nothing changes
    const again = await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, {});
    expect(again.status).toBe(409);
    expect(again.type).toContain('application/problem+json');
    expect(again.body.detail).toMatch(/^SF-30010 was already handed to Sam K\. at 28 Nov 2026, 14:\d\d$/);
    expect(onHand(desk, 'TEA-GREEN')).toBe(tea - 3);
    expect(outboxAfter(desk, head)).toHaveLength(4);
    // the hub's copy, still saying ASSIGNED (it has not heard yet), does not undo the hand-over here
    desk.feed('delivery.changed', {
      ...desk.changed({ id, reservationId, orderNumber: 'SF-30010', lines }),
      updatedAt: desk.nextUpdate(),
    });
    expect((await desk.call('GET', `/api/delivery/${id}`)).body).toMatchObject({
      status: 'ASSIGNED',
      handedTo: 'Sam K.',
    });
  });

  it('the hand-over and its event are one transaction: a failed event append leaves hold and stock as they were', async () => {
    const { id, reservationId } = desk.delivery({ orderNumber: 'SF-30015', lines: [{ sku: 'MUG-RED', qty: 2 }] });
    const mug = onHand(desk, 'MUG-RED');
    const head = desk.node.sync.outbox.head();
    desk.node.db.exec(`CREATE TEMP TRIGGER refuse_handed BEFORE INSERT ON sync_outbox
      WHEN NEW.type = 'delivery.handed-to-driver' BEGIN SELECT RAISE(ABORT, 'outbox refused the event'); END`);
    try {
      const failed = await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, { driverName: 'Sam K.' });
      expect(failed.status).toBe(500);
    } finally {
      desk.node.db.exec('DROP TRIGGER refuse_handed');
    }
    expect(onHand(desk, 'MUG-RED')).toBe(mug);
    expect(desk.node.bopis.repo.get(reservationId)!.status).toBe('CONFIRMED');
    expect(outboxAfter(desk, head)).toEqual([]);
    expect((await desk.call('GET', `/api/delivery/${id}`)).body).toMatchObject({ handedAt: null, refusal: null });
    // the associate typed the name of the driver who actually came
    const ok = await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, { driverName: '  Ola B. ' });
    expect(ok.body.handedTo).toBe('Ola B.');
    expect(onHand(desk, 'MUG-RED')).toBe(mug - 2);
  });

  it('refuses a cancelled or unassigned delivery, one with no driver yet, and one whose hold never came, changing nothing', async () => {
    const cases = [
      { status: 'CANCELLED', detail: 'SF-30020 was cancelled: keep the goods in the store, do not hand them over' },
      { status: 'UNASSIGNED', detail: 'no carrier took SF-30021: the order is cancelled, keep the goods in the store' },
      {
        status: 'REQUESTED',
        driver: null,
        detail: 'no driver has accepted SF-30022 yet: keep the bag until the desk names one',
      },
      { status: 'RETURNING', detail: 'SF-30023 is on its way back to the store' },
    ] as const;
    for (const [i, c] of cases.entries()) {
      const orderNumber = `SF-3002${i}`;
      const { id, reservationId } = desk.delivery({
        orderNumber,
        lines: [{ sku: 'TEA-GREEN', qty: 1 }],
        status: c.status,
        ...('driver' in c ? { driver: null, carrier: null, collectBy: null } : {}),
      });
      const tea = onHand(desk, 'TEA-GREEN');
      const head = desk.node.sync.outbox.head();
      const res = await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, {});
      expect(res.status, c.status).toBe(409);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.detail).toBe(c.detail);
      expect((await desk.call('GET', `/api/delivery/${id}`)).body.refusal).toBe(c.detail);
      expect(onHand(desk, 'TEA-GREEN')).toBe(tea);
      expect(desk.node.sync.outbox.head()).toBe(head);
      expect(desk.node.bopis.repo.get(reservationId)!.status).toBe('CONFIRMED');
    }
    // the hub's copy of the delivery came, its hold not yet
    const id = randomUUID();
    desk.feed(
      'delivery.changed',
      desk.changed({ id, reservationId: randomUUID(), orderNumber: 'SF-30029', lines: [{ sku: 'TEA-GREEN', qty: 1 }] }),
    );
    const early = await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, {});
    expect(early.status).toBe(409);
    expect(early.body.detail).toBe(
      'the hold of SF-30029 has not reached this store yet: wait for the sync, then try again',
    );
    expect((await desk.call('POST', `/api/delivery/${randomUUID()}/hand-to-driver`, {})).status).toBe(404);
  });

  it('still hands the hold over when the driver’s app said collected first (the hub’s copy: out, arriving, delivered)', async () => {
    // The driver's word moves the hub's copy; the goods leave this store's count (and the customer is charged) only
    // with the desk's hand-over of the hold: it must stay possible, and happen once.
    for (const [i, status] of (['OUT_FOR_DELIVERY', 'ARRIVING', 'DELIVERED'] as const).entries()) {
      const orderNumber = `SF-3007${i}`;
      const { id, reservationId } = desk.delivery({ orderNumber, lines: [{ sku: 'TEA-GREEN', qty: 2 }], status });
      expect((await desk.call('GET', `/api/delivery/${id}`)).body).toMatchObject({ status, refusal: null });
      const tea = onHand(desk, 'TEA-GREEN');
      const head = desk.node.sync.outbox.head();
      const handed = await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, {});
      expect(handed.status, status).toBe(200);
      expect(handed.body).toMatchObject({ id, status, handedTo: 'Sam K.' });
      expect(onHand(desk, 'TEA-GREEN')).toBe(tea - 2);
      expect(desk.node.bopis.repo.get(reservationId)!.status).toBe('FULFILLED');
      expect(outboxAfter(desk, head).map((e) => e.type)).toEqual([
        'stock.moved',
        'reservation.picked-up',
        'delivery.handed-to-driver',
      ]);
      const again = await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, {});
      expect(again.status).toBe(409);
      expect(again.body.detail).toMatch(new RegExp(`^${orderNumber} was already handed to Sam K\\. at `));
      expect(onHand(desk, 'TEA-GREEN')).toBe(tea - 2);
      expect(outboxAfter(desk, head)).toHaveLength(3);
    }
  });

  it('puts a failed delivery’s goods back into stock once, however often the entry comes (RETURN, ref delivery:<id>)', async () => {
    const lines = [
      { sku: 'TEA-GREEN', qty: 2 },
      { sku: 'WINE-RED', qty: 1 },
    ];
    const { id } = desk.delivery({ orderNumber: 'SF-30030', lines, ageRestricted: true });
    expect((await desk.call('POST', `/api/delivery/${id}/hand-to-driver`, {})).status).toBe(200);
    const tea = onHand(desk, 'TEA-GREEN');
    const wine = onHand(desk, 'WINE-RED');
    const head = desk.node.sync.outbox.head();
    desk.returned({ id, orderNumber: 'SF-30030', lines, reason: 'age check failed at the door' });
    desk.returned({ id, orderNumber: 'SF-30030', lines, reason: 'age check failed at the door' });
    expect(onHand(desk, 'TEA-GREEN')).toBe(tea + 2);
    expect(onHand(desk, 'WINE-RED')).toBe(wine + 1);
    expect(outboxAfter(desk, head)).toEqual([
      {
        type: 'stock.moved',
        payload: expect.objectContaining({ sku: 'TEA-GREEN', delta: 2, kind: 'RETURN', ref: `delivery:${id}` }),
      },
      {
        type: 'stock.moved',
        payload: expect.objectContaining({ sku: 'WINE-RED', delta: 1, kind: 'RETURN', ref: `delivery:${id}` }),
      },
    ]);
    // replaying the parked feed (as every start does) does not put them back again either
    await desk.node.sync.replayParkedFeed('test');
    expect(onHand(desk, 'TEA-GREEN')).toBe(tea + 2);
    // the desk shows them back in stock with the count
    expect((await desk.call('GET', `/api/delivery/${id}`)).body.returned).toMatchObject({
      units: 3,
      reason: 'age check failed at the door',
    });

    // goods this store never handed over never left its count: recorded, no stock moved
    const never = desk.delivery({ orderNumber: 'SF-30031', lines: [{ sku: 'MUG-RED', qty: 1 }] });
    const mug = onHand(desk, 'MUG-RED');
    desk.returned({ id: never.id, orderNumber: 'SF-30031', lines: [{ sku: 'MUG-RED', qty: 1 }] });
    expect(onHand(desk, 'MUG-RED')).toBe(mug);
    expect((await desk.call('GET', `/api/delivery/${never.id}`)).body.returned).toMatchObject({ units: 1 });
  });

  it('keeps the pickup desk from handing a delivery’s hold to a customer (a cancelled delivery’s too), and labels it', async () => {
    for (const [orderNumber, status] of [
      ['SF-30040', 'ASSIGNED'],
      ['SF-30041', 'CANCELLED'],
    ] as const) {
      const { reservationId } = desk.delivery({ orderNumber, status, lines: [{ sku: 'MUG-RED', qty: 1 }] });
      const found = await desk.call('GET', `/api/bopis/pickups?q=${orderNumber}`);
      expect(found.body.items).toMatchObject([{ id: reservationId, leavesByDelivery: orderNumber }]);
      for (const action of ['hand-over', 'no-show']) {
        const res = await desk.call('POST', `/api/bopis/pickups/${reservationId}/${action}`);
        expect(res.status, action).toBe(409);
        expect(res.body.detail).toBe(
          `${orderNumber} leaves by delivery: its goods go to the driver at the delivery desk`,
        );
      }
      expect(desk.node.bopis.repo.get(reservationId)!.status).toBe('CONFIRMED');
    }
    // a customer's own pickup is not labelled
    desk.feed('reservation.changed', {
      id: 'pickup-hold-1',
      customerRef: 'Ida M.',
      status: 'CONFIRMED',
      lines: [{ sku: 'MUG-RED', qty: 1 }],
      expiresAt: desk.now() + 3_600_000,
      updatedAt: desk.nextUpdate(),
      orderNumber: 'SF-30042',
    });
    expect((await desk.call('GET', '/api/bopis/pickups?q=SF-30042')).body.items).toMatchObject([
      { id: 'pickup-hold-1', leavesByDelivery: null },
    ]);
    expect((await desk.call('POST', '/api/bopis/pickups/pickup-hold-1/hand-over')).body.status).toBe('FULFILLED');
  });

  it('lists today’s bags grouped by who collects them; tomorrow’s are not on it, yesterday’s still waiting are', async () => {
    const fresh = await deliveryDeskNode('sf-delivery-day-');
    try {
      const van = { kind: 'VAN' as const, name: 'Harbour vans' };
      const a = fresh.delivery({ orderNumber: 'SF-40002', lines: [{ sku: 'TEA-GREEN', qty: 1 }] });
      const b = fresh.delivery({ orderNumber: 'SF-40001', lines: [{ sku: 'WINE-RED', qty: 2 }], ageRestricted: true });
      const drone = fresh.delivery({
        orderNumber: 'SF-40003',
        lines: [{ sku: 'MUG-RED', qty: 1 }],
        carrier: { kind: 'DRONE', name: 'Skyhop' },
        driver: { name: 'Drone 7', vehicle: 'SKY-07' },
        collectBy: fresh.now() + 15 * MIN,
      });
      const waiting = fresh.delivery({
        orderNumber: 'SF-40004',
        lines: [{ sku: 'TEA-GREEN', qty: 1 }],
        status: 'REQUESTED',
        carrier: null,
        driver: null,
        collectBy: null,
      });
      const overdue = fresh.delivery({
        orderNumber: 'SF-39999',
        lines: [{ sku: 'TEA-GREEN', qty: 1 }],
        carrier: van,
        driver: { name: 'Lars P.', vehicle: 'B-SF 7' },
        collectBy: fresh.now() - 20 * 60 * MIN, // yesterday, 18:05
      });
      fresh.delivery({
        orderNumber: 'SF-40005',
        lines: [{ sku: 'TEA-GREEN', qty: 1 }],
        collectBy: fresh.now() + 11 * 60 * MIN, // 01:05 tomorrow in Berlin
        window: { from: fresh.now() + 12 * 60 * MIN, to: fresh.now() + 13 * 60 * MIN },
      });
      const day = await fresh.call('GET', '/api/delivery');
      expect(day.status).toBe(200);
      expect(day.body).toMatchObject({ day: '2026-11-28', timeZone: 'Europe/Berlin' });
      const groups = day.body.groups.map((g: any) => ({
        who: g.driver && `${g.driver.name} ${g.driver.vehicle} (${g.carrier?.name})`,
        bags: g.deliveries.map((d: any) => d.orderNumber),
      }));
      expect(groups).toEqual([
        { who: 'Lars P. B-SF 7 (Harbour vans)', bags: ['SF-39999'] },
        { who: 'Drone 7 SKY-07 (Skyhop)', bags: ['SF-40003'] },
        { who: 'Sam K. B-SF 1042 (Harbour vans)', bags: ['SF-40001', 'SF-40002'] },
        { who: null, bags: ['SF-40004'] },
      ]);
      const sam = day.body.groups[2];
      expect(sam.deliveries[0]).toMatchObject({
        id: b.id,
        customerName: 'Ann L.',
        area: '10115 Berlin',
        ageRestricted: true,
        lines: [{ sku: 'WINE-RED', qty: 2, name: 'Rioja 2021, 75 cl' }],
      });
      expect([a.id, drone.id, waiting.id, overdue.id]).toHaveLength(4);
      // search by order number, any day, in the ways people type it
      for (const q of ['SF-40005', 'sf 40005', '40005']) {
        const found = await fresh.call('GET', `/api/delivery?q=${encodeURIComponent(q)}`);
        expect(
          found.body.groups.flatMap((g: any) => g.deliveries.map((d: any) => d.orderNumber)),
          q,
        ).toEqual(['SF-40005']);
      }
      expect((await fresh.call('GET', '/api/delivery?q=SF-1')).body.groups).toEqual([]);
    } finally {
      await fresh.node.stop();
    }
  });

  it('answers bad input with 400 problem+json and changes nothing', async () => {
    const { id } = desk.delivery({ orderNumber: 'SF-30050', lines: [{ sku: 'TEA-GREEN', qty: 1 }] });
    const head = desk.node.sync.outbox.head();
    const bad: [string, string, unknown?][] = [
      ['GET', '/api/delivery?q=Ann%20Lee'],
      ['GET', `/api/delivery?q=${'9'.repeat(41)}`],
      ['GET', '/api/delivery?limit=1e9'],
      ['GET', '/api/delivery/a%20b'],
      ['GET', `/api/delivery/${'x'.repeat(65)}`],
      ['POST', `/api/delivery/${id}/hand-to-driver`, { driverName: 'Sam\u001bK.' }],
      ['POST', `/api/delivery/${id}/hand-to-driver`, { driverName: 'x'.repeat(101) }],
      ['POST', `/api/delivery/${id}/hand-to-driver`, { driverName: 42 }],
      ['POST', `/api/delivery/${id}/hand-to-driver`, { driverName: '   ' }],
      ['POST', `/api/delivery/${id}/hand-to-driver`, { deliveryId: id }],
      ['POST', `/api/delivery/${id}/hand-to-driver`, [1, 2]],
      ['POST', `/api/delivery/${id}/hand-to-driver`, '{"driverName":"Sam\\u0000"}'],
      ['POST', `/api/delivery/${id}/hand-to-driver`, '{not json'],
    ];
    for (const [method, path, body] of bad) {
      const res = await desk.call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.type).toContain('application/problem+json');
    }
    expect(desk.node.sync.outbox.head()).toBe(head);
    expect((await desk.call('GET', `/api/delivery/${id}`)).body.handedAt).toBeNull();
  });
});

describe('the store’s day', () => {
  it('runs from local midnight to local midnight, 23 or 25 hours on the days the clocks change', () => {
    const berlin = (iso: string) => storeDay(Date.parse(iso), 'Europe/Berlin');
    expect(berlin('2026-11-28T23:30:00Z')).toEqual({
      day: '2026-11-29',
      from: Date.parse('2026-11-28T23:00:00Z'),
      to: Date.parse('2026-11-29T23:00:00Z'),
    });
    const spring = berlin('2026-03-29T12:00:00Z');
    expect(spring).toEqual({
      day: '2026-03-29',
      from: Date.parse('2026-03-28T23:00:00Z'),
      to: Date.parse('2026-03-29T22:00:00Z'),
    });
    const autumn = berlin('2026-10-25T12:00:00Z');
    expect((autumn.to - autumn.from) / 3_600_000).toBe(25);
    expect(storeDay(Date.parse('2026-11-28T03:00:00Z'), 'America/Los_Angeles')).toMatchObject({
      day: '2026-11-27',
      from: Date.parse('2026-11-27T08:00:00Z'),
    });
  });
});

describe('who opens the delivery desk', () => {
  /** The calls delivery.js makes (`api('POST', `/api/delivery/${d.id}/…`)`), an id in `${…}` as one segment. */
  const calls = [
    ...readFileSync(new URL('../src/ui/static/delivery.js', import.meta.url), 'utf8').matchAll(
      /api\(\s*'(GET|POST)',\s*(?:search \? `[^`]*` : )?[`']([^`'?]+)/g,
    ),
  ].map(([, method, path]) => [method!, path!.replace(/\$\{[^}]*\}/g, 'x')] as const);

  it('the pickup desk’s screen and the handheld reach its page and every call it makes; the kiosk and a POS do not', () => {
    expect(calls.map(([m, p]) => `${m} ${p}`)).toEqual(['GET /api/delivery', 'POST /api/delivery/x/hand-to-driver']);
    for (const [method, path] of [
      ...calls,
      ['GET', '/delivery.html'],
      ['GET', '/delivery.js'],
      ['GET', '/api/delivery/x'],
    ]) {
      for (const role of ['pickup', 'handheld', 'lane'] as const)
        expect(decideAccess(role, method, path), `${role} ${method} ${path}`).toEqual({ allow: true });
      expect(decideAccess('kiosk', method, path)).toEqual({ allow: false, status: 403, detail: KIOSK_REFUSAL });
      expect(decideAccess('pos', method, path)).toEqual({ allow: false, status: 403, detail: POS_REFUSAL });
    }
  });
});
