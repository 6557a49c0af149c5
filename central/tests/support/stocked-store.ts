import { hlcEncode } from '@storefleet/shared';
import { ReservationService } from '../../src/modules/reservations/service.js';
import { provided } from '../../src/kernel/ports.js';
import { INVENTORY_HOLDS } from '../../src/kernel/ports/inventory.js';
import type { TestHub } from './test-hub.js';

/**
 * A store registered on the hub with `qty` of one catalogued sku on hand, and a ReservationService of its own over the
 * hub's database (the same as the hub's, built here so a test can call it directly and past the HTTP edge's checks).
 */
export async function stockedStore(
  t: TestHub,
  code: string,
  sku: string,
  qty: number,
): Promise<{ storeId: string; reservations: ReservationService }> {
  const admin = await t.login();
  const storeId = (await t.store(code, admin)).id;
  await t.hub.db.query(
    `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at) VALUES ($1, $1, 'Test', 1000, 'USD', 'EXEMPT', 1)`,
    [sku],
  );
  const hlc = hlcEncode({ wallMs: Date.now(), counter: 0, node: storeId });
  await t.hub.sync.repo.applyBatch(
    storeId,
    [{ origin: storeId, seq: 1, hlc, type: 'stock.moved', payload: { sku, delta: qty, kind: 'RECEIVE' } }],
    0,
  );
  const holds = provided(t.hub.modules.find((m) => m.name === 'inventory')!.provides!({} as never), INVENTORY_HOLDS)!;
  return { storeId, reservations: new ReservationService(t.hub.db, holds, t.hub.sync.feed, Date.now) };
}
