import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../src/index.js';
import { fakePricing, RULES_REVISION, THREE_FOR_TWO } from './support/pos-pricing-fake.js';
import { SyncFixture, waitFor } from './support/sync-fixture.js';

const target = dbTargets.at(-1)!;

/**
 * Issue #25 from the lane to the hub: a sale with a 3-for-2 rung up at a store reaches the hub's sales ledger with its
 * lines' discounts, its promotions and the rules' revision, and the day's totals hold the discount. The store's pricing
 * is the stand-in of support/pos-pricing-fake.ts (the till's part is what is tested here).
 */
describe(`a discounted sale from the lane to the hub's ledger (${target.name})`, () => {
  let f: SyncFixture;
  let store: StoreNode;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(store.url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    store = await f.store('PRICE1', { name: 'Promo Street' }, false);
    const put = store.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
       VALUES (?, NULL, ?, NULL, NULL, 'Test', ?, 'USD', ?, 1)`,
    );
    put.run('HEADPHONES', 'Wireless headphones', 1000, 'STANDARD');
    put.run('CEREAL', 'Oat cereal 500 g', 349, 'REDUCED');
    fakePricing(store);
    await store.start();
  }, 180_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('the hub’s ledger holds the sale’s discount per line, its promotions and the day’s discounts', async () => {
    const sale = (await call('POST', '/api/pos/sales')).body;
    expect((await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL', qty: 3 })).status).toBe(200);
    expect((await call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'HEADPHONES', qty: 1 })).status).toBe(200);
    const paid = await call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 2000 });
    expect(paid.body).toMatchObject({ status: 'COMPLETED', totalMinor: 1787, discountMinor: 349 });

    const storeId = f.credentials.get('PRICE1')!.storeId;
    const row = await waitFor(
      'the sale in the hub’s ledger',
      async () => {
        const { rows } = await f.hub.db.query<{
          total_minor: string;
          discount_minor: string;
          promotions: unknown;
          rules_revision: string;
          lines: { sku: string; discountMinor?: number; subtotalMinor: number }[];
        }>(
          'SELECT total_minor, discount_minor, promotions, rules_revision, lines FROM sales WHERE store_id = $1 AND sale_id = $2',
          [storeId, sale.id],
        );
        return rows[0];
      },
      60_000,
    );
    expect(Number(row.total_minor)).toBe(1787);
    expect(Number(row.discount_minor)).toBe(349);
    expect(Number(row.rules_revision)).toBe(RULES_REVISION);
    expect(row.promotions).toEqual([{ promotionId: THREE_FOR_TWO, name: '3 for 2 on cereal', discountMinor: 349 }]);
    expect(row.lines.find((l) => l.sku === 'CEREAL')).toMatchObject({ discountMinor: 349, subtotalMinor: 698 });
    const { rows: day } = await f.hub.db.query<{ gross_minor: string; discount_minor: string }>(
      'SELECT gross_minor, discount_minor FROM sales_daily WHERE store_id = $1',
      [storeId],
    );
    expect(day.map((d) => [Number(d.gross_minor), Number(d.discount_minor)])).toEqual([[1787, 349]]);
  });
});
