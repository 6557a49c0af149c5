import { createHash } from 'node:crypto';
import {
  ConflictError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
  uuidv7,
  type StoreId,
  type UserId,
} from '@storefleet/shared';
import type { FleetService } from '../fleet/fleet-service.js';
import type { VouchedPrincipal } from '../kernel/credentials.js';
import type { Principal, Role } from '../kernel/principal.js';
import type { AuthRepository, User } from './auth-repository.js';
import { hashSecret, newSecret, verifySecret } from './passwords.js';
import {
  accountKey,
  addressKey,
  KNOWN_ADDRESS_MS,
  personLimits,
  retryAfterSeconds,
  type AttemptLimit,
} from './rate-limit.js';
import type { StoreTokens } from './store-tokens.js';

export interface AuthSettings {
  /** A console session's absolute life from sign-in (issue #27: `edge.sessionAbsoluteHours`, 12 h). */
  readonly sessionTtlSeconds: number;
  readonly storeTokenTtlSeconds: number;
  /** A console session ends after this long without a request (`edge.sessionIdleMinutes`; 30 min when not given). */
  readonly sessionIdleSeconds?: number | undefined;
}

/** The default idle limit of a console session (SESSION_IDLE_MINUTES' default). */
export const DEFAULT_SESSION_IDLE_SECONDS = 30 * 60;
/** A session's last use is written at most this often (no write per request). */
export const SESSION_TOUCH_EVERY_MS = 60_000;

