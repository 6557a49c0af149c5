import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import {
  answerToStore,
  captureAnswer,
  ConflictError,
  IDEMPOTENCY_KEY_RE,
  IDEMPOTENT_METHODS,
  requestFingerprint,
  UnprocessableError,
  ValidationError,
} from '@storefleet/shared';
import { principalKey } from '../../http/principal.js';
import type { IdempotencyRepository } from './idempotency-repository.js';

/**
 * Body fields that hold a password or a secret. They are left out of the stored fingerprint: a SHA-256 over a known
 * request with a password in it is a fast hash of that password, which a copy of the table would let anyone test
 * guesses against. A retry that differs only in them counts as the same request (it gets the first answer).
 */
const CREDENTIAL_FIELDS: readonly string[] = ['password', 'secret'];

function withoutCredentials(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const kept = { ...(body as Record<string, unknown>) };
  for (const field of CREDENTIAL_FIELDS) if (field in kept) kept[field] = '(not kept)';
  return kept;
}

/** A claim older than this whose answer never came is taken to be from a process that died mid-request. */
const STALE_CLAIM_MS = 60_000;

/**
 * `Idempotency-Key` on any write: the first answer (2xx–4xx) is stored and a retry with the same key and the same
 * request gets it back byte for byte, marked `Idempotent-Replayed: true`. The same key with another method, path or
 * body (credentials aside, see above) → 422. A retry while the first is still running → 409. 5xx and 429 answers
 * are not stored: the retry runs.
 * Keys are scoped by caller (an anonymous caller by its address and route), so two callers never see each other's
 * answers. An answer marked with `markSecretAnswer` (it carried a credential) is kept only as a 409 saying the first
 * request succeeded and its secret was shown once: the secret is never stored, and a retry never mints a second one.
 */
export function idempotency(repo: IdempotencyRepository, log: Logger, now: () => number): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('Idempotency-Key');
    if (key === undefined || !IDEMPOTENT_METHODS.has(req.method)) return next();
    if (!IDEMPOTENCY_KEY_RE.test(key)) throw new ValidationError('Idempotency-Key must be 1–255 printable ASCII characters');

    const route = `${req.method} ${req.originalUrl.split('?')[0]}`;
    const scope = principalKey(req.principal, { address: req.ip ?? req.socket.remoteAddress ?? 'unknown', route });
    const hash = requestFingerprint(req.method, req.originalUrl, withoutCredentials(req.body));
    const t = now();
    const claimed = (await repo.claim(scope, key, hash, t)) || (await repo.reclaimStale(scope, key, hash, t - STALE_CLAIM_MS, t));
    if (!claimed) {
      const prior = await repo.find(scope, key);
      if (!prior) throw new ConflictError(`request with Idempotency-Key ${key} was just released; retry it`);
      if (prior.requestHash !== hash) {
        throw new UnprocessableError(`Idempotency-Key ${key} was already used for a different request`);
      }
      if (prior.state === 'pending') {
        res.setHeader('Retry-After', '1');
        throw new ConflictError(`request with Idempotency-Key ${key} is still being processed`);
      }
      res.setHeader('Idempotent-Replayed', 'true');
      if (prior.contentType) res.setHeader('Content-Type', prior.contentType);
      res.status(prior.status ?? 200).send(prior.body ?? '');
      return;
    }

    captureAnswer(res, async (answer) => {
      try {
        if (answer.status >= 500 || answer.status === 429) await repo.release(scope, key);
        else {
          const kept = answerToStore(res, answer, key);
          await repo.complete(scope, key, kept.status, kept.contentType, kept.body);
        }
      } catch (err) {
        log.error({ err, scope }, 'could not record the answer for an Idempotency-Key');
      }
    });
    next();
  };
}
