import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToCart, cartDocId, cartView, type CartDoc } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import type { HubDocs } from '../../../kernel/module-contract.js';
import { cartMerge } from '../cart-merge.js';

/**
 * The carts module's CART_MERGE (issue #26): a guest's cart folded into an account's at sign-in. The sign-in itself is
 * the accounts module's (its tests); here the merge meets an edit made while it runs. Kept in the carts module's own
 * tests because it reaches the merge directly, with a document store that edits the guest's cart mid-merge.
 */
describe.each(dbTargets)('a guest cart merged into an account, on $name', (target) => {
  let t: TestHub;

  beforeAll(async () => {
    t = await TestHub.start(target);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("takes off a guest's cart only what it moved: a line added there meanwhile stays", async () => {
    const a = { customerId: randomUUID() };
    const guestId = randomUUID();
    const line = (sku: string) => ({ sku, name: sku, unitPriceMinor: 100, currency: 'EUR', taxClass: 'STANDARD' });
    const as = (customerId: string) => ({ kind: 'customer' as const, customerId, sessionId: 'test' });
    const docs = t.hub.sync.docs;
    await docs.change<CartDoc>(as(guestId), cartDocId(guestId), (d) => {
      addToCart(d, line('A'), 1, 'web', 1);
      addToCart(d, line('B'), 3, 'web', 1);
    });
    // Another tab edits the guest's cart after the merge read it and before it takes the moved lines off: one more A
    // and a new line D. Neither was moved, so both must stay with the guest.
    const racing = {
      read: docs.read.bind(docs),
      update: async (...args: Parameters<HubDocs['update']>) => {
        if (args[1] === cartDocId(a.customerId))
          await docs.change<CartDoc>(as(guestId), cartDocId(guestId), (d) => {
            addToCart(d, line('A'), 2, 'other tab', 2);
            addToCart(d, line('D'), 1, 'other tab', 2);
          });
        return docs.update(...args);
      },
    } as unknown as HubDocs;
    expect(await cartMerge(racing).merge(guestId, a.customerId)).toEqual({ linesMoved: 2 });
    const qty = async (id: string) =>
      Object.fromEntries(cartView(await docs.read<CartDoc>(as(id), cartDocId(id))).lines.map((l) => [l.sku, l.qty]));
    expect(await qty(a.customerId)).toEqual({ A: 1, B: 3 });
    expect(await qty(guestId)).toEqual({ A: 2, D: 1 });
    // A second merge moves what was left, and nothing twice: the larger quantity wins for a sku both carts hold.
    expect(await cartMerge(docs).merge(guestId, a.customerId)).toEqual({ linesMoved: 2 });
    expect(await qty(a.customerId)).toEqual({ A: 2, B: 3, D: 1 });
    expect(await qty(guestId)).toEqual({});
  });
});
