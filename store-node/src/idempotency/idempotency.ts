import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { idempotencyMiddleware, keyedRequestFingerprint } from '@storefleet/shared';
import type { SqliteIdempotencyKeys } from './sqlite-idempotency-keys.js';

export { SqliteIdempotencyKeys } from './sqlite-idempotency-keys.js';
export const idempotencyMigrations = new URL('./schema/', import.meta.url);
/** Keys are kept this long; a lane retries within seconds, a day covers a till left mid-sale overnight. */
export const IDEMPOTENCY_RETENTION_MS = 86_400_000;

/**
 * `Idempotency-Key` on any write of the store's API: the shared protocol (shared/src/http/idempotency-middleware.ts)
 * over the node's SQLite file. A lane that retries a tender after a timeout gets the first sale, not a second one; a
 * retry while the first still runs (a card being authorised, however long) → 409. Keys are scoped by `scopeOf` (the
 * lane, the kiosk, each paired device). Requests are fingerprinted whole with an HMAC under the node's own key.
 *
 * Made once per process, at start-up: the node is the only process on its file, so a claim still pending now was
 * left by a run that died mid-request, and is cleared so its retry runs. Pending claims are never taken over by age
 * (a payment terminal may take minutes).
 */
export function idempotency(
  keys: SqliteIdempotencyKeys,
  scopeOf: (res: Response) => string,
  log: Logger,
  now: () => number,
): RequestHandler {
  const cleared = keys.clearPending();
  if (cleared)
    log.warn({ cleared }, 'cleared Idempotency-Key claims left pending by the previous run; their retries will run');
  return idempotencyMiddleware<Request, Response>({
    store: keys,
    scopeOf: (_req, res) => scopeOf(res),
    fingerprint: keyedRequestFingerprint(keys.fingerprintKey()),
    log,
    now,
  });
}
