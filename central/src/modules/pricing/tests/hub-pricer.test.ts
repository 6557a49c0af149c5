import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

/**
 * Issue #25 review: the hub pricer prices in the catalog's currency (a chain whose catalog is in euros gets euro
 * baskets and orders, as its stores' pages say), and a basket the engine cannot price (over its 100,000 units) is a
 * 422 problem naming the limit, never a 500.
 */
describe.each(dbTargets)('the hub pricer, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  const who = () => ({ cookie: admin });

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    for (const sku of ['HP-EURO', 'HP-BULK'])
      expect(
        (
          await t.call(
            'PUT',
            `/api/catalog/products/${sku}`,
            { name: sku, category: 'misc', priceMinor: 250, currency: 'EUR' },
            who(),
          )
        ).status,
      ).toBe(200);
  }, 120_000);
  afterAll(() => t?.stop());

  it('prices in the catalog’s currency', async () => {
    const r = await t.call('POST', '/api/pricing/price', { lines: [{ sku: 'HP-EURO', qty: 2 }], storeId: null }, who());
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ currency: 'EUR', subtotalMinor: 500 });
  });

  it('more than 100,000 units: 422 naming the limit, at the edge of it 200', async () => {
    const lines = Array.from({ length: 11 }, (_, i) => ({ sku: `HP-L${i}`, qty: 10_000 }));
    for (const l of lines)
      expect(
        (
          await t.call(
            'PUT',
            `/api/catalog/products/${l.sku}`,
            { name: l.sku, category: 'misc', priceMinor: 1, currency: 'EUR' },
            who(),
          )
        ).status,
      ).toBe(200);
    const over = await t.call('POST', '/api/pricing/price', { lines, storeId: null }, who());
    expect(over.status).toBe(422);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(over.body)).toContain('at most 100000 units');
    const edge = await t.call('POST', '/api/pricing/price', { lines: lines.slice(0, 10), storeId: null }, who());
    expect(edge.status).toBe(200);
  });
});
