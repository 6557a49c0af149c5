import { randomBytes } from 'node:crypto';
import { AppError, type CartView, type PricedBasket } from '@storefleet/shared';
import type { KioskCarts } from './kiosk-carts.js';
import { HubUnreachable, type HubAnswer, type HubCall } from './hub-call.js';
import {
  CART_OFFLINE,
  lookupRefusal,
  NO_CART_OPEN,
  oneLookupAtATime,
  PICKUP_OFFLINE,
  screenLookupsWait,
  stockRefusal,
  TOO_MANY_CARTS,
} from './kiosk-words.js';
import { LookupBudget } from './lookup-budget.js';

/** What the kiosk page gets: the greeting's first name and the cart, nothing that names the customer otherwise. */
export interface KioskCart {
  readonly firstName: string;
  readonly cart: Omit<CartView, 'fulfilment'> & {
    readonly pickupHere: boolean;
    readonly fulfilment: string;
    /** The lines priced by this store's pricing now (issue #25); null when it cannot price them. */
    readonly priced: PricedBasket | null;
  };
  /** True when the hub did not answer and this is the copy on this store node (it syncs when the hub is back). */
  readonly savedHere: boolean;
}

interface Session {
  readonly customerId: string;
  readonly firstName: string;
  /** The screen that opened it (`Caller.scope`): another screen holding the cookie gets nothing. */
  readonly screen: string;
  touchedAt: number;
}

/** A session untouched this long is gone (the kiosk page itself clears after 90 s without a touch). */
export const KIOSK_CART_IDLE_MS = 3 * 60_000;
/** Sessions open at once on this node (each a customer at a screen within the idle time). */
export const MAX_SESSIONS = 1000;

/**
 * Carts opened at this store's kiosks. The customer shows their loyalty card or types their phone number or e-mail;
 * the hub answers their id and first name (`POST /api/customers/lookup`); the id stays here, behind a random session
 * token that only the screen that opened it may use (an httpOnly cookie, see routes.ts), so the kiosk page never
 * sees it and can reach no other customer's cart. "Done" or 3 minutes untouched ends the session.
 *
 * While the hub answers, the cart is the hub's: its view, and its rules for every change (a line or a pickup store is
 * refused when the chosen fulfilment has not got the stock), worded for a customer. When the hub stops answering in
 * the middle, lines are added and changed on this node's copy of the cart (the same shared document, synced later,
 * checked against this store's stock for a pickup here); opening a cart and choosing pickup wait for the hub.
 */
export class KioskCartSessions {
  readonly #sessions = new Map<string, Session>();
  /** Each screen's look-ups that found nobody: one screen cannot spend the store's budget at the hub. */
  readonly #budget = new LookupBudget();
  /**
   * Screens with a look-up at the hub now. The budget is checked before the call and a miss recorded after it, so
   * parallel opens from one screen would all pass the check: a screen's second look-up waits for its first (429).
   */
  readonly #lookingUp = new Set<string>();

  constructor(
    readonly hub: HubCall | undefined,
    readonly local: KioskCarts,
    readonly storeId: string,
    readonly productName: (sku: string) => string,
    readonly now: () => number,
  ) {}

