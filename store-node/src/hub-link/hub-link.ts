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
 */
export class HubLink {
  #state: HubLinkState;
  #token: { value: string; expiresAt: number } | undefined;
  #lastError: string | undefined;

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

  /** A valid token, fetching a new one when needed. Throws with the reason when the hub refuses or cannot be reached. */
  async token(): Promise<string> {
    if (!this.credential) throw new Error('this store node has no hub credential configured');
    if (this.#token && this.#token.expiresAt - RENEW_MARGIN_MS > this.now()) return this.#token.value;
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
    const body = (await res.json().catch(() => ({}))) as { token?: string; expiresAt?: number; detail?: string };
    if (!res.ok || !body.token || !body.expiresAt) {
      this.#fail(res.status === 401 || res.status === 403 ? 'unauthorized' : 'unreachable', `hub refused the store credential: ${res.status} ${body.detail ?? ''}`.trim());
      throw new Error(this.#lastError);
    }
    this.#token = { value: body.token, expiresAt: body.expiresAt };
    if (this.#state !== 'connected') this.log.info({ storeId }, 'hub accepted the store credential');
    this.#state = 'connected';
    this.#lastError = undefined;
    return body.token;
  }

  #fail(state: HubLinkState, message: string): void {
    if (this.#state !== state) this.log.warn({ state }, message);
    this.#state = state;
    this.#lastError = message;
    this.#token = undefined;
  }
}
