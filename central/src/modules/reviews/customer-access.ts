import { ForbiddenError, isUuid, NotFoundError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { isHeadOffice } from '../../kernel/access.js';
import type { Principal } from '../../kernel/principal.js';
import type { Customer, CustomerDirectory } from '../../kernel/ports/customers.js';

/**
 * Who may act for a customer in the reviews routes (write a review, edit or delete it, vote, report): head office (a
 * web/app backend's service account acting for its signed-in customer) for a customer the customers module knows, or
 * a store's own credential (its kiosk) for a customer that store is linked to (CUSTOMER_DIRECTORY.isLinked). Who may
 * READ a customer's reviews (their list, a held review, its revisions): head office, or a store that may read the
 * customer's profile (CUSTOMER_DIRECTORY.mayReadProfile: a sign-up, an order, a cart there — a kiosk's card scan alone
 * does not). Another store, or any store when no customers module runs, gets the 404 an unknown customer gets; a
 * person signed in at a store acts for no customer (403). Without the customers module head office names any id.
 */
export class ReviewCustomerAccess {
  constructor(readonly directory: () => CustomerDirectory | undefined) {}

  /** Throws ForbiddenError for a store's people: they never act for a customer. */
  assertMayActForCustomers(p: Principal): void {
    if (p.kind === 'user' && !isHeadOffice(p))
      throw new ForbiddenError('only head office or a store’s own credential (its kiosk) acts for a customer');
  }

  /**
   * Resolves when `p` may act for `customerId` (with the customer when the customers module runs), else throws: 403
   * for a store's people, 404 for another store and for a customer the customers module does not know (head office
   * included, so made-up ids get no fresh limits, votes or reports).
   */
  async check(p: Principal, customerId: string, q?: Queryable): Promise<Customer | undefined> {
    this.assertMayActForCustomers(p);
    const directory = this.directory();
    if (isHeadOffice(p)) {
      if (!directory) return undefined;
      const customer = isUuid(customerId) ? await directory.get(customerId.toLowerCase()) : undefined;
      if (!customer) throw new NotFoundError('customer', customerId);
      return customer;
    }
    if (!(await this.linked(p, customerId, q))) throw new NotFoundError('customer', customerId);
    return directory?.get(customerId.toLowerCase());
  }

  /** Whether `p` is a store's credential linked to the customer (head office: false — it is not the author's actor by link). */
  async linked(p: Principal, customerId: string, q?: Queryable): Promise<boolean> {
    if (p.kind !== 'store' || !isUuid(customerId)) return false;
    const directory = this.directory();
    return directory !== undefined && (await directory.isLinked(customerId.toLowerCase(), p.storeId, q));
  }

  /**
   * Whether `p` may read the customer's reviews beyond what everyone sees: head office always; a store's credential
   * when it may read the customer's profile (mayReadProfile, the rule for what a store learns through another module).
   */
  async mayRead(p: Principal, customerId: string, q?: Queryable): Promise<boolean> {
    if (isHeadOffice(p)) return true;
    if (p.kind !== 'store' || !isUuid(customerId)) return false;
    const directory = this.directory();
    return directory !== undefined && (await directory.mayReadProfile(customerId.toLowerCase(), p.storeId, q));
  }

  /** Resolves when `p` may read the customer's reviews (see `mayRead`), else 403 for a store's people, 404 otherwise. */
  async checkRead(p: Principal, customerId: string): Promise<void> {
    this.assertMayActForCustomers(p);
    if (!(await this.mayRead(p, customerId))) throw new NotFoundError('customer', customerId);
  }
}