  /** Opens the cart of whoever `who` names: a loyalty card number, a phone number or an e-mail. */
  async open(who: string, screen: string): Promise<{ token: string; view: KioskCart }> {
    if (this.#lookingUp.has(screen)) throw oneLookupAtATime();
    const wait = this.#budget.waitMs(screen, this.now());
    if (wait > 0) throw screenLookupsWait(Math.ceil(wait / 1000), this.#budget.spent(screen, this.now()));
    this.#lookingUp.add(screen); // reserved before the call, released (and a miss recorded) after it
    let answer: HubAnswer;
    try {
      answer = await this.#hub('POST', '/api/customers/lookup', lookupBody(who), CART_OFFLINE);
      if (answer.status === 404) this.#budget.miss(screen, this.now());
    } finally {
      this.#lookingUp.delete(screen);
    }
    if (answer.status !== 200) throw lookupRefusal(answer.status, String(answer.body.detail ?? ''));
    const { customerId, firstName } = answer.body as { customerId: string; firstName: string };
    if (!this.#roomForOne()) throw new AppError('unavailable', TOO_MANY_CARTS);
    const token = randomBytes(24).toString('base64url');
    this.#sessions.set(token, { customerId, firstName, screen, touchedAt: this.now() });
    return { token, view: await this.view(token, screen) };
  }

  /** Ends the session `token` names, when `screen` opened it (another screen's cookie ends nothing). */
  close(token: string | undefined, screen: string): void {
    if (token && this.#sessions.get(token)?.screen === screen) this.#sessions.delete(token);
  }

  /**
   * Whether a new session fits: at `MAX_SESSIONS`, the sessions untouched past the idle time go, least recently used
   * first (the map's order: each touch moves a session to the end); a live customer's session is never ended for
   * another, so when every one is live the open is refused (503) instead.
   */
  #roomForOne(): boolean {
    if (this.#sessions.size < MAX_SESSIONS) return true;
    for (const [token, s] of this.#sessions) {
      if (this.now() - s.touchedAt <= KIOSK_CART_IDLE_MS) break; // the rest were touched later still
      this.#sessions.delete(token);
    }
    return this.#sessions.size < MAX_SESSIONS;
  }

  /**
   * The customer whose cart session `token` names at `screen`, or null (none, another screen's, ended): a product
   * the kiosk shows counts as theirs for recommendations (#21). Reads only: the session is not touched.
   */
  customerOf(token: string | undefined, screen: string): string | null {
    const s = token ? this.#sessions.get(token) : undefined;
    return s && s.screen === screen && this.now() - s.touchedAt <= KIOSK_CART_IDLE_MS ? s.customerId : null;
  }

  async view(token: string | undefined, screen: string): Promise<KioskCart> {
    const s = this.#session(token, screen);
    try {
      const answer = await this.#hub('GET', `/api/carts/${s.customerId}`, undefined, CART_OFFLINE);
      if (answer.status === 200) return this.#shown(s, answer.body as unknown as CartView, false);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
    }
    return this.#shown(s, this.local.view(s.customerId), true);
  }

  async add(token: string | undefined, screen: string, sku: string, qty: number): Promise<KioskCart> {
    const s = this.#session(token, screen);
    return this.#write(s, 'POST', `/api/carts/${s.customerId}/lines`, { sku, qty }, () =>
      this.local.add(s.customerId, sku, qty),
    );
  }

  async setQty(token: string | undefined, screen: string, sku: string, qty: number): Promise<KioskCart> {
    const s = this.#session(token, screen);
    return this.#write(s, 'PUT', `/api/carts/${s.customerId}/lines/${encodeURIComponent(sku)}`, { qty }, () =>
      this.local.setQty(s.customerId, sku, qty),
    );
  }

  /** "Pick up here": this store for every line, refused as the hub refuses it (a line this store has not got). */
  async pickupHere(token: string | undefined, screen: string): Promise<KioskCart> {
    const s = this.#session(token, screen);
    const f = { type: 'PICKUP', storeId: this.storeId };
    const answer = await this.#hub('PUT', `/api/carts/${s.customerId}/fulfilment`, f, PICKUP_OFFLINE);
    if (answer.status !== 200) throw stockRefusal(answer.body, this.productName, 'PICKUP', true);
    return this.#shown(s, answer.body as unknown as CartView, false);
  }

  /** A change through the hub; when it does not answer, on this node's copy (`offline`). */
  async #write(s: Session, method: 'POST' | 'PUT', path: string, body: unknown, offline: () => CartView) {
    let answer: HubAnswer;
    try {
      answer = await this.#hub(method, path, body, CART_OFFLINE);
    } catch (err) {
      if (!(err instanceof AppError) || err.type !== 'unavailable') throw err;
      return this.#shown(s, offline(), true);
    }
    if (answer.status !== 200) {
      // Worded for the fulfilment the cart has (the refusal names the line, not how it would be fulfilled).
      const now = await this.#hub('GET', `/api/carts/${s.customerId}`, undefined, CART_OFFLINE).catch(() => null);
      const cart = now?.status === 200 ? (now.body as unknown as CartView) : undefined;
      const f = cart?.fulfilment;
      const inCart = cart ? (cart.lines.find((l) => l.sku === answer.body.sku)?.qty ?? 0) : undefined;
      throw stockRefusal(answer.body, this.productName, f?.type ?? 'SHIP', f?.storeId === this.storeId, inCart);
    }
    return this.#shown(s, answer.body as unknown as CartView, false);
  }

  #session(token: string | undefined, screen: string): Session {
    const s = token ? this.#sessions.get(token) : undefined;
    if (!s || s.screen !== screen || this.now() - s.touchedAt > KIOSK_CART_IDLE_MS) {
      if (token && s && s.screen === screen) this.#sessions.delete(token);
      throw new AppError('not-found', NO_CART_OPEN);
    }
    s.touchedAt = this.now();
    this.#sessions.delete(token!); // re-inserted last: the map runs from least to most recently used
    this.#sessions.set(token!, s);
    return s;
  }

  async #hub(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, offline: string): Promise<HubAnswer> {
    if (!this.hub) throw new AppError('unavailable', offline);
    try {
      return await this.hub(method, path, body);
    } catch (err) {
      if (err instanceof HubUnreachable) throw new AppError('unavailable', offline, {}, { cause: err });
      throw err;
    }
  }

  #shown(s: Session, view: CartView, savedHere: boolean): KioskCart {
    // Only what the page shows, named one by one: whatever else the hub's cart carries (the customer's id) stays here.
    const { fulfilment, lines, itemCount, subtotalMinor, skipped, overBounds } = view;
    return {
      firstName: s.firstName,
      cart: {
        lines,
        itemCount,
        subtotalMinor,
        ...(skipped ? { skipped } : {}),
        ...(overBounds ? { overBounds } : {}),
        fulfilment: fulfilment.type,
        pickupHere: fulfilment.type === 'PICKUP' && fulfilment.storeId === this.storeId,
        // Priced by this store's pricing (issue #25), whichever copy the lines came from: the kiosk shows this store's
        // prices and promotions. A customer who opened their cart here is a loyalty member (every customer has a card).
        priced: this.local.priced(view, true),
      },
      savedHere,
    };
  }
}

/** What the customer typed or scanned, as the hub's look-up takes it: an e-mail, a card number, or a phone number. */
export function lookupBody(who: string): { email: string } | { card: string } | { phone: string } {
  const text = who.trim();
  if (text.includes('@')) return { email: text };
  const digits = text.replace(/[\s-]/g, '');
  if (/^29\d{14}$/.test(digits)) return { card: digits };
  return { phone: text };
}
