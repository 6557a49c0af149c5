import type { Logger } from 'pino';
import { isUuid } from '@storefleet/shared';
import { storeOf } from '../../http/access.js';
import type { Principal } from '../../http/principal.js';
import type { CustomerDirectory } from './types.js';

/** Pairs remembered per hub before the memory starts over (a forgotten pair is only linked again, harmlessly). */
const MAX_REMEMBERED = 50_000;

/**
 * Records that a store works on a customer's cart, which links the store to the customer (it may then read and edit
 * the profile, as for a customer it signed up). Called for every cart access a store is granted — a sync frame from
 * its kiosk or lane, or the cart API — so each (store, customer) pair is written once per hub and remembered.
 */
export class StoreCartLinks {
  readonly #linked = new Map<string, Promise<void>>();

  constructor(
    readonly customers: () => CustomerDirectory,
    readonly log: Logger,
  ) {}

  /** Links the caller's store (none for head office) to the customer; resolves once the link is stored. */
  opened(principal: Principal, customerId: string): Promise<void> {
    const storeId = storeOf(principal);
    if (!storeId || !isUuid(customerId)) return Promise.resolve();
    const pair = `${storeId}:${customerId}`;
    let done = this.#linked.get(pair);
    if (!done) {
      if (this.#linked.size >= MAX_REMEMBERED) this.#linked.clear();
      done = this.customers().linkStore(customerId, storeId, 'cart');
      this.#linked.set(pair, done);
      // A failed write is forgotten, so the next access tries again.
      done.catch(() => this.#linked.delete(pair));
    }
    return done;
  }

  /** The same, for callers that cannot wait (a document access check): a failure is logged. */
  openedInBackground(principal: Principal, customerId: string): void {
    this.opened(principal, customerId).catch((err: unknown) =>
      this.log.warn({ err, customerId, storeId: storeOf(principal) }, 'could not record that a store works on this cart; the next access retries'),
    );
  }
}
