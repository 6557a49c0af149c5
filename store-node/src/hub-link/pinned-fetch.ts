import { Agent, request } from 'node:https';
import { Readable } from 'node:stream';

/**
 * The store's TLS toward its hub (issue #27): the pinned CA (HUB_CA_FILE) the hub's certificate must chain to — the
 * system's CAs are not consulted — and the store's client certificate for mutual TLS. `ws` takes the same object.
 */
export interface HubTls {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** `fetch` as the store's hub callers use it: a URL and init, a WHATWG Response back. */
export type HubFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Node's codes for a peer certificate that does not verify (chain, dates, names). */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The TLS verification code of `err` (or of its cause, as fetch wraps it), when the hub's certificate was refused. */
export function untrustedCertificateCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as never, i++)
    if (typeof e.code === 'string' && UNTRUSTED.has(e.code)) return e.code;
  return undefined;
}

/**
 * A `fetch` over node:https with one keep-alive agent that trusts only `tls.ca` and presents `tls.cert`/`tls.key`
 * (node's own fetch takes no CA without the undici package). A plain `http://` URL is refused: a pinned CA means
 * the hub is reached over TLS. Answers stream like fetch's; `init.signal` aborts the request and its body.
 */
export function pinnedFetch(tls: HubTls): HubFetch {
  const agent = new Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key });
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      if (url.protocol !== 'https:') {
        reject(new Error(`the hub URL ${url.origin} is not https:// but this store pins a CA (HUB_CA_FILE)`));
        return;
      }
      const method = (init.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const body = init.body;
      if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        reject(new TypeError('pinnedFetch sends string or byte bodies only'));
        return;
      }
      const req = request(url, { method, headers, agent, signal: init.signal ?? undefined }, (res) => {
        const answer = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const one of v) answer.append(k, one);
          else if (v !== undefined) answer.set(k, v);
        }
        const status = res.statusCode ?? 502;
        const empty = method === 'HEAD' || status === 204 || status === 205 || status === 304;
        if (empty) res.resume();
        resolve(
          new Response(empty ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>), {
            status,
            statusText: res.statusMessage ?? '',
            headers: answer,
          }),
        );
      });
      req.once('error', reject);
      req.end(body ?? undefined);
    });
}
