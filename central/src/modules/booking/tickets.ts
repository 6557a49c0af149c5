import type { HubContext } from '../../kernel/module-contract.js';

/** Signs tickets with the hub's Ed25519 ticket key, shared by every replica through the database (lane B). */
export class TicketSigner {
  constructor(readonly ctx: HubContext) {}

  async load(): Promise<void> {}
}
