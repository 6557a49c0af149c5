import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import {
  AppError,
  ConflictError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
} from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../../db/db.js';
import { hashSecret, verifySecret } from '../../kernel/passwords.js';
import { CUSTOMER_TOKEN_PREFIX, type CustomerPrincipal } from '../../kernel/principal.js';
import type { CartMerge } from '../../kernel/ports/carts.js';
import type { CustomerDirectory, CustomerProfiles, OwnProfileChange } from '../../kernel/ports/customers.js';
import { accountKey, addressKey, retryAfterSeconds, type RateLimitPolicy } from '../../kernel/rate-limit.js';
import type { EmailSender } from './email.js';
import { AccountRepository } from './repository.js';
import type { AccountSummary, AccountView, SignedIn } from './types.js';

const DAY_MS = 86_400_000;
/** A customer's session lasts 30 days from sign-in; signing in again starts another. */
export const SESSION_MS = 30 * DAY_MS;
/**
 * A one-time sign-in code: 6 digits, good for 10 minutes and 5 tries (10^6 / 5: a guess in 200,000 per code). The
 * routes' docs and the mail read these constants, so they cannot drift from them.
 */
export const CODE_MS = 10 * 60_000;
export const CODE_TRIES = 5;
/** A password-reset link is good for an hour, once. */
export const RESET_MS = 60 * 60_000;
/** Mail the sender refused this many times is given up (state `failed`, body erased). */
export const MAIL_TRIES = 5;

const WINDOW_MS = 15 * 60_000;
/**
 * Wrong passwords for one e-mail (from anywhere): enough for typos, far too few for guessing. Codes have a budget of
 * their own (the same size, key `code:`), so someone who spends an e-mail's password budget on purpose does not also
 * take away its sign-in code: the customer can still get in by the mailbox.
 */
const PER_EMAIL: RateLimitPolicy = { maxAttempts: 10, windowMs: WINDOW_MS };
/** Sign-in tries from one client address, whatever the e-mail (a shop's Wi-Fi has many customers). */
const PER_ADDRESS: RateLimitPolicy = { maxAttempts: 50, windowMs: WINDOW_MS };
/** Codes and reset links sent to one e-mail: each is a mail someone receives. */
const MAIL_PER_EMAIL: RateLimitPolicy = { maxAttempts: 5, windowMs: WINDOW_MS };
/** New guest sessions and sign-ups from one client address an hour: each makes a customer row. */
const NEW_PER_ADDRESS: RateLimitPolicy = { maxAttempts: 60, windowMs: 60 * 60_000 };
export const LONGEST_WINDOW_MS = 60 * 60_000;

/** The one answer to every failed password sign-in, so it never tells an unknown e-mail from a wrong password. */
export const SIGN_IN_FAILED = 'the e-mail or the password is wrong';
/**
 * A wrong, used or expired code is a 400 (as OAuth's invalid_grant), not a 401: the call needs no credential, the
 * code in it is what is wrong.
 */
export const CODE_FAILED = 'the code is wrong or has expired; ask for a new one';

export const newCustomerToken = () => `${CUSTOMER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
/** What is kept of a token, a code or a reset link: its SHA-256 (a code's salted with its row's e-mail). */
export const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const codeHash = (email: string, code: string) => sha256(`sign-in:${email}:${code}`);
const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The customer e-mail sender is not configured: codes and reset links cannot be sent (503, never a silent 202). */
export class NoEmailSenderError extends AppError {
  constructor() {
    super(
      'unavailable',
      'this hub sends no e-mail to customers (CUSTOMER_EMAIL is not set): sign in with a password, or ask the shop',
    );
  }
}

/** Thrown inside a reservation's transaction to roll back the keys it already took. */
class LimitFull extends Error {
  constructor(readonly wait: number) {
    super('a limit is full');
  }
}

export interface AccountDeps {
  readonly db: Db;
  readonly now: () => number;
  readonly log: Logger;
  readonly directory: () => CustomerDirectory;
  readonly profiles: () => CustomerProfiles;
  readonly cartMerge: () => CartMerge | undefined;
  readonly sender: EmailSender | undefined;
  /** Asks for the outbox to be drained soon (a job), after a transaction that queued mail committed. */
  readonly mailQueued: () => void;
  /**
   * What a reset link is made of, the token appended: the shop page's reset view, `…/shop/#/reset/`. The token goes
   * in the fragment, which a browser never sends, so no server or proxy log between the mail and the page sees it.
   */
  readonly resetLinkBase: string;
}

