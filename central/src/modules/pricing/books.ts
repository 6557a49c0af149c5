import type { HubContext } from '../../kernel/module-contract.js';

/**
 * Regions, price books and their entries (lane B): create/rename books (CHAIN, REGION, STORE), put entries (one, or a
 * CSV import of many, each with its window), end or delete them, assign stores to regions; every change takes a
 * revision and announces it to stores in its transaction. CONTRACT STUB.
 */
export class PriceBooks {
  constructor(readonly ctx: HubContext) {}
}
