import { isUuid, NotFoundError } from '@storefleet/shared';
import { isHeadOffice, storeOf } from '../../kernel/access.js';
import type { Principal } from '../../kernel/principal.js';
import type { CustomerDirectory } from '../../kernel/ports/customers.js';

/** Linked pairs remembered per hub before the memory starts over (a forgotten pair is only asked again). */
const MAX_REMEMBERED = 50_000;

/**
 * Who may ask for (or tell of) a named customer: head office, or a store that may read the customer's profile (the
 * customers module's rule: a store that signed them up, took their order or worked on their cart — a kiosk look-up
 * alone links a store for the customer's cart, not for what they do elsewhere). Anyone else — another store, a user of
 * no store, any store when no customers module runs — is answered 404 as if the customer did not exist, so a store
 * cannot learn who shops elsewhere. A pair once allowed is remembered (a profile once visible stays so), so a store's
 * repeated requests for its customer ask the directory once.
 */
export class CustomerAccess {
  readonly #linked = new Set<string>();

  constructor(readonly directory: () => CustomerDirectory | undefined) {}

  /**
   * Resolves when `p` may act for `customerId`, else throws the NotFoundError an unknown customer gets. With
   * `mustExist`, head office too must name a real customer (an event is recorded in their name).
   */
  async check(p: Principal, customerId: string, opts: { mustExist?: boolean } = {}): Promise<void> {
    const hidden = new NotFoundError('customer', customerId);
    if (isHeadOffice(p)) {
      if (!opts.mustExist) return;
      const directory = this.directory();
      if (!directory || !isUuid(customerId) || !(await directory.get(customerId))) throw hidden;
      return;
    }
    const storeId = storeOf(p);
    // customer ids are UUIDs: anything else names nobody a store could be linked to
    if (storeId === null || !isUuid(customerId)) throw hidden;
    const pair = `${storeId}:${customerId}`;
    if (this.#linked.has(pair)) return;
    const directory = this.directory();
    if (!directory || !(await directory.mayReadProfile(customerId, storeId))) throw hidden;
    if (this.#linked.size >= MAX_REMEMBERED) this.#linked.clear();
    this.#linked.add(pair);
  }
}
