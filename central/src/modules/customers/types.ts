import type { Customer } from '../../kernel/ports/customers.js';

// What other modules ask of customers is a port between modules (kernel/ports/customers.ts).
export type { Customer, CustomerDirectory, StoreLinkVia } from '../../kernel/ports/customers.js';

export type CustomerInput = Pick<Customer, 'name'> & Partial<Pick<Customer, 'email' | 'phone' | 'preferredStoreId'>>;
