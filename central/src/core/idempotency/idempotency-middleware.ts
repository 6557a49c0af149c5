import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { idempotencyMiddleware, keyedRequestFingerprint } from '@storefleet/shared';
import { principalKey } from '../../kernel/principal.js';
import type { IdempotencyRepository } from './idempotency-repository.js';

/** A claim older than this whose answer never came is taken to be from a replica that died mid-request. */
const STALE_CLAIM_MS = 60_000;

/** The name under `hub_secrets` of the key that fingerprints requests (shared by every replica). */
export const FINGERPRINT_SECRET = 'idempotency-fingerprint-key';

/**
 * The hub's `Idempotency-Key` handling: the shared protocol (shared/src/http/idempotency-middleware.ts) over the
 * Postgres repository. Keys are scoped by the signed-in caller, an anonymous caller by its address and route.
 * Requests are fingerprinted whole, credentials included, with an HMAC under `fingerprintKey` (a hub secret): a retry
 * with a corrected password is another request (422), and a copy of the table gives nothing to test guesses against.
 * Replicas can die mid-request, so a claim pending for a minute is taken over by a retry.
 */
export function idempotency(
  repo: IdempotencyRepository,
  fingerprintKey: string,
  log: Logger,
  now: () => number,
): RequestHandler {
  return idempotencyMiddleware<Request, Response>({
    store: repo,
    scopeOf: (req) =>
      principalKey(req.principal ?? req.customer, {
        address: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        route: `${req.method} ${req.originalUrl.split('?')[0]}`,
      }),
    fingerprint: keyedRequestFingerprint(fingerprintKey),
    log,
    now,
    staleClaimMs: STALE_CLAIM_MS,
  });
}
