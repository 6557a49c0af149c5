import type { EventHandler } from '../../kernel/event-handlers.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { SigningKeys } from './signing-keys.js';

/**
 * Coupons (lane C): issuing batches of single-use codes for a coupon promotion (signed, downloaded once as CSV),
 * verifying a code online, the redemptions stores report (`coupon.redeemed`: the first is recorded and announced,
 * a later one is a double for head office), and the list of doubles. CONTRACT STUB.
 */
export class Coupons {
  constructor(
    readonly ctx: HubContext,
    readonly keys: SigningKeys,
  ) {}
  /** The `coupon.redeemed` event handler. */
  redeemedHandler(): EventHandler {
    return async () => {};
  }
}
