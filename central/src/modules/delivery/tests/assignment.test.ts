import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryChangedSchema } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import {
  addCarriers,
  carrierBody,
  deliveryHub,
  orderFor,
  readDelivery,
  ScriptedCarriers,
  type DeliveryHub,
} from './core-harness.js';

/**
 * Assignment (issue #18): each delivery is offered to the best-scored carrier, then the next on a decline or no answer
 * in time; every offer is recorded with its explained score; one carrier answering twice, or many answers at once,
 * make one assignment.
 */
describe.each(dbTargets)('assigning deliveries to carriers, on $name', (target) => {
  let h: DeliveryHub;
  let storeA: { id: string; token: string };
  const carriers = new ScriptedCarriers();

  beforeAll(async () => {
    h = await deliveryHub(target, { carriers });
    storeA = await h.t.store('DLV-A', h.admin);
    // Three gig drivers around store A: cheap, middling and dear; a DSP whose area lies north of the store.
    await addCarriers(h, [
      carrierBody('GIG-CHEAP', { costBaseMinor: 200, costPerKmMinor: 20 }),
      carrierBody('GIG-MID', { costBaseMinor: 700, costPerKmMinor: 60 }),
      carrierBody('GIG-DEAR', { costBaseMinor: 1500, costPerKmMinor: 150, speedKmh: 15 }),
    ]);
  }, 120_000);
  afterAll(() => h?.t.stop());

  it('offers to the best score first, each term explained, then to the next on each decline, and records every answer', async () => {
    const order = orderFor(storeA.id);
    const { deliveryId } = await h.desk.request(order);
    const asked: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const offered = await waitFor(`offer ${i}`, () => carriers.for(deliveryId)[i - 1]);
      asked.push(offered.carrier.code);
      expect(await carriers.answer(deliveryId, 'DECLINE', `busy ${i}`)).toMatchObject({ outcome: 'declined' });
    }
    expect(asked).toEqual(['GIG-CHEAP', 'GIG-MID', 'GIG-DEAR']);

    const { delivery, offers, timeline } = await readDelivery(h, deliveryId);
    expect(offers.map((o: any) => [o.carrier.code, o.rank, o.status, o.note])).toEqual([
      ['GIG-CHEAP', 1, 'DECLINED', 'busy 1'],
      ['GIG-MID', 2, 'DECLINED', 'busy 2'],
      ['GIG-DEAR', 3, 'DECLINED', 'busy 3'],
    ]);
    const totals = offers.map((o: any) => o.score.total);
    expect([...totals].sort((a, b) => b - a)).toEqual(totals);
    for (const o of offers) {
      expect(o.score.terms.map((t: any) => t.name)).toEqual(['cost', 'eta', 'capacity', 'reliability']);
      const sum = o.score.terms.reduce((s: number, t: any) => s + t.points, 0);
      expect(o.score.total).toBeCloseTo(sum, 0);
      for (const t of o.score.terms) expect(t.why).toMatch(new RegExp(`: \\+${t.points.toFixed(1)}$`));
    }
    const cheap = offers[0].score.terms;
    expect(cheap[0].why).toMatch(/^costs \$2\.\d\d \(\$2\.00 \+ \$0\.20\/km × 3\.9 km\): \+2\d\.\d$/);
    // The arrival is said with its day when it is not today (clockTime): "00:16 tomorrow", "00:16 on 3 Jun".
    expect(cheap[1].why).toMatch(
      /^arrives \d\d:\d\d( tomorrow| on \d{1,2} [A-Z][a-z]{2})?, \d+ min before the window closes/,
    );
    expect(cheap[2].why).toMatch(/^keeps 80 % of its room free after this one \(1 of 5 stops\)/);
    expect(cheap[3].why).toMatch(/^no offers or deliveries in the last 30 days: counted as 64 %/);

    // Nobody left: UNASSIGNED with the reason, and the timeline says what happened in order.
    expect(delivery.status).toBe('UNASSIGNED');
    expect(delivery.failure).toMatch(/^3 carriers were asked and none took it; no carrier can deliver 500 g/);
    expect(timeline.map((e: any) => e.kind)).toEqual([
      'REQUESTED',
      'OFFERED',
      'DECLINED',
      'OFFERED',
      'DECLINED',
      'OFFERED',
      'DECLINED',
      'UNASSIGNED',
    ]);
    // The store's copy followed: requested, then not assigned.
    const { rows } = await h.t.hub.db.query<{ type: string; payload: unknown }>(
      "SELECT type, payload FROM sync_feed WHERE store_id = $1 AND type = 'delivery.changed' ORDER BY seq",
      [storeA.id],
    );
    const copies = rows.map((r) => deliveryChangedSchema.parse(r.payload)).filter((c) => c.id === deliveryId);
    expect(copies.map((c) => c.status)).toEqual(['REQUESTED', 'UNASSIGNED']);
    expect(copies[0]).toMatchObject({ orderNumber: order.orderNumber, customerName: 'Ann L.', area: '07102 Newark' });
  });

  it('moves on when the best carrier does not answer within the offer timeout (the hub’s clock moved on)', async () => {
    const { deliveryId } = await h.desk.request(orderFor(storeA.id));
    const first = await waitFor('the first offer', () => carriers.for(deliveryId)[0]);
    expect(first.carrier.code).toBe('GIG-CHEAP');
    h.t.clock.offsetMs += 61_000;
    try {
      const second = await waitFor('the offer to the next carrier', () => carriers.for(deliveryId)[1]);
      expect(second.carrier.code).toBe('GIG-MID');
    } finally {
      h.t.clock.offsetMs -= 61_000;
    }
    expect(carriers.withdrawn).toContain(first.offer.offerId);
    const { offers, timeline } = await readDelivery(h, deliveryId);
    expect(offers.map((o: any) => [o.carrier.code, o.status, o.note])).toEqual([
      ['GIG-CHEAP', 'TIMED_OUT', 'no answer within 60 s'],
      ['GIG-MID', 'PENDING', null],
    ]);
    expect(timeline.find((e: any) => e.kind === 'TIMED_OUT').detail.text).toBe(
      'GIG-CHEAP did not answer: no answer within 60 s',
    );
    // Its answer, late, changes nothing: the offer is closed.
    expect(await first.answers.answer(first.offer.offerId, first.carrier.id, 'ACCEPT', null)).toEqual({
      outcome: 'ignored',
      status: 'TIMED_OUT',
    });
    await carriers.answer(deliveryId, 'ACCEPT');
    expect((await readDelivery(h, deliveryId)).delivery).toMatchObject({
      status: 'ASSIGNED',
      driver: { name: 'Dee R.', vehicle: 'KX12 ABC' },
    });
  });

  it('makes one assignment when a carrier answers twice, and when answers race each other', async () => {
    const { deliveryId } = await h.desk.request(orderFor(storeA.id));
    const offered = await waitFor('the offer', () => carriers.for(deliveryId)[0]);
    const say = (verdict: 'ACCEPT' | 'DECLINE') =>
      offered.answers.answer(offered.offer.offerId, offered.carrier.id, verdict, null, { name: 'Bo', vehicle: 'V1' });
    const outcomes = await Promise.all([say('ACCEPT'), say('ACCEPT'), say('DECLINE'), say('ACCEPT')]);
    const decided = outcomes.filter((o) => o.outcome !== 'ignored');
    expect(decided).toHaveLength(1);
    const { delivery, offers } = await readDelivery(h, deliveryId);
    if (decided[0]!.outcome === 'assigned') {
      expect(delivery).toMatchObject({ status: 'ASSIGNED', carrierId: offered.carrier.id });
      expect(offers.filter((o: any) => o.status === 'ACCEPTED')).toHaveLength(1);
      expect(offers).toHaveLength(1);
    } else {
      // The decline came first: the next carrier has the offer, and nobody is assigned yet.
      expect(delivery.status).toBe('REQUESTED');
      expect(offers.map((o: any) => o.status)).toEqual(['DECLINED', 'PENDING']);
    }
    // Once more, after it was decided: nothing changes.
    expect(await say('ACCEPT')).toMatchObject({ outcome: 'ignored' });
    expect((await readDelivery(h, deliveryId)).offers).toHaveLength(offers.length);
  });
});