/** Customers' accounts: sign-up, sign-in (password or code), sessions, resets, guests, and their merge. */
export class AccountService {
  #dummyHash: Promise<string> | undefined;
  constructor(readonly deps: AccountDeps) {}

  #repo(q: Queryable = this.deps.db) {
    return new AccountRepository(q);
  }

  async view(customerId: string): Promise<AccountView> {
    const [profile, account] = await Promise.all([
      this.deps.directory().get(customerId),
      this.#repo().byId(customerId),
    ]);
    if (!profile || !account) throw new NotFoundError('account', customerId);
    return {
      customerId,
      email: account.email,
      name: profile.name,
      phone: profile.phone,
      preferredStoreId: profile.preferredStoreId,
      guest: account.guest,
      loyaltyCard: profile.loyaltyCard ? `•••• ${profile.loyaltyCard.slice(-4)}` : null,
    };
  }

  /** Whoever a token is the live session of: undefined for anything else (never throws for a stale token). */
  async customerFor(token: string): Promise<CustomerPrincipal | undefined> {
    if (!token.startsWith(CUSTOMER_TOKEN_PREFIX) || token.length > 200) return undefined;
    const s = await this.#repo().sessionByHash(sha256(token), this.deps.now());
    return s && { kind: 'customer', customerId: s.customerId, sessionId: s.id };
  }

  async #startSession(customerId: string, q?: Queryable): Promise<{ token: string; expiresAt: string }> {
    const token = newCustomerToken();
    const now = this.deps.now();
    await this.#repo(q).startSession(customerId, sha256(token), now, now + SESSION_MS);
    await this.#repo(q).signedIn(customerId, now);
    return { token, expiresAt: new Date(now + SESSION_MS).toISOString() };
  }

  /**
   * Reserves one attempt under each limit, all or none, or throws 429 with the wait of the full one; nothing is kept
   * then. Each key's row is taken by one conditional upsert (see AccountRepository.reserveAttempt), so a concurrent
   * burst gets exactly a limit's attempts through, on Postgres as on PGlite, however many hubs share the database. The
   * keys are taken in sorted order, so two requests sharing keys never wait on each other crosswise.
   */
  async #limit(limits: readonly { key: string; policy: RateLimitPolicy }[]): Promise<void> {
    const now = this.deps.now();
    const sorted = [...limits].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    try {
      await this.deps.db.transaction(async (tx) => {
        for (const { key, policy } of sorted) {
          const { granted, attempts } = await this.#repo(tx).reserveAttempt(key, policy, now);
          if (!granted) throw new LimitFull(Math.max(1, retryAfterSeconds(attempts, now, policy)));
        }
      });
    } catch (err) {
      if (err instanceof LimitFull)
        throw new RateLimitedError(`too many attempts; try again in ${err.wait} s`, err.wait);
      throw err;
    }
  }

  /** A password sign-in counts under `email:`, a code under `code:`: one way's budget spent leaves the other's. */
  #signInLimits(way: 'email' | 'code', email: string, address: string) {
    return [
      { key: `${way}:${accountKey(email)}`, policy: PER_EMAIL },
      { key: `ip:${addressKey(address)}`, policy: PER_ADDRESS },
    ];
  }

  /** A guest's cart into the account's, and the guest's sessions ended (their token would reach an empty cart). */
  async #mergeGuest(into: string, guestToken: string | undefined, current: CustomerPrincipal | undefined) {
    const guest = guestToken ? await this.customerFor(guestToken) : current;
    if (!guest || guest.customerId === into) return;
    const row = await this.#repo().byId(guest.customerId);
    if (!row?.guest) return;
    await this.deps.cartMerge()?.merge(guest.customerId, into);
    await this.#repo().endAllSessions(guest.customerId, this.deps.now());
  }

  async signUp(
    input: { email: string; password: string; name: string; guestToken?: string | undefined },
    address: string,
    current?: CustomerPrincipal,
  ): Promise<SignedIn> {
    await this.#limit([{ key: `new:${addressKey(address)}`, policy: NEW_PER_ADDRESS }]);
    // A known e-mail is said so (409), as most shops do, so the customer goes to sign-in or a reset at once. It is
    // a known way to learn whether an address has an account or a shop-made profile here, bounded by NEW_PER_ADDRESS
    // (60 asks an hour from one address); the code and reset requests tell nothing (202 either way).
    const taken = () =>
      new ConflictError('an account with this e-mail exists: sign in, or ask for a sign-in code or a password reset');
    if (await this.#repo().byEmail(input.email)) throw taken();
    // A profile a shop made with this e-mail is claimed by proving the mailbox (a code, a reset), not by a password.
    if (await this.deps.profiles().findByEmail(input.email)) throw taken();
    const passwordHash = await hashSecret(input.password);
    const now = this.deps.now();
    const { customerId, session } = await this.deps.db.transaction(async (tx) => {
      const profile = await this.deps.profiles().create({ name: input.name, email: input.email }, tx);
      await this.#repo(tx).create({
        customerId: profile.id,
        email: input.email,
        passwordHash,
        guest: false,
        createdAt: now,
      });
      return { customerId: profile.id, session: await this.#startSession(profile.id, tx) };
    });
    await this.#mergeGuest(customerId, input.guestToken, current);
    return { account: await this.view(customerId), ...session };
  }

  async signIn(
    input: { email: string; password: string; guestToken?: string | undefined },
    address: string,
    current?: CustomerPrincipal,
  ): Promise<SignedIn> {
    await this.#limit(this.#signInLimits('email', input.email, address));
    const account = await this.#repo().byEmail(input.email);
    this.#dummyHash ??= hashSecret(newCustomerToken());
    // An unknown e-mail costs the same scrypt as a wrong password, so the time of the answer tells nothing either.
    const ok = await verifySecret(input.password, account?.passwordHash ?? (await this.#dummyHash));
    if (!account?.passwordHash || !ok) throw new UnauthorizedError(SIGN_IN_FAILED);
    await this.#repo().forgetAttempts(`email:${accountKey(input.email)}`);
    const session = await this.#startSession(account.customerId);
    await this.#mergeGuest(account.customerId, input.guestToken, current);
    return { account: await this.view(account.customerId), ...session };
  }

  async #knownEmail(email: string): Promise<boolean> {
    return !!(await this.#repo().byEmail(email)) || !!(await this.deps.profiles().findByEmail(email));
  }

  /** Sends a code when the e-mail is a customer's; the caller answers 202 either way. */
  async requestCode(email: string, address: string): Promise<void> {
    if (!this.deps.sender) throw new NoEmailSenderError();
    await this.#limit([
      { key: `mail:${accountKey(email)}`, policy: MAIL_PER_EMAIL },
      { key: `ip:${addressKey(address)}`, policy: PER_ADDRESS },
    ]);
    if (!(await this.#knownEmail(email))) return;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const now = this.deps.now();
    await this.deps.db.transaction(async (tx) => {
      await this.#repo(tx).addOneTime('sign-in', email, codeHash(email, code), now, now + CODE_MS);
      await this.#repo(tx).queueMail(
        email,
        'Your sign-in code',
        `Your sign-in code is ${code}. It works once, for ${CODE_MS / 60_000} minutes. If you did not ask for it, ignore this mail.`,
        now,
      );
    });
    this.deps.mailQueued();
  }

  /** The account of an e-mail that proved its mailbox: made now for a profile a shop created (no password yet). */
  async #accountOfProvenEmail(email: string, q: Queryable): Promise<string | undefined> {
    const account = await this.#repo(q).byEmail(email);
    if (account) return account.customerId;
    const profile = await this.deps.profiles().findByEmail(email, q);
    if (!profile) return undefined;
    await this.#repo(q).create({
      customerId: profile.id,
      email,
      passwordHash: null,
      guest: false,
      createdAt: this.deps.now(),
    });
    return profile.id;
  }

  async verifyCode(
    input: { email: string; code: string; guestToken?: string | undefined },
    address: string,
    current?: CustomerPrincipal,
  ): Promise<SignedIn> {
    await this.#limit(this.#signInLimits('code', input.email, address));
    const now = this.deps.now();
    const row = await this.#repo().latestCode(input.email, now);
    // The try is claimed before the code is compared, so concurrent guesses never compare it more than CODE_TRIES times.
    const claimed = row && (await this.#repo().claimTry(row.id, CODE_TRIES));
    if (!row || !claimed || !sameHash(claimed.hash, codeHash(input.email, input.code)))
      throw new ValidationError(CODE_FAILED);
    const signedIn = await this.deps.db.transaction(async (tx) => {
      if (!(await this.#repo(tx).useOneTime(row.id, now))) return undefined;
      const customerId = await this.#accountOfProvenEmail(input.email, tx);
      return customerId && { customerId, session: await this.#startSession(customerId, tx) };
    });
    if (!signedIn) throw new ValidationError(CODE_FAILED);
    await this.#repo().forgetAttempts(`code:${accountKey(input.email)}`);
    await this.#mergeGuest(signedIn.customerId, input.guestToken, current);
    return { account: await this.view(signedIn.customerId), ...signedIn.session };
  }

  async requestReset(email: string, address: string): Promise<void> {
    if (!this.deps.sender) throw new NoEmailSenderError();
    await this.#limit([
      { key: `mail:${accountKey(email)}`, policy: MAIL_PER_EMAIL },
      { key: `ip:${addressKey(address)}`, policy: PER_ADDRESS },
    ]);
    if (!(await this.#knownEmail(email))) return;
    const token = randomBytes(32).toString('base64url');
    const now = this.deps.now();
    await this.deps.db.transaction(async (tx) => {
      await this.#repo(tx).addOneTime('reset', email, sha256(token), now, now + RESET_MS);
      await this.#repo(tx).queueMail(
        email,
        'Reset your password',
        `Choose a new password here (the link works once, for ${RESET_MS / 60_000} minutes): ${this.deps.resetLinkBase}${token}\nIf you did not ask for it, ignore this mail: your password stays as it is.`,
        now,
      );
    });
    this.deps.mailQueued();
  }

  /** Sets the new password and ends every session of the account (whoever had the old one is signed out). */
  async confirmReset(token: string, password: string): Promise<{ sessionsEnded: number }> {
    const now = this.deps.now();
    const row = await this.#repo().resetByHash(sha256(token), now);
    const invalid = () => new ValidationError('this reset link is wrong, used or expired; ask for a new one');
    if (!row) throw invalid();
    const passwordHash = await hashSecret(password);
    const ended = await this.deps.db.transaction(async (tx) => {
      if (!(await this.#repo(tx).useOneTime(row.id, now))) return undefined;
      const customerId = await this.#accountOfProvenEmail(row.email, tx);
      if (!customerId) return undefined;
      await this.#repo(tx).setPassword(customerId, passwordHash);
      await this.#repo(tx).useAllFor(row.email, now);
      return this.#repo(tx).endAllSessions(customerId, now);
    });
    if (ended === undefined) throw invalid();
    return { sessionsEnded: ended };
  }

  async signOut(customer: CustomerPrincipal): Promise<void> {
    await this.#repo().endSession(customer.sessionId, this.deps.now());
  }

  async signOutEverywhere(customerId: string): Promise<number> {
    return this.#repo().endAllSessions(customerId, this.deps.now());
  }

  async update(customerId: string, change: OwnProfileChange): Promise<AccountView> {
    if (!(await this.deps.profiles().update(customerId, change))) throw new NotFoundError('account', customerId);
    return this.view(customerId);
  }

  async guest(address: string): Promise<SignedIn> {
    await this.#limit([{ key: `new:${addressKey(address)}`, policy: NEW_PER_ADDRESS }]);
    const { customerId, session } = await this.deps.db.transaction(async (tx) => {
      const profile = await this.deps.profiles().create({ name: 'Guest', email: null }, tx);
      await this.#repo(tx).create({
        customerId: profile.id,
        email: null,
        passwordHash: null,
        guest: true,
        createdAt: this.deps.now(),
      });
      return { customerId: profile.id, session: await this.#startSession(profile.id, tx) };
    });
    return { account: await this.view(customerId), ...session };
  }

  search(q: string): Promise<AccountSummary[]> {
    return this.#repo().search(q.trim().toLowerCase(), 50, this.deps.now());
  }

  async adminSignOutEverywhere(customerId: string): Promise<number> {
    const account = await this.#repo().byId(customerId);
    if (!account) throw new NotFoundError('account', customerId);
    return this.signOutEverywhere(customerId);
  }

  async outbox() {
    return { counts: await this.#repo().outboxCounts(), recent: await this.#repo().recentMail(20) };
  }

  /** Hands queued mail to the sender; a refusal is tried again at the next drain, then given up (`failed`). */
  async drainOutbox(signal?: AbortSignal): Promise<number> {
    const sender = this.deps.sender;
    if (!sender) return 0;
    let sent = 0;
    for (const mail of await this.#repo().queuedMail(50)) {
      if (signal?.aborted) break;
      try {
        await sender.send(mail);
        await this.#repo().mailSent(mail.id, this.deps.now());
        sent++;
      } catch (err) {
        // The message names the failure, never the mail's body (it holds a code or a link).
        const why = err instanceof Error ? err.message : String(err);
        this.deps.log.warn({ mailId: mail.id, err: why }, 'customer e-mail not sent');
        await this.#repo().mailFailed(mail.id, why, mail.attempts + 1 >= MAIL_TRIES);
      }
    }
    return sent;
  }

  async purge(): Promise<void> {
    const now = this.deps.now();
    await this.#repo().purge(now, now - LONGEST_WINDOW_MS);
  }
}
