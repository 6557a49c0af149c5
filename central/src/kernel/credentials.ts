import type { Principal } from './principal.js';

/**
 * A caller the hub vouched for, and what `HubCredentials.current` needs later to tell whether that still holds: for a
 * store, the version of the credential it proved itself with (a rotation bumps it).
 */
export interface VouchedPrincipal {
  readonly principal: Principal;
  /** A store's credential version when vouched for; undefined for a person. */
  readonly storeCredentialVersion?: number | undefined;
}

/**
 * The hub's own credentials, for a module that must authenticate a caller outside the `/api` router (the registry's
 * `/v2/` routes and its token endpoint, which clients such as skopeo and podman call with HTTP Basic). The hub's
 * sign-in rules hold: a person's password is checked under the same attempt limits as the console's sign-in (a burst
 * of wrong ones is a `RateLimitedError`, 429), a store's secret as at `POST /api/auth/store-token`.
 */
export interface HubCredentials {
  /**
   * Who `name` and `secret` are: a person's e-mail and password, or a store's id and secret (with the version of the
   * credential the secret matched). `address` is the caller's address (for the sign-in limits). Throws
   * `UnauthorizedError` (401) when they are wrong or the account is disabled, `RateLimitedError` (429) past the
   * limits. Nothing is opened: no session, no token.
   */
  check(name: string, secret: string, address: string): Promise<VouchedPrincipal>;
  /**
   * Who the hub credential in these headers belongs to — `Authorization: Bearer <store token or session token>` or
   * the console's session cookie — or undefined when none is presented. Throws `UnauthorizedError` for one presented
   * but not valid now (expired, signed out, a rotated store credential).
   */
  principalOf(headers: {
    readonly authorization?: string | undefined;
    readonly cookie?: string | undefined;
  }): Promise<Principal | undefined>;
  /**
   * `principal` as the hub knows it now, for a module holding a principal it vouched for earlier (the registry's
   * tokens): a person who still exists and is not disabled, with their role and store as they are now; a store whose
   * credential still exists and, when `expected.storeCredentialVersion` is given, has not been rotated since (its
   * current version is in the answer). Undefined when the principal no longer holds. Reads the database on every
   * call (no cache): a caller on a hot path keeps its own, short one.
   */
  current(
    principal: Principal,
    expected?: { readonly storeCredentialVersion?: number | undefined },
  ): Promise<VouchedPrincipal | undefined>;
}
