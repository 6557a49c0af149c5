import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { book, entry, importProducts, sendSales, StoreOutbox } from './insights-fixture.js';

const DAY = 86_400_000;
const TENPC_MILK = {
  name: '10 % off milk',
  rule: { kind: 'PERCENT_OFF', target: { skus: ['MILK'] }, bp: 1_000 },
  priority: 10,
  stacking: 'STACKABLE',
};

describe.each(dbTargets)('pricing previews and dry runs, on $name', (target) => {
  let t: TestHub;
  let admin: { cookie: string };
  let storeA: { id: string; token: string };
  let storeB: { id: string; token: string };
  let chain: string;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = { cookie: await t.login() };
    await importProducts(t, admin.cookie);
    storeA = await t.store('PA1', admin.cookie);
    storeB = await t.store('PB1', admin.cookie);
    chain = await book(t, 'CHAIN');
    await entry(t, chain, 'MILK', 320);
    const own = await book(t, 'STORE', { storeId: storeA.id });
    await entry(t, own, 'MILK', 290);
  }, 120_000);
  afterAll(() => t?.stop());

  it('previews a chain price change: the price now and after, and only the stores whose price moves', async () => {
    const r = await t.call(
      'POST',
      '/api/pricing/preview/entries',
      {
        bookId: chain,
        entries: [
          { sku: 'MILK', priceMinor: 352 },
          { sku: 'BREAD', priceMinor: 380 },
        ],
      },
      admin,
    );
    expect(r.status).toBe(200);
    const [milk, bread] = r.body.entries;
    // store A keeps its own book's 2.90; store B goes from the chain's 3.20 to 3.52 (+10 %)
    expect(milk).toMatchObject({ sku: 'MILK', name: 'Milk 1 l', stores: 2, storesAffected: 1 });
    expect(milk).toMatchObject({ nowMinor: 320, afterMinor: 352, changeBp: 1_000 });
    // bread had no book price: the catalog's 4.00 at both stores
    expect(bread).toMatchObject({ stores: 2, storesAffected: 2, nowMinor: 400, afterMinor: 380, changeBp: -500 });
  });

  it('refuses a preview naming skus the catalog does not hold (422 naming them), an unknown book (404), bad input (400)', async () => {
    const unknown = await t.call(
      'POST',
      '/api/pricing/preview/entries',
      { bookId: chain, entries: [{ sku: 'NOPE-1', priceMinor: 1 }] },
      admin,
    );
    expect(unknown.status).toBe(422);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(unknown.body.detail).toContain('NOPE-1');
    const noBook = await t.call(
      'POST',
      '/api/pricing/preview/entries',
      { bookId: '0190a0a0-0000-7000-8000-000000000000', entries: [{ sku: 'MILK', priceMinor: 1 }] },
      admin,
    );
    expect(noBook.status).toBe(404);
    for (const body of [
      {},
      { bookId: chain, entries: [] },
      { bookId: chain, entries: [{ sku: 'MILK', priceMinor: -1 }] },
      { bookId: chain, entries: [{ sku: 'MILK', priceMinor: 1.5 }] },
      { bookId: chain, entries: [{ sku: 'MILK', priceMinor: 1, from: 10, to: 5 }] },
    ]) {
      const bad = await t.call('POST', '/api/pricing/preview/entries', body, admin);
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('previews the skus a promotion targets: its skus and its categories’ products, with the count', async () => {
    const r = await t.call(
      'POST',
      '/api/pricing/preview/promotion',
      { ...TENPC_MILK, rule: { kind: 'PERCENT_OFF', target: { skus: ['BREAD'], categories: ['Dairy'] }, bp: 500 } },
      admin,
    );
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(3);
    expect(r.body.skus.map((s: { sku: string }) => s.sku)).toEqual(['BREAD', 'MILK', 'YOGURT']);
    expect(r.body.skus[1]).toMatchObject({ name: 'Milk 1 l', category: 'Dairy', priceMinor: 300 });
    const whole = await t.call(
      'POST',
      '/api/pricing/preview/promotion',
      { name: 'Spend $50, save $5', rule: { kind: 'THRESHOLD', spendMinor: 5_000, offMinor: 500 } },
      admin,
    );
    expect(whole.body).toMatchObject({ total: 4, wholeCatalog: true });
    const bad = await t.call(
      'POST',
      '/api/pricing/preview/promotion',
      { name: 'x', rule: { kind: 'MULTI_BUY', target: { skus: ['MILK'] }, buy: 3, payFor: 3 } },
      admin,
    );
    expect(bad.status).toBe(400);
  });

  it('dry-runs a promotion over last week’s baskets: what it would have given, per day, top skus, examples', async () => {
    const now = Date.now();
    const outbox = new StoreOutbox(t, storeB.id);
    await sendSales(outbox, [
      {
        at: now - 2 * DAY,
        lines: [
          ['MILK', 2, 320],
          ['BREAD', 1, 400],
        ],
      },
      { at: now - 1 * DAY, lines: [['MILK', 1, 320]] },
      { at: now - 1 * DAY + 1, lines: [['BREAD', 2, 400]] },
      { at: now - 9 * DAY, lines: [['MILK', 5, 320]] }, // before the window
    ]);
    const start = await t.call('POST', '/api/pricing/dry-runs', { promotion: TENPC_MILK }, admin);
    expect(start.status).toBe(202);
    const done = await waitFor(
      'the dry run to finish',
      async () => {
        const r = await t.call('GET', `/api/pricing/dry-runs/${start.body.id}`, undefined, admin);
        return r.body.status !== 'RUNNING' && r.body;
      },
      60_000,
    );
    expect(done.status).toBe('DONE');
    // store B pays the chain's 3.20 for milk: 10 % of 3 × 3.20 = 0.96 over two baskets of the three
    expect(done.result).toMatchObject({ baskets: 3, applied: 2, discountMinor: 96, truncated: false });
    expect(done.progress).toMatchObject({ scanned: 3, of: 3, fraction: 1 });
    expect(done.result.topSkus).toEqual([{ sku: 'MILK', name: 'Milk 1 l', qty: 3, discountMinor: 96 }]);
    expect(done.result.perDay.reduce((n: number, d: { discountMinor: number }) => n + d.discountMinor, 0)).toBe(96);
    expect(done.result.examples[0]).toMatchObject({ beforeMinor: 1_040, afterMinor: 976, discountMinor: 64 });
    expect(done.result.examples).toHaveLength(2);
  });

  it('refuses a dry run of an unknown promotion (404), a window over 31 days (422), bad input (400)', async () => {
    const unknown = await t.call(
      'POST',
      '/api/pricing/dry-runs',
      { promotionId: '0190a0a0-0000-7000-8000-000000000000' },
      admin,
    );
    expect(unknown.status).toBe(404);
    const long = await t.call('POST', '/api/pricing/dry-runs', { promotion: TENPC_MILK, from: 0, to: 40 * DAY }, admin);
    expect(long.status).toBe(422);
    for (const body of [
      {},
      { promotion: TENPC_MILK, promotionId: '0190a0a0-0000-7000-8000-000000000000' },
      { promotion: { name: 'x' } },
    ]) {
      expect((await t.call('POST', '/api/pricing/dry-runs', body, admin)).status).toBe(400);
    }
    expect((await t.call('GET', '/api/pricing/dry-runs/not-a-uuid', undefined, admin)).status).toBe(400);
    expect(
      (await t.call('GET', '/api/pricing/dry-runs/0190a0a0-0000-7000-8000-000000000000', undefined, admin)).status,
    ).toBe(404);
    const { rows } = await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pricing_dry_runs');
    expect(rows[0]!.n).toBe(1);
  });

  it('is head office’s: a store’s token is refused', async () => {
    const r = await t.call('POST', '/api/pricing/preview/promotion', TENPC_MILK, { bearer: storeA.token });
    expect(r.status).toBe(403);
  });
});
