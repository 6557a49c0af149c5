import type { HubContext } from '../../kernel/module-contract.js';

/** Promotions (lane B): create, edit, end and delete, validated with the shared schemas; announced to stores. CONTRACT STUB. */
export class Promotions {
  constructor(readonly ctx: HubContext) {}
}
