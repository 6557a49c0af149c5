import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { StoreId, UserId } from '@storefleet/shared';
import { type Principal, type Role, ROLES } from '../../kernel/principal.js';

/**
 * The registry's bearer tokens: compact JWTs signed with HS256 (RFC 7519 / 7515), written here with node:crypto.
 *
 * Invariants: a token verifies only with the header `{"alg":"HS256"}` (no `none`, no other algorithm, whatever the
 * header asks), a signature compared in constant time, `iss` storefleet-hub, `aud` storefleet-registry, and `nbf ≤
 * now < exp` by the hub's clock. Its `access` (the Docker token spec's claim) is what the holder may do; `sf` carries
 * the principal the token was issued to (its role and store), so `/v2/` can tell who owns an upload session; for a
 * store, `sfv` is the version of the credential it signed in with, and a store token without one does not verify.
 * A valid token is not the last word: `/v2/` checks its principal against the hub on use (auth.ts).
 */

export const TOKEN_ISSUER = 'storefleet-hub';
export const TOKEN_AUDIENCE = 'storefleet-registry';
/** Seconds a token's `nbf` may lie ahead of the verifier's clock (replicas' clocks differ a little). */
const CLOCK_SKEW_S = 30;

/** One entry of the Docker token spec's `access` claim. */
export interface TokenAccess {
  readonly type: 'repository' | 'registry';
  readonly name: string;
  readonly actions: readonly string[];
}

export interface RegistryTokenClaims {
  readonly iss: string;
  readonly aud: string;
  /** `user:<id>` or `store:<id>`. */
  readonly sub: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly jti: string;
  readonly access: readonly TokenAccess[];
  readonly sf: Principal;
  /** The store's credential version when issued (a store's token only). */
  readonly sfv?: number | undefined;
}

const principalSchema = z.union([
  z.strictObject({ kind: z.literal('store'), storeId: z.string().min(1).max(64) }),
  z.strictObject({
    kind: z.literal('user'),
    userId: z.string().min(1).max(64),
    role: z.enum(ROLES as [string, ...string[]]),
    storeId: z.string().min(1).max(64).nullable(),
  }),
]);
const seconds = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40);
const claimsSchema = z.object({
  iss: z.literal(TOKEN_ISSUER),
  aud: z.literal(TOKEN_AUDIENCE),
  sub: z.string().min(1).max(100),
  iat: seconds,
  nbf: seconds,
  exp: seconds,
  jti: z.string().min(1).max(100),
  access: z
    .array(
      z.object({
        type: z.enum(['repository', 'registry']),
        name: z.string().min(1).max(255),
        actions: z.array(z.string().min(1).max(20)).max(10),
      }),
    )
    .max(100),
  sf: principalSchema,
  sfv: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .optional(),
});

/** Why a token was refused (for the challenge's `error_description`; never the token itself). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function mac(key: Buffer, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput).digest();
}

/** Signs `claims` with `key` (kid names the key, so a later rotation can tell keys apart). */
export function signToken(claims: RegistryTokenClaims, key: Buffer, kid: string): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(mac(key, input))}`;
}

/** The payload's `aud` read without checking anything: tells a registry token from a hub store token (both JWTs). */
export function unverifiedAudience(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !B64URL.test(parts[1]!) || parts[1]!.length > 16_384) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    const aud = (payload as { aud?: unknown } | null)?.aud;
    return typeof aud === 'string' ? aud : undefined;
  } catch {
    return undefined;
  }
}

/** The claims of `token` when `key` signed it and it is valid at `nowMs`; else a `TokenError` saying why. */
export function verifyToken(token: string, key: Buffer, nowMs: number): RegistryTokenClaims {
  if (token.length > 32_768) throw new TokenError('token too long');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => p.length > 0 && B64URL.test(p)))
    throw new TokenError('not a compact JWT');
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('token is not JSON');
  }
  if ((header as { alg?: unknown } | null)?.alg !== 'HS256') throw new TokenError('token algorithm is not HS256');
  const expected = mac(key, `${h}.${p}`);
  const got = Buffer.from(s, 'base64url');
  if (got.length !== expected.length || !timingSafeEqual(got, expected))
    throw new TokenError('token signature is wrong');
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) throw new TokenError('token claims are not the registry’s');
  const now = Math.floor(nowMs / 1000);
  if (parsed.data.exp <= now) throw new TokenError('token expired');
  if (parsed.data.nbf > now + CLOCK_SKEW_S) throw new TokenError('token not valid yet');
  const sf = parsed.data.sf;
  if ((sf.kind === 'store') !== (parsed.data.sfv !== undefined))
    throw new TokenError('token names a store without its credential version, or a person with one');
  const principal: Principal =
    sf.kind === 'store'
      ? { kind: 'store', storeId: sf.storeId as StoreId }
      : {
          kind: 'user',
          userId: sf.userId as UserId,
          role: sf.role as Role,
          storeId: sf.storeId as StoreId | null,
        };
  return { ...parsed.data, sf: principal };
}
