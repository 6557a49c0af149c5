import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { book, completed, importProducts, StoreOutbox } from './insights-fixture.js';

/**
 * A promotion's dry run prices a basket where a loyalty card was shown (the ledger's `member`) as a member's: the
 * book's member price, members-only promotions and MEMBER_PRICE rules apply to it and to no other basket; the result
 * says how many member baskets it priced.
 */
const DAY = 86_400_000;
const CARD = '2900000000001234';

describe.each(dbTargets)('a dry run over members’ baskets, on $name', (target) => {
  let t: TestHub;
  let admin: { cookie: string };
  let store: { id: string };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = { cookie: await t.login() };
    await importProducts(t, admin.cookie);
    store = await t.store('MEMB1', admin.cookie);
    // milk: 3.20 on the shelf, 2.80 for members
    const chain = await book(t, 'CHAIN');
    await t.hub.db.query(
      `INSERT INTO pricing_entries (id, book_id, sku, price_minor, member_price_minor, valid_from, revision, created_at, updated_at)
       VALUES ($1, $2, 'MILK', 320, 280, 0, nextval('pricing_revision_seq'), 0, 0)`,
      [randomUUID(), chain],
    );
    const now = Date.now();
    const outbox = new StoreOutbox(t, store.id);
    const member = { ...completed(randomUUID(), now - 2 * DAY, [['MILK', 2, 280]]), customerCard: CARD };
    const plain = completed(randomUUID(), now - DAY, [['MILK', 2, 320]]);
    await outbox.send(outbox.event('sale.completed', member), outbox.event('sale.completed', plain));
    await waitFor('both sales in the ledger', async () => {
      const { rows } = await t.hub.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sales WHERE sale_id = ANY($1::text[])',
        [[member.saleId, plain.saleId]],
      );
      return rows[0]?.n === 2;
    });
  }, 120_000);
  afterAll(() => t?.stop());

  async function dryRun(promotion: Record<string, unknown>) {
    const start = await t.call('POST', '/api/pricing/dry-runs', { promotion, storeId: store.id }, admin);
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
    return done.result;
  }

  it('prices a members-only promotion on the member’s basket only, from the member price', async () => {
    const result = await dryRun({
      name: 'Members: 10 % off milk',
      rule: { kind: 'PERCENT_OFF', target: { skus: ['MILK'] }, bp: 1_000 },
      membersOnly: true,
    });
    // 10 % of 2 × 2.80 (the member price, not the shelf's 3.20) = 0.56, on one basket of the two
    expect(result).toMatchObject({ baskets: 2, memberBaskets: 1, applied: 1, discountMinor: 56 });
    expect(result.beforeMinor).toBe(2 * 280 + 2 * 320);
    expect(result.examples).toHaveLength(1);
    expect(result.examples[0]).toMatchObject({ beforeMinor: 560, afterMinor: 504, discountMinor: 56 });
  });

  it('prices a MEMBER_PRICE promotion for the member and not for the other basket', async () => {
    const result = await dryRun({
      name: 'Member price milk 2.50',
      rule: { kind: 'MEMBER_PRICE', target: { skus: ['MILK'] }, priceMinor: 250 },
    });
    // 2 × (2.80 − 2.50)
    expect(result).toMatchObject({ baskets: 2, memberBaskets: 1, applied: 1, discountMinor: 60 });
  });

  it('a promotion for everyone counts both baskets, each from its own price', async () => {
    const result = await dryRun({
      name: '10 % off milk',
      rule: { kind: 'PERCENT_OFF', target: { skus: ['MILK'] }, bp: 1_000 },
    });
    // 10 % of 5.60 and of 6.40
    expect(result).toMatchObject({ baskets: 2, memberBaskets: 1, applied: 2, discountMinor: 56 + 64 });
  });
});