/** "12 hours", "30 minutes", "1 hour": a session limit as its message says it. */
function spell(ms: number): string {
  const [n, unit] = ms % 3_600_000 === 0 ? [ms / 3_600_000, 'hour'] : [Math.round(ms / 60_000), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

export interface NewUser {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly storeId?: string | undefined;
  readonly password: string;
}

/** A signed-in person as `GET /api/auth/me` answers: the principal with who they are and their store. */
export type SignedInPerson = Extract<Principal, { kind: 'user' }> & {
  readonly email: string;
  readonly name: string;
  readonly store: { readonly storeId: string; readonly code: string; readonly name: string } | null;
};

const STORE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
// Verifying against a real hash when the account does not exist keeps the answer time the same either way.
const DUMMY_HASH = hashSecret('storefleet-timing-equaliser');

/** What the hub wires in after the modules are up (issue #27): roster changes, stores that must use a certificate. */
export interface AuthHooks {
  /** A console account was created or changed: its store's staff roster is sent again (modules/staff). */
  personChanged?: (userId: string) => Promise<void>;
  /**
   * Why a store may not trade its secret for a token (it must present its client certificate: kernel/edge/tls), or
   * undefined when it may.
   */
  secretRefused?: (storeId: string) => Promise<string | undefined>;
}

export class AuthService {
  /** Set by the hub once its parts exist; each is optional. */
  hooks: AuthHooks = {};

  constructor(
    readonly repo: AuthRepository,
    readonly fleet: FleetService,
    readonly tokens: StoreTokens,
    readonly settings: AuthSettings,
    readonly now: () => number,
  ) {}

  async createUser(input: NewUser): Promise<User> {
    if (input.role !== 'ADMIN' && !input.storeId)
      throw new ValidationError(`a ${input.role} must belong to a store (storeId)`);
    if (input.storeId) await this.fleet.get(input.storeId);
    const user = await this.repo.insertUser(
      {
        id: uuidv7(this.now()) as User['id'],
        email: input.email.toLowerCase(),
        name: input.name,
        role: input.role,
        storeId: (input.storeId ?? null) as StoreId | null,
        createdAt: this.now(),
      },
      await hashSecret(input.password),
    );
    if (!user) throw new ConflictError(`a user with email ${input.email.toLowerCase()} already exists`);
    await this.#personChanged(user.id);
    return user;
  }

  /**
   * Disables or re-enables an account, or gives it a new password; either way the user is signed out everywhere.
   * An admin cannot disable their own account (so the last admin cannot lock everyone out by a slip).
   */
  async updateUser(
    id: string,
    change: { disabled?: boolean | undefined; password?: string | undefined },
    by: UserId | null,
  ): Promise<User> {
    if (change.disabled === undefined && change.password === undefined)
      throw new ValidationError('say what to change: disabled and/or password');
    if (change.disabled && id === by) throw new ConflictError('you cannot disable your own account');
    const user = await this.repo.updateUser(id, {
      disabled: change.disabled,
      passwordHash: change.password === undefined ? undefined : await hashSecret(change.password),
    });
    if (!user) throw new NotFoundError('user', id);
    await this.#personChanged(user.id);
    return user;
  }

  /** Tells the roster of the person's store; a failure there does not undo the change (the roster job catches up). */
  async #personChanged(userId: string): Promise<void> {
    await this.hooks.personChanged?.(userId).catch(() => undefined);
  }

  /**
   * The accounts `by` may see: head office every account; a store's manager the associates of their own store (their
   * staff). Anyone else is refused before this is called (the route's role check).
   */
  listUsers(by: Principal): Promise<User[]> {
    if (by.kind === 'user' && by.role === 'STORE_MANAGER') {
      return by.storeId ? this.repo.listUsers({ storeId: by.storeId, role: 'ASSOCIATE' }) : Promise.resolve([]);
    }
    return this.repo.listUsers();
  }

  /**
   * Who is signed in, for the console's header and pages: the principal, and for a person also their e-mail, name
   * and store (`{ storeId, code, name }`, null for head office). A store credential is answered as it is.
   */
  async me(p: Principal): Promise<Principal | SignedInPerson> {
    if (p.kind !== 'user') return p;
    const user = await this.repo.userById(p.userId);
    if (!user) throw new UnauthorizedError('session expired or signed out; sign in again');
    const loc = p.storeId ? await this.fleet.get(p.storeId).catch(() => undefined) : undefined;
    return {
      ...p,
      email: user.email,
      name: user.name,
      store: loc ? { storeId: loc.id, code: loc.code, name: loc.name } : null,
    };
  }

  /**
   * Checks the password and opens a console session. An attempt is reserved under the person's limits (per account
   * at the address, per account unless the account signed in from this address within 30 days, per address; see
   * rate-limit.ts) before the password is checked; a failure keeps it, a success gives it back and makes the address
   * a known one for the account.
   */
  async login(
    email: string,
    password: string,
    address: string,
  ): Promise<{ user: User; sessionToken: string; expiresAt: number }> {
    const account = accountKey(email);
    const at = addressKey(address);
    // The owner's usual address (a success there within 30 days) is exempt from the account-wide cap.
    const known = await this.repo.isKnownAddress(account, at, this.now() - KNOWN_ADDRESS_MS);
    const found = await this.#checked(personLimits(email, address, known), async () => {
      const user = await this.repo.userByEmail(account);
      const ok = await verifySecret(password, user?.passwordHash ?? (await DUMMY_HASH));
      return ok && user && !user.user.disabled ? user : undefined;
    });
    if (!found) throw new UnauthorizedError('email or password is wrong');
    await this.repo.rememberAddress(account, at, this.now());
    const sessionToken = newSecret();
    // one reading of the clock: the session's life is exactly the setting (and "ended after 12 hours" says so)
    const openedAt = this.now();
    const expiresAt = openedAt + this.settings.sessionTtlSeconds * 1000;
    await this.repo.insertSession(sha256(sessionToken), found.user.id, openedAt, expiresAt);
    return { user: found.user, sessionToken, expiresAt };
  }

  /**
   * Who a person's e-mail and password, or a store's id and secret, belong to, opening nothing (the registry's token
   * endpoint, HTTP Basic). A name with an `@` is a person's, checked under the sign-in limits as `login` is; any other
   * name is a store id, checked as `storeToken` is (answered with the version of the credential it matched).
   */
  async checkCredentials(name: string, secret: string, address: string): Promise<VouchedPrincipal> {
    if (name.length > 254 || secret.length > 1024) throw new UnauthorizedError('name or secret is wrong');
    if (!name.includes('@')) {
      const id = name.toLowerCase();
      const version = STORE_ID.test(id) ? await this.fleet.verifyCredential(id, secret) : undefined;
      if (version === undefined) throw new UnauthorizedError('store id or secret is wrong');
      // a store that must present its client certificate is refused its secret here as at the token exchange (once
      // the secret is proved, so a wrong one learns nothing of the store's policy)
      const refused = await this.hooks.secretRefused?.(id);
      if (refused) throw new UnauthorizedError(refused);
      return { principal: { kind: 'store', storeId: id as StoreId }, storeCredentialVersion: version };
    }
    const account = accountKey(name);
    const at = addressKey(address);
    const known = await this.repo.isKnownAddress(account, at, this.now() - KNOWN_ADDRESS_MS);
    const found = await this.#checked(personLimits(name, address, known), async () => {
      const user = await this.repo.userByEmail(account);
      const ok = await verifySecret(secret, user?.passwordHash ?? (await DUMMY_HASH));
      return ok && user && !user.user.disabled ? user : undefined;
    });
    if (!found) throw new UnauthorizedError('email or password is wrong');
    await this.repo.rememberAddress(account, at, this.now());
    return { principal: { kind: 'user', userId: found.user.id, role: found.user.role, storeId: found.user.storeId } };
  }

  /**
   * `p` as it stands now (see `HubCredentials.current`): a person who exists and is not disabled, with the role and
   * store they have now; a store whose credential exists and, with `storeCredentialVersion`, was not rotated since.
   */
  async currentPrincipal(p: Principal, storeCredentialVersion?: number): Promise<VouchedPrincipal | undefined> {
    if (p.kind === 'store') {
      const version = await this.fleet.credentialVersion(p.storeId);
      if (version === undefined) return undefined;
      if (storeCredentialVersion !== undefined && version !== storeCredentialVersion) return undefined;
      return { principal: { kind: 'store', storeId: p.storeId }, storeCredentialVersion: version };
    }
    const user = await this.repo.userById(p.userId);
    if (!user || user.disabled) return undefined;
    return { principal: { kind: 'user', userId: user.id, role: user.role, storeId: user.storeId } };
  }

  async logout(sessionToken: string): Promise<void> {
    await this.repo.deleteSession(sha256(sessionToken));
  }

  /**
   * Exchanges a store's credential for a short-lived token. No sign-in limit applies: the secret is 256 random bits
   * checked with one fast hash, so guessing is hopeless and cheap to refuse, and a store's right secret is never
   * refused because someone behind its NAT sent wrong ones. A credential still kept as an old scrypt hash is checked
   * under a small cap of concurrent checks (StoreVerifyBusyError, 503, past it; see passwords.ts). The id is taken
   * lower-case (the token names the store).
   */
  async storeToken(storeId: string, secret: string): Promise<{ token: string; expiresAt: number }> {
    const id = storeId.toLowerCase();
    const version = await this.fleet.verifyCredential(id, secret);
    if (version === undefined) throw new UnauthorizedError('store id or secret is wrong');
    // only once the secret is proved: otherwise the refusal would tell anyone the store exists and must use a certificate
    const refused = await this.hooks.secretRefused?.(id);
    if (refused) throw new UnauthorizedError(refused);
    return this.tokens.issue(id, version, this.now(), this.settings.storeTokenTtlSeconds);
  }

  /** Who a bearer token or session cookie belongs to; throws UnauthorizedError for anything not valid now. */
  async principalFor(credential: string): Promise<Principal> {
    if (credential.split('.').length === 3) {
      const claims = await this.tokens.verify(credential, this.now());
      if ((await this.fleet.credentialVersion(claims.storeId)) !== claims.credentialVersion) {
        throw new UnauthorizedError('store token was revoked by a credential rotation');
      }
      return { kind: 'store', storeId: claims.storeId };
    }
    return this.#sessionPrincipal(sha256(credential));
  }

  /**
   * A console session's person, if the session is open now: not past its absolute expiry (from sign-in) and used
   * within the idle limit. A session ended by either is deleted and refused saying which ended it; its last use is
   * written at most once a minute.
   */
  async #sessionPrincipal(tokenHash: string): Promise<Principal> {
    const s = await this.repo.sessionOf(tokenHash);
    if (!s) throw new UnauthorizedError('session expired or signed out; sign in again');
    const now = this.now();
    const idleMs = (this.settings.sessionIdleSeconds ?? DEFAULT_SESSION_IDLE_SECONDS) * 1000;
    let ended: string | undefined;
    if (s.expiresAt <= now) ended = `your session ended after ${spell(s.expiresAt - s.createdAt)}; sign in again`;
    else if (now - s.lastSeenAt >= idleMs)
      ended = `your session ended after ${spell(idleMs)} without use; sign in again`;
    if (ended) {
      await this.repo.deleteSession(tokenHash);
      throw new UnauthorizedError(ended);
    }
    if (now - s.lastSeenAt >= SESSION_TOUCH_EVERY_MS)
      await this.repo.touchSession(tokenHash, now, SESSION_TOUCH_EVERY_MS);
    const user = s.user;
    return { kind: 'user', userId: user.id, role: user.role, storeId: user.storeId };
  }

  /**
   * Runs `check` under an attempt reserved in `limits` (429 when one is full, before anything is checked). An
   * undefined result is a failure and keeps the attempt; a success forgets the failures of the limits marked
   * `forgetOnSuccess` and gives the attempt back to the others; a throw (not the caller's fault) gives it back everywhere.
   */
  async #checked<T>(limits: readonly AttemptLimit[], check: () => Promise<T | undefined>): Promise<T | undefined> {
    const at = this.now();
    const reservation = await this.repo.reserveAttempt(limits, at);
    if (!reservation.granted) {
      const wait = Math.max(1, retryAfterSeconds(reservation.attempts, at, reservation.limit));
      throw new RateLimitedError(`too many failed sign-ins; try again in ${wait} s`, wait);
    }
    let result: T | undefined;
    try {
      result = await check();
    } catch (err) {
      for (const limit of limits) await this.repo.giveBackAttempt(limit.key, at);
      throw err;
    }
    if (result !== undefined) {
      for (const limit of limits) {
        if (limit.forgetOnSuccess) await this.repo.clearAttempts(limit.key);
        else await this.repo.giveBackAttempt(limit.key, at);
      }
    }
    return result;
  }
}
