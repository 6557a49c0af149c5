import { addToCart, cartDocId, cartQty, cartView, DEFAULT_FULFILMENT, type CartDoc } from '@storefleet/shared';
import type { CustomerPrincipal } from '../../kernel/principal.js';
import type { HubDocs } from '../../kernel/module-contract.js';
import type { CartMerge } from '../../kernel/ports/carts.js';

/** The merge acts as each cart's own customer would: the cart rule lets a customer write only their own cart. */
const asCustomer = (customerId: string): CustomerPrincipal => ({
  kind: 'customer',
  customerId,
  sessionId: 'cart-merge',
});

/**
 * A guest's cart folded into the account's at sign-in (issue #26). Every cart starts from CART_GENESIS, so both carts'
 * lines sit in the same `lines` map; the merge is one Automerge change on the account's cart (devices that edit it
 * meanwhile merge with it as with any change). It is not a merge of the guest document's history into the account's:
 * a sku both carts hold would then be two concurrent puts of one map key, and Automerge would keep one of them by
 * actor id, dropping the other's quantity at random. Here a shared sku keeps the larger quantity — the same product
 * added on the phone as a guest and on the laptop signed in is one wish, not two. Afterwards the guest's cart gives up
 * exactly what was read and folded in: each line read is lowered by the quantity read (a counter decrement, never a
 * delete), so a second sign-in with the same guest token moves nothing twice, while a line the guest added meanwhile
 * (another tab, an automerge-repo client, before or after this change reaches it) stays in the guest's cart, and so
 * does an increment of a line made meanwhile. A line lowered to 0 is not shown (cartView leaves it out).
 */
export function cartMerge(docs: HubDocs): CartMerge {
  return {
    async merge(fromCustomerId, intoCustomerId) {
      if (fromCustomerId === intoCustomerId) return { linesMoved: 0 };
      const guest = await docs.read<CartDoc>(asCustomer(fromCustomerId), cartDocId(fromCustomerId));
      const lines = cartView(guest).lines;
      if (lines.length === 0) return { linesMoved: 0 };
      const guestLines = guest.lines ?? {};
      const guestFulfilment = guest.fulfilment;
      let linesMoved = 0;
      await docs.update<CartDoc>(asCustomer(intoCustomerId), cartDocId(intoCustomerId), (doc) => {
        doc.lines ??= {};
        for (const line of lines) {
          const from = guestLines[line.sku];
          if (!from) continue;
          const have = cartQty(doc, line.sku);
          if (have === 0) {
            const { sku, name, unitPriceMinor, currency, taxClass } = from;
            addToCart(doc, { sku, name, unitPriceMinor, currency, taxClass }, line.qty, from.addedBy, from.addedAt);
            linesMoved++;
          } else if (line.qty > have) {
            doc.lines[line.sku]!.qty.increment(line.qty - have);
            linesMoved++;
          }
        }
        const mine = doc.fulfilment ?? DEFAULT_FULFILMENT;
        const isDefault = mine.type === DEFAULT_FULFILMENT.type && mine.storeId === DEFAULT_FULFILMENT.storeId;
        if (isDefault && guestFulfilment && guestFulfilment.type !== DEFAULT_FULFILMENT.type)
          doc.fulfilment = { type: guestFulfilment.type, storeId: guestFulfilment.storeId };
      });
      await docs.update<CartDoc>(asCustomer(fromCustomerId), cartDocId(fromCustomerId), (doc) => {
        for (const line of lines) doc.lines?.[line.sku]?.qty.increment(-line.qty);
      });
      return { linesMoved };
    },
  };
}
