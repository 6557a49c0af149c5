import type { Logger } from 'pino';
import { pinnedFetch, untrustedCertificateCode, type HubFetch, type HubTls } from './pinned-fetch.js';

export interface HubCredential {
  readonly url: string;
  readonly storeId: string;
  readonly secret: string;
  /** The CA (PEM) the hub's certificate must chain to (issue #27): pinned, the system's CAs are not consulted. */
  readonly ca?: string | undefined;
  /** The store's client certificate and key (PEM) for mutual TLS. */
  readonly clientCert?: { readonly cert: string; readonly key: string } | undefined;
}

export type HubLinkState =
  | 'not-configured'
  | 'connecting'
  | 'connected'
  | 'unreachable'
  | 'unauthorized'
  /** The hub's certificate does not chain to the pinned CA (or names another host): nothing was sent to it. */
  | 'untrusted-certificate';

interface TokenAnswer {
  token?: string;
  expiresAt?: number;
  serverTime?: number;
  detail?: string;
}

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
 *
 * TLS (issue #27): with `credential.ca` every call to the hub goes through `fetch` (and the sync socket through
 * `tls`), trusting that CA only; a hub whose certificate does not chain to it leaves the state `untrusted-certificate`
 * with a message saying so, and nothing is sent. With `credential.clientCert` the store presents it and asks for its
 * token by certificate (`POST /api/auth/store-token/certificate`), falling back to its secret when the hub answers
 * 404 (no mutual TLS there) or 401 (the certificate is not registered).
 */
export class HubLink {
  #state: HubLinkState;
  #token: { value: string; expiresAt: number } | undefined;
  #lastError: string | undefined;
  /** The hub's clock minus ours, as of the last store-token answer (0 until the hub has told its time). */
  #offsetMs = 0;
  /** Whether the last exchange used the certificate (logged when it changes). */
  #byCertificate: boolean | undefined;
  /** The TLS options toward the hub (pinned CA, client certificate); undefined = the system's defaults. */
  readonly tls: HubTls | undefined;
  /** `fetch` toward the hub: pinned to `credential.ca` and presenting the client certificate when configured. */
  readonly fetch: HubFetch;

  constructor(
    readonly credential: HubCredential | undefined,
    readonly log: Logger,
    readonly now: () => number = Date.now,
  ) {
    this.#state = credential ? 'connecting' : 'not-configured';
    const tls =
      credential?.ca || credential?.clientCert
        ? { ca: credential.ca, cert: credential.clientCert?.cert, key: credential.clientCert?.key }
        : undefined;
    this.tls = tls;
    this.fetch = tls ? pinnedFetch(tls) : (url, init) => fetch(url, init);
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
    let body: TokenAnswer;
    let certificateRefusal = '';
    try {
      if (this.credential.clientCert) {
        ({ res, body } = await this.#exchange('/api/auth/store-token/certificate', { storeId }));
        if (res.status === 404 || res.status === 401) {
          certificateRefusal = ` (its certificate: ${res.status} ${body.detail ?? ''})`.replace(' )', ')');
          if (this.#byCertificate !== false)
            this.log.warn(
              { status: res.status, detail: body.detail },
              'hub refused the client certificate; using the secret',
            );
          this.#byCertificate = false;
          ({ res, body } = await this.#exchange('/api/auth/store-token', { storeId, secret }));
        } else if (res.ok) {
          if (this.#byCertificate !== true) this.log.info({ storeId }, 'hub accepted the store client certificate');
          this.#byCertificate = true;
        }
      } else ({ res, body } = await this.#exchange('/api/auth/store-token', { storeId, secret }));
    } catch (err) {
      const code = untrustedCertificateCode(err);
      if (code)
        this.#fail(
          'untrusted-certificate',
          `untrusted certificate: the hub at ${url} presented a certificate that does not verify against this store's pinned CA (HUB_CA_FILE): ${code}; nothing was sent`,
        );
      else this.#fail('unreachable', `hub ${url} unreachable: ${(err as Error).message}`);
      throw new Error(this.#lastError);
    }
    if (!res.ok || !body.token || !body.expiresAt) {
      this.#fail(
        res.status === 401 || res.status === 403 ? 'unauthorized' : 'unreachable',
        `hub refused the store credential: ${res.status} ${body.detail ?? ''}`.trim() + certificateRefusal,
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

  async #exchange(path: string, payload: object): Promise<{ res: Response; body: TokenAnswer }> {
    const res = await this.fetch(`${this.credential!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    return { res, body: (await res.json().catch(() => ({}))) as TokenAnswer };
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
