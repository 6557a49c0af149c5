import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesBaskets } from '../../../kernel/ports/pricing.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { completed, parkedOf, StoreOutbox, voided } from './sales-fixture.js';

const at = (iso: string) => Date.parse(iso);
const CARD = '2900000000001234';

/**
 * A sale where the customer showed a loyalty card is a member's basket for a promotion's dry run (SALES_BASKETS):
 * member prices apply to it. The ledger keeps that a card was shown, never the card itself.
 */
describe.each(dbTargets)('members’ baskets in the sales ledger, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let baskets: SalesBaskets;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    const sales = t.hub.modules.find((m) => m.name === 'sales')!;
    baskets = sales.provides!({} as never)[0]!.service as SalesBaskets;
  });
  afterAll(() => t?.stop());

  it('reads a sale with a card shown as a member’s basket, one without as not, and keeps no card number', async () => {
    const s = await t.store('MEMBER-1', admin);
    const o = new StoreOutbox(t, s.id);
    const carded = { ...completed('M-1', at('2024-07-01T10:00:00Z'), [['MILK', 2, 300]]), customerCard: CARD };
    const plain = completed('M-2', at('2024-07-01T11:00:00Z'), [['BREAD', 1, 400]]);
    expect(
      await o.send(
        o.event('sale.completed', carded),
        o.event('sale.completed', plain),
        o.event('sale.voided', voided('M-3', at('2024-07-01T12:00:00Z'))),
      ),
    ).toEqual({ ackedSeq: 3 });
    expect(await parkedOf(t, admin, s.id)).toEqual([]);

    const page = await waitFor('both sales as baskets', async () => {
      const p = await baskets.page(t.hub.db, {
        from: at('2024-07-01T00:00:00Z'),
        to: at('2024-07-02T00:00:00Z'),
        storeId: s.id,
        limit: 10,
      });
      return p.length === 2 && p;
    });
    expect(page.map((b) => [b.saleId, b.member])).toEqual([
      ['M-1', true],
      ['M-2', false],
    ]);

    // the card shown is nowhere in the ledger's row, whatever its columns
    const { rows } = await t.hub.db.query('SELECT * FROM sales WHERE store_id = $1', [s.id]);
    expect(rows).toHaveLength(3);
    expect(JSON.stringify(rows)).not.toContain(CARD);
  });
});
