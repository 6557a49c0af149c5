import type { HubContext, SnapshotSource } from '../../kernel/module-contract.js';

/**
 * What each store holds of pricing (lane B): `GET /api/pricing/store-rules?after=&limit=` pages (the books that apply to
 * the store, its promotions, the signing keys, the used coupons) and the cold start's `pricing` section (the same
 * rows from revision 0). CONTRACT STUB.
 */
export class StoreRules {
  constructor(readonly ctx: HubContext) {}
  bootstrap(): SnapshotSource {
    return { count: async () => 0, page: async () => ({ rows: [], next: null }) };
  }
}
