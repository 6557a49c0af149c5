import { ConflictError, RateLimitedError } from '@storefleet/shared';

/**
 * How often a store may be told that an email belongs to an existing customer. A duplicate email at a lane is
 * normal (the customer forgot they have an account), but each such answer tells the store that the email is
 * registered: without a cap, a store could test any list of emails, the search that customers' privacy forbids
 * stores. Head office gets the precise answer and no cap.
 */
export const STORE_EMAIL_REFUSALS = { max: 20, windowMs: 60 * 60_000 } as const;

/** What a store's staff is told when the email is taken: what to do, and not the email back. */
export const EMAIL_TAKEN_AT_STORE =
  'that email belongs to an existing customer account: ask the customer for their customer card or app';

/** The refusal head office gets. */
export const emailTaken = (email: string | null | undefined) =>
  new ConflictError(`a customer with the email ${email} exists`, { field: 'email' });

/** A store past its cap: every sign-up or edit with an email waits, whether the email is taken or not. */
export const tooManyEmailRefusals = (waitSeconds: number) =>
  new RateLimitedError(
    `this store was told too often in the last hour that an email belongs to an existing customer account: ask the customer for their customer card or app, or try again in ${Math.ceil(waitSeconds / 60)} min`,
    waitSeconds,
  );

/** Seconds until the store may be refused again (0: it may), from the times of its refusals (any order). */
export function refusalWaitSeconds(
  refusals: readonly number[],
  now: number,
  policy: { readonly max: number; readonly windowMs: number } = STORE_EMAIL_REFUSALS,
): number {
  const recent = refusals.filter((t) => t > now - policy.windowMs).sort((a, b) => a - b);
  if (recent.length < policy.max) return 0;
  return Math.max(1, Math.ceil((recent[recent.length - policy.max]! + policy.windowMs - now) / 1000));
}
