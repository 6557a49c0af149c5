/**
 * Sign-in limits, decided without I/O. A key may hold `maxAttempts` unforgiven attempts within `windowMs`; an
 * attempt is reserved before the password is checked and given back when it succeeds, so what stays in the window
 * are failures and attempts still being checked. When the key is full, the caller waits until the oldest attempt in
 * the window ages out.
 *
 * People and stores have separate limits, each keyed by the account first (the account at that address) and then by
 * the address alone: a person's failures never fill a store's limits, so nobody behind a store's NAT can lock the
 * store out of its token renewal by failing console sign-ins.
 */
export interface RateLimitPolicy {
  readonly maxAttempts: number;
  readonly windowMs: number;
}

/** One limit to reserve an attempt under: its key and its policy. */
export interface AttemptLimit extends RateLimitPolicy {
  readonly key: string;
}

const WINDOW_MS = 15 * 60_000;
export const PER_ACCOUNT: RateLimitPolicy = { maxAttempts: 5, windowMs: WINDOW_MS };
export const PER_ADDRESS: RateLimitPolicy = { maxAttempts: 50, windowMs: WINDOW_MS };
/** The longest window of any limit: attempts older than this can be purged. */
export const LONGEST_WINDOW_MS = WINDOW_MS;

/** A person's console sign-in: per email at the address, then per address. */
export function personLimits(email: string, address: string): readonly AttemptLimit[] {
  return [
    { key: `user:${email.toLowerCase()}|${address}`, ...PER_ACCOUNT },
    { key: `ip:${address}`, ...PER_ADDRESS },
  ];
}

/** A store's credential exchange: per store at the address, then per address — both apart from people's. */
export function storeLimits(storeId: string, address: string): readonly AttemptLimit[] {
  return [
    { key: `store:${storeId}|${address}`, ...PER_ACCOUNT },
    { key: `store-ip:${address}`, ...PER_ADDRESS },
  ];
}

/** Seconds to wait, or 0 when another attempt is allowed. `attemptTimes` are the key's attempts, any order. */
export function retryAfterSeconds(attemptTimes: readonly number[], now: number, policy: RateLimitPolicy): number {
  const recent = attemptTimes.filter((t) => t > now - policy.windowMs).sort((a, b) => a - b);
  if (recent.length < policy.maxAttempts) return 0;
  const freesAt = recent[recent.length - policy.maxAttempts]! + policy.windowMs;
  return Math.max(1, Math.ceil((freesAt - now) / 1000));
}
