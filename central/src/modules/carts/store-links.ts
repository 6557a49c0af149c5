import type { Logger } from 'pino';
import { isUuid } from '@storefleet/shared';
import { storeOf } from '../../kernel/access.js';
import type { Principal } from '../../kernel/principal.js';
import type { CustomerDirectory } from './types.js';

/** Pairs remembered per hub before the memory starts over (a forgotten pair is only looked up or linked again). */
const MAX_REMEMBERED = 50_000;

/**
 * Which stores work on which customers' carts. A store that changes a customer's cart — a line added or set, the
 * fulfilment chosen, through the API or in a sync frame from its kiosk or lane that carries changes — is linked to the
 * customer (it may then read and edit the profile, as for a customer it signed up). Reading links nothing: a store
 * reads a cart only once linked, or when the cart is to be fulfilled at that store. Linked pairs are remembered, so
 * each is written once per hub; a pair whose customer does not exist (yet) is not remembered, so a later change links it.
 */
export class StoreCartLinks {
  /** Pairs known to be linked, or being linked now (the promise says whether the link holds). */
  readonly #linked = new Map<string, Promise<boolean>>();

  constructor(
    readonly customers: () => CustomerDirectory,
    readonly log: Logger,
  ) {}

  /** After the caller changed the customer's cart: links its store (none for head office); resolves once stored. */
  async changed(principal: Principal, customerId: string): Promise<void> {
    const storeId = storeOf(principal);
    if (!storeId || !isUuid(customerId)) return;
    const pair = `${storeId}:${customerId}`;
    let done = this.#linked.get(pair);
    if (!done) {
      done = this.customers().linkStore(customerId, storeId, 'cart');
      this.#remember(pair, done);
    }
    await done;
  }

  /** The same, for callers that cannot wait (a document access listener): a failure is logged. */
  changedInBackground(principal: Principal, customerId: string): void {
    this.changed(principal, customerId).catch((err: unknown) =>
      this.log.warn(
        { err, customerId, storeId: storeOf(principal) },
        'could not record that a store works on this cart; its next change retries',
      ),
    );
  }

  /**
   * Whether the caller may read the customer's cart: head office and callers of no store may; a store when it is
   * linked to the customer or the cart's fulfilment store (`fulfilmentStoreId`). Looks nothing up for a known pair.
   */
  async mayRead(principal: Principal, customerId: string, fulfilmentStoreId: string | null): Promise<boolean> {
    const storeId = storeOf(principal);
    if (!storeId || storeId === fulfilmentStoreId) return true;
    const pair = `${storeId}:${customerId}`;
    const known = this.#linked.get(pair);
    if (known && (await known.catch(() => false))) return true;
    const linked = await this.customers().isLinked(customerId, storeId);
    if (linked) this.#remember(pair, Promise.resolve(true));
    return linked;
  }

  #remember(pair: string, linked: Promise<boolean>): void {
    if (this.#linked.size >= MAX_REMEMBERED) this.#linked.clear();
    this.#linked.set(pair, linked);
    // Forgotten unless it holds (an unknown customer, a failed write), so the next change tries again.
    const forget = () => this.#linked.get(pair) === linked && this.#linked.delete(pair);
    linked.then((ok) => void (ok || forget()), forget);
  }
}
