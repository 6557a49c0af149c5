import type { HubFetch } from './pinned-fetch.js';

/** GETs JSON from the hub with the store's token; a refusal throws with the hub's problem detail. */
export type HubGet = (path: string) => Promise<unknown>;

/**
 * `onRefused` hears a 401 with the token that got it (the hub link then drops that token), so the caller's next
 * try — each caller retries with its own backoff — exchanges the credential again instead of reusing a dead token.
 * `fetchImpl` is the hub link's `fetch` (pinned to the hub's CA, issue #27); node's own by default.
 */
export function hubGetter(
  hubUrl: string,
  token: () => Promise<string>,
  timeoutMs = 30_000,
  onRefused?: (token: string, detail: string) => void,
  fetchImpl: HubFetch = (url, init) => fetch(url, init),
): HubGet {
  return async (path) => {
    const bearer = await token();
    const res = await fetchImpl(hubUrl + path, {
      headers: { authorization: `Bearer ${bearer}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { detail?: string };
    if (res.status === 401) onRefused?.(bearer, `HTTP 401${body.detail ? `: ${body.detail}` : ''}`);
    if (!res.ok) throw new Error(`GET ${path} → ${res.status} ${body.detail ?? ''}`.trim());
    return body;
  };
}
