import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { evaluate } from '../promise.js';
import { DeliveryRepository } from '../repository.js';
import type { Carrier } from '../types.js';
import {
  addCarriers,
  addProducts,
  carrierBody,
  deliveryHub,
  orderFor,
  setClock,
  storeAt,
  type DeliveryHub,
} from './core-harness.js';

const at = (iso: string) => Date.parse(iso);

/**
 * A van serves only deliveries leaving from its own depot (the route planner drives every van from it): Manhattan's
 * van, whose area covers Jersey City across the river, is never offered a Jersey City delivery — not by the promise,
 * not by the database's prefilter, not weighed in the refusal's sentence. Gig drivers still serve every store in reach.
 */
describe.each(dbTargets)('vans serve their own depot, on $name', (target) => {
  let h: DeliveryHub;
  const jc = { lat: 40.72, lon: -74.05 };
  const mh = { lat: 40.75, lon: -73.99 };
  let jersey: { id: string; name: string };
  let manhattan: { id: string; name: string };

  beforeAll(async () => {
    h = await deliveryHub(target);
    await setClock(h, at('2027-06-09T18:00:00Z')); // 14:00 in New York
    await addProducts(h, [{ sku: 'MUG', name: 'Mug', size: '350 g' }]);
    jersey = await storeAt(h, 'DLV-JC', { ...jc, timezone: 'America/New_York' });
    manhattan = await storeAt(h, 'DLV-MH', { ...mh, timezone: 'America/New_York' });
    // 5.7 km apart: the van's 20 km covers both stores and both doors
    await addCarriers(h, [
      carrierBody('VAN-MH-1', { kind: 'VAN', lat: undefined, lon: undefined, depotId: manhattan.id }),
    ]);
  }, 120_000);
  afterAll(() => h?.t.stop());

  const promiseFrom = (store: { id: string }, from: { lat: number; lon: number }) => {
    const { orderId: _o, orderNumber: _n, reservationId: _r, ...order } = orderFor(store.id, { from, kmEast: 2 });
    return h.desk.promise(order);
  };

  it('offers the Manhattan van Manhattan’s delivery and refuses Jersey City’s, naming no carrier of Jersey City', async () => {
    expect(await promiseFrom(manhattan, mh)).toMatchObject({ ok: true, carriers: 1 });
    expect(await promiseFrom(jersey, jc)).toEqual({
      ok: false,
      reason: 'no carrier can deliver 350 g to 2.0 km away before 16:00 (no active carrier serves Store DLV-JC)',
    });
  });

  it('leaves the other depot’s van out of the prefilter, while a gig driver in reach serves both stores', async () => {
    await addCarriers(h, [carrierBody('GIG-RIVER', { lat: 40.735, lon: -74.02 })]);
    expect(await promiseFrom(jersey, jc)).toMatchObject({ ok: true, carriers: 1 });
    expect(await promiseFrom(manhattan, mh)).toMatchObject({ ok: true, carriers: 2 });
    const codes = async (store: { id: string }, from: { lat: number; lon: number }) =>
      (
        await new DeliveryRepository(h.t.hub.db).candidates(
          { store: { ...from, id: store.id }, door: { lat: from.lat, lon: from.lon + 0.02 }, weightGrams: 350 },
          true,
          null,
        )
      )
        .map((c) => c.carrier.code)
        .sort();
    expect(await codes(jersey, jc)).toEqual(['GIG-RIVER']);
    expect(await codes(manhattan, mh)).toEqual(['GIG-RIVER', 'VAN-MH-1']);
  });

  it('says a van of another depot is out of range, whatever its radius', () => {
    const van = {
      kind: 'VAN',
      depotId: 'depot-mh',
      lat: mh.lat,
      lon: mh.lon,
      radiusKm: 50,
      active: true,
      grounded: false,
      capacityGrams: 20_000,
      capacityStops: 5,
      speedKmh: 30,
      shiftStartMin: 0,
      shiftEndMin: 1440,
      costBaseMinor: 0,
      costPerKmMinor: 0,
    } as Carrier;
    const now = at('2027-06-09T18:00:00Z');
    const job = (id: string) => ({
      store: { id, name: 'S', timezone: 'America/New_York', ...jc },
      door: { lat: jc.lat, lon: jc.lon + 0.02 },
      weightGrams: 350,
      ageRestricted: false,
      window: { from: now, to: now + 7_200_000 },
    });
    expect(evaluate(van, { stops: 0, grams: 0 }, job('depot-jc'), now)).toMatchObject({
      ok: false,
      blockers: ['range'],
    });
    expect(evaluate(van, { stops: 0, grams: 0 }, job('depot-mh'), now)).toMatchObject({ ok: true });
  });
});
