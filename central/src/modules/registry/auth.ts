import { randomBytes, randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AppError, OCI_NAME, RELEASE_REPOSITORY_PREFIX } from '@storefleet/shared';
import type { VouchedPrincipal } from '../../kernel/credentials.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import { authRepository } from './auth-repository.js';
import { OciError } from './errors.js';
import { SCANNER_PRINCIPAL, SCANNER_SUBJECT, scannerClaims } from './scanner-token.js';
import {
  type RegistryTokenClaims,
  signToken,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type TokenAccess,
  TokenError,
  unverifiedAudience,
  verifyToken,
} from './token.js';
import type { RegistryAction, RegistryCaller } from './types.js';

/** The Docker token spec's `service` this registry names in its challenges and expects in its tokens. */
export const REGISTRY_SERVICE = 'storefleet-registry';
/** The token endpoint, under the hub's `/api`. */
export const TOKEN_PATH = '/api/registry/token';
const KEY_ID = 'registry-hs256-1';
const ALL_ACTIONS: readonly RegistryAction[] = ['pull', 'push', 'delete'];
/**
 * How long (by the hub's clock) this process trusts what `ctx.credentials.current` said about a token's principal: a
 * disabled account, a changed role or a rotated store credential reaches `/v2/` at most this late, and a burst of blob
 * GETs with one token costs one lookup. Per process, keyed by subject and credential version.
 */
const CURRENT_CACHE_MS = 5_000;
const CURRENT_CACHE_MAX = 10_000;

/** What `/v2/` read from the request: who, and with a registry token, what the token grants. */
interface Presented {
  readonly caller: RegistryCaller;
  /** The token's `access`, or null for a hub credential (whose rights are the policy's). */
  readonly grant: readonly TokenAccess[] | null;
}
const LOCALS = 'registryPresented';
const presentedOf = (res: Response) => (res.locals as Record<string, Presented | undefined>)[LOCALS];

/** A host header fit to stand in a challenge (no quotes, spaces or commas that could change its meaning). */
const SAFE_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

export function subjectOf(p: Principal): string {
  return p.kind === 'store' ? `store:${p.storeId}` : `user:${p.userId}`;
}

/** A repository name from `req.params.name` (express 5's `*name`: an array of segments) checked against the spec. */
export function repositoryName(raw: unknown): string {
  const name = Array.isArray(raw) ? raw.join('/') : typeof raw === 'string' ? raw : '';
  if (name.length === 0 || name.length > 255 || !OCI_NAME.test(name))
    throw new OciError(
      'NAME_INVALID',
      'the repository name is not one the OCI spec allows (lower-case path components of letters and digits)',
      { name: name.slice(0, 300) },
    );
  return name;
}

/**
 * Who may do what in the registry, and the Docker token auth (lane: auth).
 *
 * Policy: head office's ADMINs pull, push and delete everywhere; a store's node and a store's people pull release
 * repositories (`releases/…`) only; nobody anonymous does anything. `GET /api/registry/token` (the realm) takes HTTP
 * Basic (a person's e-mail and password, or a store's id and secret, checked with `ctx.credentials.check`) or a hub
 * credential (session cookie, session or store bearer token) and answers a short-lived HS256 JWT whose `access`
 * claims are the requested scopes cut down to what the policy allows (`{ token, access_token, expires_in,
 * issued_at }`). `/v2/` takes that token, or a hub credential directly (the store node pulls with its store token).
 */
export class RegistryAuth {
  #key: Promise<Buffer> | undefined;
  readonly #current = new Map<
    string,
    { readonly at: number; readonly answer: Promise<VouchedPrincipal | undefined> }
  >();
  constructor(readonly ctx: HubContext) {}

  /** Loads the token signing key (made at first start, shared by every hub replica on the database). */
  async start(): Promise<void> {
    await this.#signingKey();
  }

