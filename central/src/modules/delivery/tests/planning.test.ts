import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import {
  addDelivery,
  addVan,
  deliveryState,
  door,
  eventsOf,
  expectSameMembers,
  liveRoute,
  routeProblems,
  routesOf,
} from './planning-fixture.js';

/**
 * The route planner on a hub: vans and deliveries written as an accepted offer leaves them, the sweep (every 300 ms
 * here) re-plans each depot whose inputs changed, and every route written is checked by the test's own arithmetic.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const FAR_SHIFT_END = Number.POSITIVE_INFINITY;

describe.each(dbTargets)('the route planner, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let n = 0;
  const depot = async () => (await t.store(`PLN-${target.name}-${++n}-${Date.now() % 100000}`, admin)).id;

  beforeAll(async () => {
    t = await TestHub.start(target, { tuning: { deliveryReplanBudgetMs: 150, deliveryReplanEveryMs: 300 } });
    admin = await t.login();
  });
  afterAll(() => t?.stop());

  it("plans each van's deliveries into one on-time route, and sets each delivery's ETA and collection time", async () => {
    const depotId = await depot();
    const a = await addVan(t, depotId);
    const b = await addVan(t, depotId, { capacityStops: 3 });
    const now = Date.now();
    const mine = {
      [a.id]: await Promise.all(
        [
          [3, 1],
          [5, -2],
          [-4, 2],
          [1, 6],
        ].map(([e, nn]) => addDelivery(t, { storeId: depotId, vanId: a.id, at: door(e!, nn!) })),
      ),
      [b.id]: await Promise.all([
        addDelivery(t, { storeId: depotId, vanId: b.id, at: door(-2, -3) }),
        addDelivery(t, {
          storeId: depotId,
          vanId: b.id,
          at: door(6, 6),
          window: { from: now + HOUR, to: now + 2 * HOUR },
        }),
      ]),
    };
    for (const van of [a, b]) {
      const route = await waitFor(`${van.code}'s route`, async () => {
        const r = await liveRoute(t, van.id);
        return r && r.stops.length === mine[van.id]!.length && r;
      });
      expect(route.status).toBe('PLANNED');
      expectSameMembers(
        route.stops.map((s) => s.deliveryId),
        mine[van.id]!,
      );
      expect(
        await routeProblems(t, route, {
          capacityGrams: 50_000,
          capacityStops: van === b ? 3 : 20,
          speedKmh: 30,
          shiftEnd: FAR_SHIFT_END,
        }),
      ).toEqual([]);
      expect(route.distance_km).toBeGreaterThan(0);
    }
    // The windowed one is reached once its window opens.
    const windowed = await deliveryState(t, mine[b.id]![1]!);
    expect(windowed.eta).toBeGreaterThanOrEqual(windowed.window_from);
  });

  it('a van taken off duty: what is on board stays on its route as it was, the rest moves to a van on duty', async () => {
    const depotId = await depot();
    const a = await addVan(t, depotId);
    const b = await addVan(t, depotId);
    const onBoard = await addDelivery(t, { storeId: depotId, vanId: a.id, at: door(2, 2), status: 'OUT_FOR_DELIVERY' });
    const waiting = await Promise.all([
      addDelivery(t, { storeId: depotId, vanId: a.id, at: door(-3, 1) }),
      addDelivery(t, { storeId: depotId, vanId: a.id, at: door(-1, -4) }),
    ]);
    const bOwn = await addDelivery(t, { storeId: depotId, vanId: b.id, at: door(4, -1) });
    const first = await waitFor("a's first route", async () => {
      const r = await liveRoute(t, a.id);
      return r && r.stops.length === 3 && r;
    });
    expect(first.status).toBe('UNDER_WAY');
    expect(first.stops[0]).toMatchObject({ deliveryId: onBoard, state: 'UNDER_WAY' });

    // The driver drops out: head office takes the van off duty.
    const off = await t.call('PATCH', `/api/delivery/carriers/${a.id}`, { active: false }, { cookie: admin });
    expect(off.status).toBe(200);
    const bRoute = await waitFor("b's route with a's waiting deliveries", async () => {
      const r = await liveRoute(t, b.id);
      return r && r.stops.length === 3 && r;
    });
    expectSameMembers(
      bRoute.stops.map((s) => s.deliveryId),
      [bOwn, ...waiting],
    );
    expect(
      await routeProblems(t, bRoute, {
        capacityGrams: 50_000,
        capacityStops: 20,
        speedKmh: 30,
        shiftEnd: FAR_SHIFT_END,
      }),
    ).toEqual([]);
    for (const id of waiting) {
      expect((await deliveryState(t, id)).carrier_id).toBe(b.id);
      expect((await eventsOf(t, id)).at(-1)).toEqual({
        kind: 'MOVED',
        text: `moved to ${b.code}: ${a.code} is off duty`,
      });
    }
    const aRoute = await waitFor("a's route down to what is on board", async () => {
      const r = await liveRoute(t, a.id);
      return r && r.stops.length === 1 && r;
    });
    expect(aRoute.stops[0]).toEqual(first.stops[0]);
    expect((await deliveryState(t, onBoard)).carrier_id).toBe(a.id);
    // The store's desk hears who collects now.
    const { rows } = await t.hub.db.query<{ payload: { id: string; carrier: { name: string } | null } }>(
      `SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'delivery.changed' ORDER BY seq`,
      [depotId],
    );
    for (const id of waiting)
      expect(rows.filter((r) => r.payload.id === id).at(-1)?.payload.carrier?.name).toBe(b.name);
  });

  it('new deliveries for a van already out come after its stops on board, once it is back at the depot to load', async () => {
    const depotId = await depot();
    const a = await addVan(t, depotId);
    const out1 = await addDelivery(t, { storeId: depotId, vanId: a.id, at: door(8, 0), status: 'OUT_FOR_DELIVERY' });
    const out2 = await addDelivery(t, { storeId: depotId, vanId: a.id, at: door(9, 3), status: 'ARRIVING' });
    const first = await waitFor('the run on board', async () => {
      const r = await liveRoute(t, a.id);
      return r && r.stops.length === 2 && r;
    });
    const order = first.stops.map((s) => s.deliveryId);
    const added = await addDelivery(t, { storeId: depotId, vanId: a.id, at: door(-2, 0) });
    const again = await waitFor('the new stop after them', async () => {
      const r = await liveRoute(t, a.id);
      return r && r.stops.length === 3 && r;
    });
    expect(again.stops.slice(0, 2).map((s) => s.deliveryId)).toEqual(order);
    expect(again.stops.slice(0, 2).every((s) => s.state === 'UNDER_WAY')).toBe(true);
    expect(again.stops[2]).toMatchObject({ deliveryId: added, state: 'PLANNED' });
    expect(again.plan_version).toBeGreaterThan(first.plan_version);
    expect(new Set([out1, out2])).toEqual(new Set(order));
    const d = await deliveryState(t, added);
    // Collected when the van is back from its last stop on board (≥ 9.5 km out, 30 km/h: well over 15 minutes).
    expect(d.collect_by!).toBeGreaterThan(again.stops[1]!.departAt + 15 * MIN);
    expect(
      await routeProblems(t, again, {
        capacityGrams: 50_000,
        capacityStops: 20,
        speedKmh: 30,
        shiftEnd: FAR_SHIFT_END,
      }),
    ).toEqual([]);
  });

  it("what no van can fit is said on the delivery's timeline and handed back to be offered elsewhere — never planned late", async () => {
    const depotId = await depot();
    const a = await addVan(t, depotId, { capacityGrams: 20_000 });
    const now = Date.now();
    const heavy = await addDelivery(t, { storeId: depotId, vanId: a.id, at: door(1, 1), grams: 25_000 });
    const late = await addDelivery(t, {
      storeId: depotId,
      vanId: a.id,
      at: door(3, 0),
      window: { from: now - 2 * HOUR, to: now - HOUR },
    });
    const fine = await addDelivery(t, { storeId: depotId, vanId: a.id, at: door(2, 0) });
    const route = await waitFor('the route of what fits', async () => {
      const r = await liveRoute(t, a.id);
      return r && r.stops.length === 1 && r;
    });
    expect(route.stops[0]!.deliveryId).toBe(fine);
    const said = async (id: string) =>
      waitFor(`the timeline of ${id}`, async () => (await eventsOf(t, id)).find((e) => e.kind === 'NO_VAN_FITS'));
    expect((await said(heavy)).text).toBe(
      'no van can fit it: it weighs 25 kg, more than a van of this depot carries (20 kg)',
    );
    expect((await said(late)).text).toMatch(
      // an hour ago: yesterday's date is said too when the test runs just after midnight (depot time, UTC here)
      /^no van can fit it: its window closes at \d\d:\d\d( on \d{1,2} [A-Z][a-z]{2})?, before any van can get there$/,
    );
    // Handed back to the assignment: no longer this van's (offered to other carriers, taken by one, or unassigned).
    for (const id of [heavy, late])
      await waitFor(`${id} handed back`, async () => (await deliveryState(t, id)).carrier_id !== a.id);
    expect((await routesOf(t, [a.id])).flatMap((r) => r.stops.map((s) => s.deliveryId))).not.toContain(heavy);
  });

  it('a van whose shift is over is planned for its next one; a delivery for a later shift waits, unreported', async () => {
    const depotId = await depot();
    const nowMin = Math.floor((Date.now() % (24 * HOUR)) / MIN);
    // A shift that ended an hour ago (UTC minutes of the day) and starts again in 23 hours' time minus 2 h.
    const shift: [number, number] = [(nowMin + 1440 - 3 * 60) % 1440, (nowMin + 1440 - 60) % 1440];
    const a = await addVan(t, depotId, { shift });
    const now = Date.now();
    const tomorrow = await addDelivery(t, {
      storeId: depotId,
      vanId: a.id,
      at: door(2, 0),
      window: { from: now + 22 * HOUR, to: now + 23 * HOUR },
    });
    const later = await addDelivery(t, {
      storeId: depotId,
      vanId: a.id,
      at: door(-2, 0),
      window: { from: now + 70 * HOUR, to: now + 71 * HOUR },
    });
    const route = await waitFor('the next shift planned', async () => {
      const r = await liveRoute(t, a.id);
      return r && r.stops.length === 1 && r;
    });
    // The next shift starts in about 21 hours; the van leaves after loading and arrives in the window.
    expect(route.stops[0]!.deliveryId).toBe(tomorrow);
    const d = await deliveryState(t, tomorrow);
    expect(d.collect_by!).toBeGreaterThan(now + 20 * HOUR);
    expect(d.eta!).toBeGreaterThanOrEqual(d.window_from);
    expect(await eventsOf(t, later)).toEqual([]);
    expect((await deliveryState(t, later)).eta).toBeNull();
  });
});
