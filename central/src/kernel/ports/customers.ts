import type { Queryable } from '../../db/db.js';
import { definePort } from '../ports.js';

export interface Customer {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly preferredStoreId: string | null;
  /** Their loyalty card (the whole 16-digit number), or null: a customer with one is a member (member prices). */
  readonly loyaltyCard: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** How a store came to know a customer, which lets it read and edit them from then on. */
export type StoreLinkVia = 'sign-up' | 'order' | 'cart';

/** What other modules may ask of the customers module (carts and orders). */
export interface CustomerDirectory {
  /** The customer, or undefined; with `q`, read in the caller's transaction (the hub's PGlite has one connection). */
  get(id: string, q?: Queryable): Promise<Customer | undefined>;
  /**
   * Records that `storeId` deals with the customer (an order of theirs placed or fulfilled there, their cart changed
   * there), so the store may read and edit the profile. Idempotent. Resolves true when the pair is linked, false when
   * the customer does not exist (nothing is linked, no error). With `tx`, the link is part of the caller's
   * transaction; callers without one await it before answering, so the store sees the customer at once.
   */
  linkStore(customerId: string, storeId: string, via: StoreLinkVia, tx?: Queryable): Promise<boolean>;
  /**
   * Whether `storeId` is linked to the customer (false for an unknown customer, or an id that is not a customer id).
   * With `q`, read in the caller's transaction (an event handler's: the hub's PGlite has one connection).
   */
  isLinked(customerId: string, storeId: string, q?: Queryable): Promise<boolean>;
  /**
   * Whether `storeId` may read the customer's profile: linked by a sign-up, an order or a cart change there, not by a
   * kiosk look-up alone (false for an unknown customer or an id that is not a customer id). What a store may learn of
   * a customer through another module (their recommendations) follows this rule, not `isLinked`.
   */
  mayReadProfile(customerId: string, storeId: string, q?: Queryable): Promise<boolean>;
  /**
   * The customer whose loyalty card this is (the whole 16-digit number), or null when nobody holds it. With `q`, read
   * in the caller's transaction. `idsByCards` does the same for many cards in one read (a run of sales).
   */
  idByCard(card: string, q?: Queryable): Promise<string | null>;
  /** Card → customer id for the cards some customer holds, in one read; a card nobody holds is left out. */
  idsByCards(cards: readonly string[], q?: Queryable): Promise<Map<string, string>>;
}

export const CUSTOMER_DIRECTORY = definePort<CustomerDirectory>(
  'customers.directory',
  'the customer profiles carts and orders name and link stores to',
);

/** What a customer's own account may set on their profile (issue #26): the e-mail is the account's sign-in name. */
export interface OwnProfileChange {
  readonly name?: string;
  readonly phone?: string | null;
  readonly preferredStoreId?: string | null;
}

/**
 * Profiles for customers' own accounts (issue #26, the accounts module): a sign-up or a guest session makes the
 * profile here, so one customer id owns the cart and orders whether the customer came by web, app or store.
 */
export interface CustomerProfiles {
  /** A new profile (a guest's has no e-mail); throws a ConflictError when the e-mail is another customer's. */
  create(input: { readonly name: string; readonly email: string | null }, q?: Queryable): Promise<Customer>;
  /** The profile with this e-mail (trimmed, lower-cased as profiles keep it), or undefined. */
  findByEmail(email: string, q?: Queryable): Promise<Customer | undefined>;
  /** Sets the fields given; undefined when there is no such customer. */
  update(id: string, change: OwnProfileChange, q?: Queryable): Promise<Customer | undefined>;
  /** Sets the e-mail of a profile that has none (a guest who signed up); throws a ConflictError when it is taken. */
  setEmail(id: string, email: string, q?: Queryable): Promise<Customer | undefined>;
}

export const CUSTOMER_PROFILES = definePort<CustomerProfiles>(
  'customers.profiles',
  'customer profiles the customers’ own accounts make and edit (web and app sign-up)',
);
