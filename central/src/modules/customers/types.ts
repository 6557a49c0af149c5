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

/** What other modules may ask of this one (service `customers.directory`). */
export interface CustomerDirectory {
  get(id: string): Promise<Customer | undefined>;
}
