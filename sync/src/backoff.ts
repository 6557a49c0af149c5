/**
 * Reconnect delays: exponential with "full jitter" (a uniform draw in [0, min(cap, base·2^attempt)]). Thousands of
 * stores that lost the hub at the same instant spread their reconnects over the whole window instead of arriving
 * together. `random` is injected for tests.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
