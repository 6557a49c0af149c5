import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { addCarriers, carrierBody, deliveryHub, orderFor, type DeliveryHub } from './core-harness.js';
import { deliveryState, eventsOf, liveRoute, routeProblems } from './planning-fixture.js';

/**
 * The planner as the rest of the module reaches it: an in-house van accepting a delivery asks for a re-plan of its
 * depot (`replanSoon`), a cancelled one too. The sweep is an hour apart here, so only those asks can plan anything.
 */
describe.each(dbTargets)('van routes follow the assignment, on $name', (target) => {
  let h: DeliveryHub;
  let store: { id: string; token: string };
  let van: { id: string; code: string };

  beforeAll(async () => {
    h = await deliveryHub(target, {
      config: { tuning: { deliveryReplanBudgetMs: 150, deliveryReplanEveryMs: 3_600_000 } },
    });
    store = await h.t.store('PLN-FLOW', h.admin);
    const added = await addCarriers(h, [
      carrierBody('VAN-FLOW-1', {
        kind: 'VAN',
        depotId: store.id,
        lat: undefined,
        lon: undefined,
        capacityGrams: 60_000,
        capacityStops: 10,
        speedKmh: 30,
        costBaseMinor: 0,
        costPerKmMinor: 0,
      }),
    ]);
    van = added['VAN-FLOW-1']!;
  }, 120_000);
  afterAll(() => h?.t.stop());

  it('each delivery the van accepts joins its route at once; a cancelled one leaves it', async () => {
    const ids: string[] = [];
    for (const km of [2, 4, 6]) {
      const { deliveryId } = await h.desk.request(orderFor(store.id, { kmEast: km }));
      ids.push(deliveryId);
      await waitFor(`${deliveryId} accepted`, async () => (await deliveryState(h.t, deliveryId)).carrier_id === van.id);
    }
    const route = await waitFor('a route with all three', async () => {
      const r = await liveRoute(h.t, van.id);
      return r && r.stops.length === 3 && r;
    });
    expect(route.stops.map((s) => s.deliveryId).sort()).toEqual([...ids].sort());
    expect(
      await routeProblems(h.t, route, {
        capacityGrams: 60_000,
        capacityStops: 10,
        speedKmh: 30,
        shiftEnd: Number.POSITIVE_INFINITY,
      }),
    ).toEqual([]);
    // Along one road east: the nearest first.
    expect(route.stops.map((s) => s.deliveryId)).toEqual(ids);
    expect((await eventsOf(h.t, ids[0]!)).map((e) => e.kind)).not.toContain('NO_VAN_FITS');

    await h.desk.cancel(
      (await h.t.hub.db.query<{ order_id: string }>('SELECT order_id FROM deliveries WHERE id = $1', [ids[1]])).rows[0]!
        .order_id,
    );
    const after = await waitFor('the route without the cancelled one', async () => {
      const r = await liveRoute(h.t, van.id);
      return r && r.stops.length === 2 && r;
    });
    expect(after.stops.map((s) => s.deliveryId)).toEqual([ids[0], ids[2]]);
    expect(after.plan_version).toBeGreaterThan(route.plan_version);
  });
});
