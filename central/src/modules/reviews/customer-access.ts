import { ForbiddenError, isUuid, NotFoundError } from '@storefleet/shared';
import { isHeadOffice } from '../../kernel/access.js';
import type { Queryable } from '../../db/db.js';
import type { Principal } from '../../kernel/principal.js';
import type { CustomerDirectory } from '../../kernel/ports/customers.js';

/**
 * Who may act for a customer in the reviews routes (write a review, edit or delete it, read their own list and
 * revisions): head office (a web/app backend's service account acting for its signed-in customer), or a store's own
 * credential (its kiosk) for a customer that store is linked to (CUSTOMER_DIRECTORY.isLinked). Another store, or any
 * store when no customers module runs, gets the 404 an unknown customer gets; a person signed in at a store writes no
 * review for a customer (403).
 */
export class ReviewCustomerAccess {
  constructor(readonly directory: () => CustomerDirectory | undefined) {}

  /** Throws ForbiddenError for a store's people: they never act for a customer. */
  assertMayActForCustomers(p: Principal): void {
    if (p.kind === 'user' && !isHeadOffice(p))
      throw new ForbiddenError('only head office or a store’s own credential (its kiosk) acts for a customer');
  }

  /** Resolves when `p` may act for `customerId`, else throws (403 for a store's people, 404 for another store). */
  async check(p: Principal, customerId: string, q?: Queryable): Promise<void> {
    this.assertMayActForCustomers(p);
    if (isHeadOffice(p)) return;
    if (!(await this.linked(p, customerId, q))) throw new NotFoundError('customer', customerId);
  }

  /** Whether `p` is a store's credential linked to the customer (head office: false — it is not the author's actor by link). */
  async linked(p: Principal, customerId: string, q?: Queryable): Promise<boolean> {
    if (p.kind !== 'store' || !isUuid(customerId)) return false;
    const directory = this.directory();
    return directory !== undefined && (await directory.isLinked(customerId, p.storeId, q));
  }
}
