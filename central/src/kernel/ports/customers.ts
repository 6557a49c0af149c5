import type { Queryable } from '../../db/db.js';
import { definePort } from '../ports.js';

export interface Customer {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly preferredStoreId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** How a store came to know a customer, which lets it read and edit them from then on. */
export type StoreLinkVia = 'sign-up' | 'order' | 'cart';

/** What other modules may ask of the customers module (carts and orders). */
export interface CustomerDirectory {
  get(id: string): Promise<Customer | undefined>;
  /**
   * Records that `storeId` deals with the customer (an order of theirs placed or fulfilled there, their cart changed
   * there), so the store may read and edit the profile. Idempotent. Resolves true when the pair is linked, false when
   * the customer does not exist (nothing is linked, no error). With `tx`, the link is part of the caller's
   * transaction; callers without one await it before answering, so the store sees the customer at once.
   */
  linkStore(customerId: string, storeId: string, via: StoreLinkVia, tx?: Queryable): Promise<boolean>;
  /** Whether `storeId` is linked to the customer (false for an unknown customer). */
  isLinked(customerId: string, storeId: string): Promise<boolean>;
}

export const CUSTOMER_DIRECTORY = definePort<CustomerDirectory>(
  'customers.directory',
  'the customer profiles carts and orders name and link stores to',
);