  #signingKey(): Promise<Buffer> {
    if (!this.#key) {
      const loading = authRepository.ensureKey(this.ctx.db, KEY_ID, randomBytes(32), this.ctx.now());
      this.#key = loading;
      // a failed load (database down at start) is tried again by the next request, not remembered
      loading.catch(() => {
        if (this.#key === loading) this.#key = undefined;
      });
    }
    return this.#key;
  }

  /** What `principal` may do in `repository` by the policy above. */
  allowedActions(principal: Principal, repository: string): readonly RegistryAction[] {
    if (principal.kind === 'user' && principal.role === 'ADMIN') return ALL_ACTIONS;
    const ofAStore = principal.kind === 'store' || principal.storeId !== null;
    return ofAStore && repository.startsWith(RELEASE_REPOSITORY_PREFIX) ? ['pull'] : [];
  }

  /** Whether `principal` may list every repository (`GET /v2/_catalog`): head office only. */
  mayListCatalog(principal: Principal): boolean {
    return principal.kind === 'user' && principal.role === 'ADMIN';
  }

  /**
   * A token for `vouched.principal` granting `requested` cut down to the policy (never an error for asking more: what
   * is not allowed is left out). Called by the token endpoint; a store's token carries its credential version, so a
   * rotation ends it.
   */
  async issue(
    vouched: VouchedPrincipal,
    requested: readonly TokenAccess[],
  ): Promise<{ token: string; expiresIn: number; issuedAt: number; access: readonly TokenAccess[] }> {
    const { principal, storeCredentialVersion } = vouched;
    if (principal.kind === 'store' && storeCredentialVersion === undefined)
      throw new Error(`registry: a token for store ${principal.storeId} needs its credential version`);
    const granted = new Map<string, TokenAccess>();
    for (const want of requested) {
      const allowed: readonly string[] =
        want.type === 'registry'
          ? this.mayListCatalog(principal)
            ? ['*']
            : []
          : this.allowedActions(principal, want.name);
      const actions = want.actions.includes('*') ? allowed : want.actions.filter((a) => allowed.includes(a));
      if (actions.length === 0) continue;
      const k = `${want.type}:${want.name}`;
      const before = granted.get(k)?.actions ?? [];
      granted.set(k, { type: want.type, name: want.name, actions: [...new Set([...before, ...actions])] });
    }
    const issuedAt = this.ctx.now();
    const iat = Math.floor(issuedAt / 1000);
    const expiresIn = this.ctx.settings.tuning.registryTokenTtlSeconds;
    const claims: RegistryTokenClaims = {
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      sub: subjectOf(principal),
      iat,
      nbf: iat,
      exp: iat + expiresIn,
      jti: randomUUID(),
      access: [...granted.values()],
      sf: principal,
      ...(principal.kind === 'store' ? { sfv: storeCredentialVersion } : {}),
    };
    return { token: signToken(claims, await this.#signingKey(), KEY_ID), expiresIn, issuedAt, access: claims.access };
  }

  /** A pull token for a scanner adapter, for `repository` only (scanner-token.ts); called per scan request. */
  async scannerToken(repository: string): Promise<string> {
    return signToken(scannerClaims(repository, this.ctx.now()), await this.#signingKey(), KEY_ID);
  }

  /** The realm clients fetch tokens from: REGISTRY_PUBLIC_URL's, else this request's own origin. */
  realmOf(req: Request): string {
    const configured = this.ctx.settings.registry.publicUrl;
    if (configured) return `${configured.replace(/\/+$/, '')}${TOKEN_PATH}`;
    const host = req.get('host') ?? '';
    // a junk Host header must not write into the challenge: the address the request reached instead
    const safe = SAFE_HOST.test(host)
      ? host
      : `${req.socket.localFamily === 'IPv6' ? `[${req.socket.localAddress}]` : req.socket.localAddress}:${req.socket.localPort}`;
    return `${req.protocol === 'https' ? 'https' : 'http'}://${safe}${TOKEN_PATH}`;
  }

  /** Sets the Bearer challenge on `res` (RFC 6750 and the Docker token spec) for an answer about to be a 401. */
  #challenge(req: Request, res: Response, scopes: readonly string[], error?: string): void {
    let value = `Bearer realm="${this.realmOf(req)}",service="${REGISTRY_SERVICE}"`;
    if (scopes.length) value += `,scope="${scopes.join(' ')}"`;
    if (error) value += `,error="${error}"`;
    res.setHeader('WWW-Authenticate', value);
  }

  /**
   * Reads the caller of a `/v2/` request (a registry token, or a hub credential) into `res.locals`; no credential
   * leaves it anonymous; a credential that is not valid is a 401 with the challenge.
   */
  readonly authenticate: RequestHandler = async (req, res, next) => {
    const authorization = req.get('authorization');
    const bearer = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
    const address = req.ip ?? '';
    if (bearer && unverifiedAudience(bearer) === TOKEN_AUDIENCE) {
      let claims: RegistryTokenClaims;
      try {
        claims = verifyToken(bearer, await this.#signingKey(), this.ctx.now());
      } catch (err) {
        if (!(err instanceof TokenError)) throw err;
        this.#challenge(req, res, [], 'invalid_token');
        throw new OciError('UNAUTHORIZED', `the registry token is not valid: ${err.message}; fetch a new one`);
      }
      // a scanner adapter's token (scanner-token.ts): no account behind it, its access is all it may do
      if (claims.sub === SCANNER_SUBJECT) {
        (res.locals as Record<string, Presented>)[LOCALS] = {
          caller: { principal: SCANNER_PRINCIPAL, subject: SCANNER_SUBJECT, address },
          grant: claims.access,
        };
        next();
        return;
      }
      // the token's principal as the hub knows it now: disabled, rotated or gone is a 401; a changed role counts
      const now = await this.#currentOf(claims);
      if (!now) {
        this.#challenge(req, res, [], 'invalid_token');
        throw new OciError(
          'UNAUTHORIZED',
          `the registry token of ${claims.sub} is no longer valid (account disabled or store credential rotated); sign in again`,
        );
      }
      (res.locals as Record<string, Presented>)[LOCALS] = {
        caller: { principal: now.principal, subject: subjectOf(now.principal), address },
        grant: claims.access,
      };
      next();
      return;
    }
    let principal: Principal | undefined;
    try {
      principal = await this.ctx.credentials.principalOf({ authorization, cookie: req.get('cookie') });
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 401) throw err;
      this.#challenge(req, res, [], 'invalid_token');
      throw new OciError('UNAUTHORIZED', `${err.message}`);
    }
    if (principal)
      (res.locals as Record<string, Presented>)[LOCALS] = {
        caller: { principal, subject: subjectOf(principal), address },
        grant: null,
      };
    next();
  };

  /**
   * Lets the request on when its caller may do `action` in the repository `req.params.name` names (and, with
   * `from`, pull the repository `?from=` names, for a mount): anonymous or a token without the scope → 401 with the
   * `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge; a caller the policy refuses → 403 DENIED; a name the
   * spec does not allow → 400 NAME_INVALID.
   */
  require(action: RegistryAction): RequestHandler {
    return (req, res, next) => {
      const name = repositoryName(req.params.name);
      const needs: { name: string; action: RegistryAction }[] = [{ name, action }];
      const from = action === 'push' && typeof req.query.mount === 'string' ? req.query.from : undefined;
      if (from !== undefined)
        needs.push({ name: repositoryName(typeof from === 'string' ? from : ''), action: 'pull' });
      // what a client asks the realm for: a push needs pull too (it checks what exists before sending)
      const scopes = needs.map((n) => `repository:${n.name}:${n.action === 'push' ? 'pull,push' : n.action}`);
      const presented = presentedOf(res);
      if (!presented) {
        this.#challenge(req, res, scopes);
        throw new OciError(
          'UNAUTHORIZED',
          'authentication required: fetch a token from the realm in WWW-Authenticate',
          {
            scopes,
          },
        );
      }
      for (const n of needs) {
        const byPolicy =
          presented.caller.subject === SCANNER_SUBJECT
            ? n.action === 'pull' && presented.grant !== null
            : this.allowedActions(presented.caller.principal, n.name).includes(n.action);
        if (!byPolicy)
          throw new OciError('DENIED', `${presented.caller.subject} may not ${n.action} in repository ${n.name}`, {
            repository: n.name,
            action: n.action,
          });
        if (presented.grant && !granted(presented.grant, 'repository', n.name, n.action)) {
          this.#challenge(req, res, scopes, 'insufficient_scope');
          throw new OciError('UNAUTHORIZED', `the token does not grant ${n.action} in repository ${n.name}`, {
            scopes,
          });
        }
      }
      next();
    };
  }

  /** `GET /v2/_catalog`'s guard: head office only (a token needs `registry:catalog:*`). */
  readonly requireCatalog: RequestHandler = (req, res, next) => {
    const presented = presentedOf(res);
    const scopes = ['registry:catalog:*'];
    if (!presented) {
      this.#challenge(req, res, scopes);
      throw new OciError('UNAUTHORIZED', 'authentication required: fetch a token from the realm in WWW-Authenticate');
    }
    if (!this.mayListCatalog(presented.caller.principal))
      throw new OciError('DENIED', 'only head office may list every repository');
    if (presented.grant && !granted(presented.grant, 'registry', 'catalog', '*')) {
      this.#challenge(req, res, scopes, 'insufficient_scope');
      throw new OciError('UNAUTHORIZED', 'the token does not grant registry:catalog:*');
    }
    next();
  };

  /** `GET /v2/`: 200 `{}` for any authenticated caller, else 401 with the challenge (how clients find the realm). */
  readonly base: RequestHandler = (req, res) => {
    if (!presentedOf(res)) {
      this.#challenge(req, res, []);
      throw new OciError('UNAUTHORIZED', 'authentication required: fetch a token from the realm in WWW-Authenticate');
    }
    res.json({});
  };

  /** `ctx.credentials.current` for a token's principal, remembered CURRENT_CACHE_MS (see there). */
  #currentOf(claims: RegistryTokenClaims): Promise<VouchedPrincipal | undefined> {
    const key = `${claims.sub} ${claims.sfv ?? ''}`;
    const at = this.ctx.now();
    const kept = this.#current.get(key);
    // a clock moved back (a test's, or a replica's correction) is not a reason to trust an answer longer
    if (kept && at >= kept.at && at - kept.at < CURRENT_CACHE_MS) return kept.answer;
    if (this.#current.size >= CURRENT_CACHE_MAX) {
      for (const [k, v] of this.#current) if (!(at >= v.at && at - v.at < CURRENT_CACHE_MS)) this.#current.delete(k);
      if (this.#current.size >= CURRENT_CACHE_MAX) this.#current.clear();
    }
    const answer = this.ctx.credentials.current(claims.sf, { storeCredentialVersion: claims.sfv });
    this.#current.set(key, { at, answer });
    // a failed lookup (database down) is tried again by the next request, not remembered
    answer.catch(() => {
      if (this.#current.get(key)?.answer === answer) this.#current.delete(key);
    });
    return answer;
  }

  /** The caller `authenticate` read, after `require` let the request on. */
  callerOf(res: Response): RegistryCaller {
    const presented = presentedOf(res);
    if (!presented) throw new Error('registry: callerOf before require');
    return presented.caller;
  }
}

function granted(grant: readonly TokenAccess[], type: TokenAccess['type'], name: string, action: string): boolean {
  return grant.some(
    (g) => g.type === type && g.name === name && (g.actions.includes(action) || g.actions.includes('*')),
  );
}
