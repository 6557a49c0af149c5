/**
 * Sign-in throttling, decided without I/O: a key (account+address, or address alone) may fail `maxFailures` times
 * within `windowMs`; after that it waits until the oldest failure in the window ages out.
 */
export interface RateLimitPolicy {
  readonly maxFailures: number;
  readonly windowMs: number;
}

export const PER_ACCOUNT: RateLimitPolicy = { maxFailures: 5, windowMs: 15 * 60_000 };
export const PER_ADDRESS: RateLimitPolicy = { maxFailures: 50, windowMs: 15 * 60_000 };

/** Seconds to wait, or 0 when another attempt is allowed. `failureTimes` are the key's failures, any order. */
export function retryAfterSeconds(failureTimes: readonly number[], now: number, policy: RateLimitPolicy): number {
  const recent = failureTimes.filter((t) => t > now - policy.windowMs).sort((a, b) => a - b);
  if (recent.length < policy.maxFailures) return 0;
  const freesAt = recent[recent.length - policy.maxFailures]! + policy.windowMs;
  return Math.max(1, Math.ceil((freesAt - now) / 1000));
}
