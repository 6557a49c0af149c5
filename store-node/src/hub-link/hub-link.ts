import type { Logger } from 'pino';

export interface HubCredential {
  readonly url: string;
  readonly storeId: string;
  readonly secret: string;
}

export type HubLinkState = 'not-configured' | 'connecting' | 'connected' | 'unreachable' | 'unauthorized';

/** Renew this long before the token expires so a request never leaves with a token about to lapse. */
const RENEW_MARGIN_MS = 60_000;

/**
 * The store node's authenticated link to the hub: exchanges the store credential for a short-lived token, caches it,
 * and renews it before it expires. `state` says what a person at the store needs to know (is the hub reachable,
 * is our credential accepted). The sync engine uses `token()` for its WebSocket handshake.
 *
 * Expiry is judged by the hub's clock, not the store's: the store-token answer carries the hub's `serverTime`, and
 * the link keeps the offset between the two clocks (a store PC can be a day off). A request the hub still answers
 * with 401 reports it through `refused(token)`, which drops that token: the next `token()` exchanges the credential
 * again (callers retry with their own backoff, so a hub that keeps refusing is not asked in a loop).
 */
export class HubLink {
  #state: HubLinkState;
  #token: { value: string; expiresAt: number } | undefined;
  #lastError: string | undefined;
  /** The hub's clock minus ours, as of the last store-token answer (0 until the hub has told its time). */
  #offsetMs = 0;

  constructor(
    readonly credential: HubCredential | undefined,
    readonly log: Logger,
    readonly now: () => number = Date.now,
  ) {
    this.#state = credential ? 'connecting' : 'not-configured';
  }

  get state(): HubLinkState {
    return this.#state;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** How far the hub's clock is ahead of this node's (negative: behind), as last measured. */
  get clockOffsetMs(): number {
    return this.#offsetMs;
  }

  /** The hub's time as this node estimates it. */
  hubNow(): number {
    return this.now() + this.#offsetMs;
  }

  /** A valid token, fetching a new one when needed. Throws with the reason when the hub refuses or cannot be reached. */
  async token(): Promise<string> {
    if (!this.credential) throw new Error('this store node has no hub credential configured');
    if (this.#token && this.#token.expiresAt - RENEW_MARGIN_MS > this.hubNow()) return this.#token.value;
    const { url, storeId, secret } = this.credential;
    let res: Response;
    try {
      res = await fetch(`${url}/api/auth/store-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ storeId, secret }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      this.#fail('unreachable', `hub ${url} unreachable: ${(err as Error).message}`);
      throw new Error(this.#lastError);
    }
    const body = (await res.json().catch(() => ({}))) as {
      token?: string;
      expiresAt?: number;
      serverTime?: number;
      detail?: string;
    };
    if (!res.ok || !body.token || !body.expiresAt) {
      this.#fail(
        res.status === 401 || res.status === 403 ? 'unauthorized' : 'unreachable',
        `hub refused the store credential: ${res.status} ${body.detail ?? ''}`.trim(),
      );
      throw new Error(this.#lastError);
    }
    if (typeof body.serverTime === 'number' && Number.isFinite(body.serverTime)) this.#measureOffset(body.serverTime);
    this.#token = { value: body.token, expiresAt: body.expiresAt };
    if (this.#state !== 'connected') this.log.info({ storeId }, 'hub accepted the store credential');
    this.#state = 'connected';
    this.#lastError = undefined;
    return body.token;
  }

  /**
   * The hub answered 401 to a request made with `token` (expired by its clock, revoked by a rotation, signed with a
   * key it no longer has). Drops that token, once however many requests report it, so the next `token()` asks anew;
   * until then `state` says the link is not connected, and why.
   */
  refused(token: string, detail: string): void {
    if (this.#token?.value !== token) return; // already dropped (or renewed) for an earlier report
    this.#token = undefined;
    this.#state = 'connecting';
    this.#lastError = `the hub refused this store's token (${detail}); requesting a new one`;
    this.log.warn({ clockOffsetMs: this.#offsetMs }, this.#lastError);
  }

  #measureOffset(serverTime: number): void {
    const offset = serverTime - this.now();
    // Log a skew a person should fix (the store's receipts and reports carry its own clock), once per big change.
    if (Math.abs(offset) > 60_000 && Math.abs(offset - this.#offsetMs) > 60_000) {
      this.log.warn(
        { clockOffsetMs: offset },
        `this store's clock is ${Math.round(Math.abs(offset) / 1000)} s ${offset > 0 ? 'behind' : 'ahead of'} the hub's`,
      );
    }
    this.#offsetMs = offset;
  }

  #fail(state: HubLinkState, message: string): void {
    if (this.#state !== state) this.log.warn({ state }, message);
    this.#state = state;
    this.#lastError = message;
    this.#token = undefined;
  }
}
