import type { EventHandler } from '../../kernel/event-handlers.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { HubPricerService } from './hub-pricer.js';
import type { SigningKeys } from './signing-keys.js';

/**
 * Scan & Go (lane F): a customer's session at a store over their cart document, scans by barcode, a priced checkout
 * paid in the app (PAYMENTS), a signed exit token the door checks offline, and the paid basket sent to the store's
 * feed (`scango.paid`) so the store records the sale and moves its stock. CONTRACT STUB.
 */
export class ScanGo {
  constructor(
    readonly ctx: HubContext,
    readonly pricer: HubPricerService,
    readonly keys: SigningKeys,
  ) {}
  async start(): Promise<void> {}
  /** The `scango.exited` event handler. */
  exitedHandler(): EventHandler {
    return async () => {};
  }
}
