import { hubCaller, HubUnreachable, type HubAnswer, type HubCall } from '../carts/hub-call.js';

export { HubUnreachable, type HubAnswer };

/**
 * Calls the hub's booking API with the store's token (`carts/hub-call.ts`), the caller's Idempotency-Key passed on (a
 * kiosk's retry of a confirm is the hub's retry too: the customer pays once). Returns the hub's answer: its refusals
 * (4xx) and its server problems (a 503 "no payment provider is configured" is the hub's sentence, not "offline");
 * throws `HubUnreachable` only when there is no answer to pass on: no network, a timeout, a 5xx without a problem, or
 * a 401 (the store's token: `onRefused` hears it so the hub link exchanges the credential again).
 */
export type BookingHubCall = HubCall;

export function bookingHubCaller(
  hubUrl: string,
  token: () => Promise<string>,
  timeoutMs = 10_000,
  onRefused?: (token: string, detail: string) => void,
  fetchImpl?: (url: string, init?: RequestInit) => Promise<Response>,
): BookingHubCall {
  return hubCaller(hubUrl, token, timeoutMs, onRefused, {
    serverProblems: true,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}
