import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bothDbTargets } from './support/db-targets.js';
import { stockedStore } from './support/stocked-store.js';
import { TestHub } from './support/test-hub.js';
import type { ReservationService } from '../src/modules/reservations/service.js';

/**
 * One request must never fail its group commit: a hold the database refuses (here a customer reference with U+0000,
 * which the HTTP edge refuses but a direct service call lets through) fails alone, and its 255 neighbours in the same
 * batch of 256 are granted.
 */
describe.each(bothDbTargets)('group commits isolate a bad request on $name', (target) => {
  let t: TestHub;
  let storeId: string;
  let service: ReservationService;

  beforeAll(async () => {
    t = await TestHub.start(target);
    ({ storeId, reservations: service } = await stockedStore(t, 'ISO-A', 'ISO-SKU', 1000));
  });
  afterAll(() => t?.stop());

  it('grants the 255 valid holds among a batch of 256 when one is refused by the database', async () => {
    // The first hold runs alone at once; the 256 that arrive while it commits share the next batch.
    const refs = Array.from({ length: 257 }, (_, i) =>
      i === 200 ? 'iso-bad\u0000ref' : `iso-${String(i).padStart(3, '0')}`,
    );
    const results = await Promise.allSettled(
      refs.map((customerRef) => service.reserve({ storeId, customerRef, lines: [{ sku: 'ISO-SKU', qty: 1 }] })),
    );

    const granted = results.flatMap((r, i) => (r.status === 'fulfilled' ? [refs[i]] : []));
    expect(granted).toEqual(refs.filter((_, i) => i !== 200));
    expect(results[200]!.status).toBe('rejected');

    const rows = await t.hub.db.query<{ customer_ref: string }>(
      'SELECT customer_ref FROM reservations WHERE store_id = $1 ORDER BY customer_ref',
      [storeId],
    );
    expect(rows.rows.map((r) => r.customer_ref)).toEqual([...granted].sort());
    const stock = await t.hub.db.query<{ reserved: number }>(
      'SELECT reserved FROM inventory_stock WHERE store_id = $1 AND sku = $2',
      [storeId, 'ISO-SKU'],
    );
    expect(stock.rows[0]!.reserved).toBe(256);
    const feed = await t.hub.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM sync_feed WHERE store_id = $1 AND type = 'reservation.changed'",
      [storeId],
    );
    expect(feed.rows[0]!.n).toBe(256);
  });
});
