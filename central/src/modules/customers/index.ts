import { isUuid } from '@storefleet/shared';
import type { HubModule } from '../../kernel/module-contract.js';
import { CustomerRepository } from './repository.js';
import { customerRoutes } from './routes.js';
import { provide } from '../../kernel/ports.js';
import { CUSTOMER_DIRECTORY, CUSTOMER_PROFILES } from '../../kernel/ports/customers.js';

export type { Customer, CustomerDirectory, StoreLinkVia } from './types.js';

/** Unified customer profiles (web, app, stores); provides `CUSTOMER_DIRECTORY` to carts and orders. */
export const hubModule: HubModule = {
  name: 'customers',
  migrations: new URL('./schema/', import.meta.url),
  // Head office only: customers are not a store's (the default roles).
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [{ path: 'customers', title: 'Customers', script: 'customers.js' }],
  },
  routes: (ctx) => customerRoutes(() => new CustomerRepository(ctx.db), ctx.now),
  provides: (ctx) => [
    provide(CUSTOMER_DIRECTORY, {
      get: (id, q) => new CustomerRepository(q ?? ctx.db).get(id),
      linkStore: (customerId, storeId, via, tx) =>
        new CustomerRepository(tx ?? ctx.db).link(customerId, storeId, via, ctx.now()),
      isLinked: (customerId, storeId, q) => new CustomerRepository(q ?? ctx.db).isLinked(customerId, storeId),
      mayReadProfile: async (customerId, storeId, q) =>
        isUuid(customerId) &&
        isUuid(storeId) &&
        new CustomerRepository(q ?? ctx.db).profileVisibleTo(customerId, storeId),
      idByCard: async (card, q) => (await new CustomerRepository(q ?? ctx.db).idsByCards([card])).get(card) ?? null,
      idsByCards: (cards, q) => new CustomerRepository(q ?? ctx.db).idsByCards(cards),
    }),
    provide(CUSTOMER_PROFILES, {
      create: (input, q) => new CustomerRepository(q ?? ctx.db).create(input, ctx.now()),
      findByEmail: async (email, q) =>
        (await new CustomerRepository(q ?? ctx.db).find({ email: email.trim().toLowerCase(), limit: 1 }))[0],
      update: (id, change, q) => new CustomerRepository(q ?? ctx.db).update(id, change, ctx.now()),
      setEmail: (id, email, q) =>
        new CustomerRepository(q ?? ctx.db).update(id, { email: email.trim().toLowerCase() }, ctx.now()),
    }),
  ],
};
