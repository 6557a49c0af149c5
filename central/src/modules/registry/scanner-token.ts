import { randomUUID } from 'node:crypto';
import type { UserId } from '@storefleet/shared';
import type { Principal } from '../../kernel/principal.js';
import { type RegistryTokenClaims, TOKEN_AUDIENCE, TOKEN_ISSUER } from './token.js';

/**
 * The registry token a scanner adapter pulls an artefact with (Harbor's scan request `registry.authorization`).
 *
 * Invariants: the subject is `system:scanner`, never a person's or a store's, so no policy row grants it anything;
 * `/v2/` lets it do exactly what the token's `access` says and only `pull` (auth.ts); the token names one repository
 * and lives `SCANNER_TOKEN_TTL_S` (an adapter may queue a scan a while before it pulls). It is minted by the hub for
 * each scan request and never logged.
 */
export const SCANNER_SUBJECT = 'system:scanner';
export const SCANNER_TOKEN_TTL_S = 15 * 60;

/**
 * The principal the token carries (the claims need one): a person of no store with the least role, which the policy
 * grants nothing — the token's access is the only thing that lets it pull.
 */
export const SCANNER_PRINCIPAL: Principal = {
  kind: 'user',
  userId: SCANNER_SUBJECT as UserId,
  role: 'ASSOCIATE',
  storeId: null,
};

/** The claims of a scanner's pull token for `repository` at `nowMs`. */
export function scannerClaims(repository: string, nowMs: number): RegistryTokenClaims {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    sub: SCANNER_SUBJECT,
    iat,
    nbf: iat,
    exp: iat + SCANNER_TOKEN_TTL_S,
    jti: randomUUID(),
    access: [{ type: 'repository', name: repository, actions: ['pull'] }],
    sf: SCANNER_PRINCIPAL,
  };
}
