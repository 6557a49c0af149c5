/**
 * Sign-in limits for people, decided without I/O. A key may hold `maxAttempts` unforgiven attempts within
 * `windowMs`; an attempt is reserved before the password is checked and given back when it succeeds, so what stays in
 * the window are failures and attempts still being checked. When the key is full, the caller waits until the oldest
 * attempt in the window ages out.
 *
 * A person's sign-in is limited three ways at once: per account at the address (5), per account across all addresses
 * (20: many addresses must not multiply the guesses), and per address (50). The account-wide cap would let anyone
 * lock an account out for 15 minutes with 20 wrong passwords from anywhere, so it does not apply at an address the
 * account signed in from within the last 30 days (`KNOWN_ADDRESS_MS`): the owner's usual address keeps working while
 * others are locked out, and still has its own caps of 5 and 50. An IPv6 address counts as its /64 (`addressKey`),
 * since one machine may use any address of its network's /64.
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

/** How long a successful sign-in makes its address a known one for that account (exempt from the account-wide cap). */
export const KNOWN_ADDRESS_MS = 30 * 86_400_000;

/**
 * The address as the limits count it: an IPv4 address as it is (also when written IPv4-mapped, `::ffff:1.2.3.4`), an
 * IPv6 address as its /64 (`2001:db8:0:1::/64`), anything unreadable as it is.
 */
export function addressKey(address: string): string {
  const a = address.trim().toLowerCase().replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names no other network
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) return mapped[1]!;
  if (!a.includes(':')) return a;
  const halves = a.split('::');
  if (halves.length > 2) return a;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups =
    halves.length === 2
      ? [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail]
      : head;
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return a;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * A person's console sign-in: per account at the address, per account (unless `knownAddress`: the account signed in
 * from this address within KNOWN_ADDRESS_MS), per address; `address` as `addressKey` counts it. A success forgets only
 * the failures at that address: failures elsewhere (someone else guessing) still count against the account.
 */
export function personLimits(email: string, address: string, knownAddress = false): readonly AttemptLimit[] {
  const account = accountKey(email);
  const at = addressKey(address);
  return [
    { key: `user:${account}|${at}`, ...PER_ACCOUNT_AT_ADDRESS, forgetOnSuccess: true },
    ...(knownAddress ? [] : [{ key: `account:${account}`, ...PER_ACCOUNT, forgetOnSuccess: false }]),
    { key: `ip:${at}`, ...PER_ADDRESS, forgetOnSuccess: false },
  ];
}

/** Seconds to wait, or 0 when another attempt is allowed. `attemptTimes` are the key's attempts, any order. */
export function retryAfterSeconds(attemptTimes: readonly number[], now: number, policy: RateLimitPolicy): number {
  const recent = attemptTimes.filter((t) => t > now - policy.windowMs).sort((a, b) => a - b);
  if (recent.length < policy.maxAttempts) return 0;
  const freesAt = recent[recent.length - policy.maxAttempts]! + policy.windowMs;
  return Math.max(1, Math.ceil((freesAt - now) / 1000));
}
