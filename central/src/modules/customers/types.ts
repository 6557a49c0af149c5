export interface Customer {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly preferredStoreId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type CustomerInput = Pick<Customer, 'name'> & Partial<Pick<Customer, 'email' | 'phone' | 'preferredStoreId'>>;

/** How a store came to know a customer, which lets it read and edit them from then on. */
export type StoreLinkVia = 'sign-up' | 'order' | 'cart';

/** What other modules may ask of this one (service `customers.directory`). */
export interface CustomerDirectory {
  get(id: string): Promise<Customer | undefined>;
  /**
   * Records that `storeId` deals with the customer (an order placed or fulfilled there, its cart worked on there), so
   * the store may read and edit the profile. Idempotent; a customer that does not exist is not linked (no error).
   * Callers that hold no transaction await it before answering, so the store sees the customer at once.
   */
  linkStore(customerId: string, storeId: string, via: StoreLinkVia): Promise<void>;
}
