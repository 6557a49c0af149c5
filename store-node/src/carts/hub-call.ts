/**
 * The hub's answer to a call it understood: its status and JSON body (a problem for a refusal). The status is below
 * 500 unless the caller asked for the hub's own server problems too (`serverProblems`).
 */
export interface HubAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * Calls the hub with the store's token and returns its answer, refusals (4xx) included, so the caller can word them.
 * Throws `HubUnreachable` when there is no answer to word: no network, a timeout, a 5xx, or a 401 (the store's token;
 * `onRefused` hears it so the hub link exchanges the credential again). With `serverProblems`, a 5xx the hub answered
 * as a problem (`application/problem+json`, e.g. 503 "no payment provider is configured") is an answer too: the hub
 * was reached and said why; only a 5xx without a problem (a proxy's page, a crash) is unreachable. The caller's
 * Idempotency-Key, when given, goes with the call.
 */
export type HubCall = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  idempotencyKey?: string,
) => Promise<HubAnswer>;

export class HubUnreachable extends Error {}

export function hubCaller(
  hubUrl: string,
  token: () => Promise<string>,
  timeoutMs = 5000,
  onRefused?: (token: string, detail: string) => void,
  {
    serverProblems = false,
    fetch: fetchImpl = (url, init) => fetch(url, init),
  }: {
    readonly serverProblems?: boolean;
    /** The hub link's `fetch`, pinned to the hub's CA (issue #27); node's own by default. */
    readonly fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  } = {},
): HubCall {
  return async (method, path, body, idempotencyKey) => {
    let res: Response;
    let bearer: string;
    try {
      bearer = await token();
      res = await fetchImpl(hubUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new HubUnreachable(`${method} ${path}: ${(err as Error).message}`, { cause: err });
    }
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 401) onRefused?.(bearer, `HTTP 401${answer.detail ? `: ${String(answer.detail)}` : ''}`);
    const problem = /^application\/problem\+json\b/i.test(res.headers.get('content-type') ?? '');
    if (res.status === 401 || (res.status >= 500 && !(serverProblems && problem && typeof answer.detail === 'string')))
      throw new HubUnreachable(`${method} ${path} → ${res.status} ${String(answer.detail ?? '')}`.trim());
    return { status: res.status, body: answer };
  };
}
