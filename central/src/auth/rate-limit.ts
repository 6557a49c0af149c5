/**
 * Sign-in limits for people, decided without I/O. A key may hold `maxAttempts` unforgiven attempts within
 * `windowMs`; an attempt is reserved before the password is checked and given back when it succeeds, so what stays in
 * the window are failures and attempts still being checked. When the key is full, the caller waits until the oldest
 * attempt in the window ages out.
 *
 * A person's sign-in is limited three ways at once: per account at the address (5), per account across all addresses
 * (20: many addresses must not multiply the guesses), and per address (50). The cost of the account-wide cap: anyone
 * can lock an account out for 15 minutes with 20 wrong passwords from anywhere.
 *
 * Stores have no limit here: a store's secret is 256 random bits, verified with one fast hash (see passwords.ts), so
 * guessing is hopeless and a limit would only let someone behind the store's NAT lock it out of its token renewal.
 */
export interface RateLimitPolicy {
  readonly maxAttempts: number;
  readonly windowMs: number;
}

/** One limit to reserve an attempt under: its key, its policy, and whether a success forgets its failures. */
export interface AttemptLimit extends RateLimitPolicy {
  readonly key: string;
  /** A success clears the key (the person proved who they are from there); otherwise it only gives its attempt back. */
  readonly forgetOnSuccess: boolean;
}

const WINDOW_MS = 15 * 60_000;
export const PER_ACCOUNT_AT_ADDRESS: RateLimitPolicy = { maxAttempts: 5, windowMs: WINDOW_MS };
export const PER_ACCOUNT: RateLimitPolicy = { maxAttempts: 20, windowMs: WINDOW_MS };
export const PER_ADDRESS: RateLimitPolicy = { maxAttempts: 50, windowMs: WINDOW_MS };
/** The longest window of any limit: attempts older than this can be purged. */
export const LONGEST_WINDOW_MS = WINDOW_MS;

/** An account's key part: the email as accounts are stored (trimmed, lower-case), so case gives no fresh limit. */
export const accountKey = (email: string) => email.trim().toLowerCase();

/**
 * A person's console sign-in: per account at the address, per account, per address. A success forgets only the
 * failures at that address: failures elsewhere (someone else guessing) still count against the account.
 */
export function personLimits(email: string, address: string): readonly AttemptLimit[] {
  const account = accountKey(email);
  return [
    { key: `user:${account}|${address}`, ...PER_ACCOUNT_AT_ADDRESS, forgetOnSuccess: true },
    { key: `account:${account}`, ...PER_ACCOUNT, forgetOnSuccess: false },
    { key: `ip:${address}`, ...PER_ADDRESS, forgetOnSuccess: false },
  ];
}

/** Seconds to wait, or 0 when another attempt is allowed. `attemptTimes` are the key's attempts, any order. */
export function retryAfterSeconds(attemptTimes: readonly number[], now: number, policy: RateLimitPolicy): number {
  const recent = attemptTimes.filter((t) => t > now - policy.windowMs).sort((a, b) => a - b);
  if (recent.length < policy.maxAttempts) return 0;
  const freesAt = recent[recent.length - policy.maxAttempts]! + policy.windowMs;
  return Math.max(1, Math.ceil((freesAt - now) / 1000));
}
