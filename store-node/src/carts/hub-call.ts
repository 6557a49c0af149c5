/** The hub's answer to a call it understood: its status (below 500) and JSON body (a problem for a refusal). */
export interface HubAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * Calls the hub with the store's token and returns its answer, refusals (4xx) included, so the caller can word them.
 * Throws `HubUnreachable` when there is no answer to word: no network, a timeout, a 5xx, or a 401 (the store's token;
 * `onRefused` hears it so the hub link exchanges the credential again).
 */
export type HubCall = (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => Promise<HubAnswer>;

export class HubUnreachable extends Error {}

export function hubCaller(
  hubUrl: string,
  token: () => Promise<string>,
  timeoutMs = 5000,
  onRefused?: (token: string, detail: string) => void,
): HubCall {
  return async (method, path, body) => {
    let res: Response;
    let bearer: string;
    try {
      bearer = await token();
      res = await fetch(hubUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new HubUnreachable(`${method} ${path}: ${(err as Error).message}`, { cause: err });
    }
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 401) onRefused?.(bearer, `HTTP 401${answer.detail ? `: ${String(answer.detail)}` : ''}`);
    if (res.status === 401 || res.status >= 500)
      throw new HubUnreachable(`${method} ${path} → ${res.status} ${String(answer.detail ?? '')}`.trim());
    return { status: res.status, body: answer };
  };
}
