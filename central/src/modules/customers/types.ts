import type { Customer } from '../../kernel/ports/customers.js';

// What other modules ask of customers is a port between modules (kernel/ports/customers.ts).
export type { Customer, CustomerDirectory, StoreLinkVia } from '../../kernel/ports/customers.js';

export type CustomerInput = Pick<Customer, 'name'> & Partial<Pick<Customer, 'email' | 'phone' | 'preferredStoreId'>>;

/** A profile as this module answers it: the customer and their loyalty card number (on the card they carry). */
export type CustomerProfile = Customer & { readonly loyaltyCard: string | null };

/** What a customer shows or types at a kiosk to open their cart: one of their card, phone number or email. */
export type CustomerLookup = { readonly card: string } | { readonly phone: string } | { readonly email: string };
