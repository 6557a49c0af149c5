import { HubUnreachable, type HubAnswer } from '../carts/hub-call.js';

export { HubUnreachable, type HubAnswer };

/**
 * Calls the hub's booking API with the store's token, the caller's Idempotency-Key passed on (a kiosk's retry of a
 * confirm is the hub's retry too: the customer pays once). Returns the hub's answer, refusals (4xx) included; throws
 * `HubUnreachable` when there is none to pass on: no network, a timeout, a 5xx, or a 401 (the store's token:
 * `onRefused` hears it so the hub link exchanges the credential again).
 */
export type BookingHubCall = (
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  idempotencyKey?: string,
) => Promise<HubAnswer>;

export function bookingHubCaller(
  hubUrl: string,
  token: () => Promise<string>,
  timeoutMs = 10_000,
  onRefused?: (token: string, detail: string) => void,
): BookingHubCall {
  return async (method, path, body, idempotencyKey) => {
    let res: Response;
    let bearer: string;
    try {
      bearer = await token();
      res = await fetch(hubUrl + path, {
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
    if (res.status === 401 || res.status >= 500)
      throw new HubUnreachable(`${method} ${path} → ${res.status} ${String(answer.detail ?? '')}`.trim());
    return { status: res.status, body: answer };
  };
}
