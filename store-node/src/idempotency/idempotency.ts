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
import type { SqliteDb } from '../db/open-sqlite.js';

export const idempotencyMigrations = new URL('./schema/', import.meta.url);
/** A claim older than this whose answer never came is taken to be from a request that died mid-way (a crash). */
const STALE_CLAIM_MS = 60_000;
/** Keys are kept this long; a lane retries within seconds, a day covers a till left mid-sale overnight. */
export const IDEMPOTENCY_RETENTION_MS = 86_400_000;

interface AnswerRow {
  request_hash: string;
  state: 'pending' | 'done';
  status: number | null;
  content_type: string | null;
  body: string | null;
}

/** The first answers to keyed writes, per caller, in the store's SQLite file (all of its SQL). */
export class SqliteIdempotencyKeys {
  constructor(readonly db: SqliteDb) {}

  /** Claims the key for this request; false when someone already holds it. */
  claim(scope: string, key: string, requestHash: string, now: number): boolean {
    return (
      this.db
        .prepare(`INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (scope, key) DO NOTHING`)
        .run(scope, key, requestHash, now).changes === 1
    );
  }

  /** Takes over a claim of the same request whose holder never answered (pending since before `staleBefore`). */
  reclaimStale(scope: string, key: string, requestHash: string, staleBefore: number, now: number): boolean {
    return (
      this.db
        .prepare(`UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = ? AND request_hash = ? AND state = 'pending' AND created_at < ?`)
        .run(now, scope, key, requestHash, staleBefore).changes === 1
    );
  }

  find(scope: string, key: string): AnswerRow | undefined {
    return this.db.prepare('SELECT request_hash, state, status, content_type, body FROM idempotency_keys WHERE scope = ? AND key = ?').get(scope, key) as AnswerRow | undefined;
  }

  complete(scope: string, key: string, status: number, contentType: string | null, body: string): void {
    this.db.prepare(`UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, body = ? WHERE scope = ? AND key = ?`).run(status, contentType, body, scope, key);
  }

  release(scope: string, key: string): void {
    this.db.prepare(`DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND state = 'pending'`).run(scope, key);
  }

  purgeOlderThan(cutoff: number): number {
    return this.db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?').run(cutoff).changes;
  }
}

/**
 * `Idempotency-Key` on any write of the store's API, with the hub's semantics: the first answer (2xx–4xx) is stored
 * and a retry with the same key and the same request gets it back byte for byte, marked `Idempotent-Replayed: true`
 * (a lane that retries a tender after a timeout gets the first sale, not a second one). The same key with another
 * method, path or body → 422; a retry while the first still runs (a card being authorised) → 409; 5xx and 429 are
 * not stored, so the retry runs. Keys are scoped by `scopeOf` (the lane, the kiosk, each paired device). An answer
 * marked as carrying a secret (a device token) is stored only as a note that it was given.
 */
export function idempotency(keys: SqliteIdempotencyKeys, scopeOf: (res: Response) => string, log: Logger, now: () => number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('Idempotency-Key');
    if (key === undefined || !IDEMPOTENT_METHODS.has(req.method)) return next();
    if (!IDEMPOTENCY_KEY_RE.test(key)) throw new ValidationError('Idempotency-Key must be 1–255 printable ASCII characters');

    const scope = scopeOf(res);
    const hash = requestFingerprint(req.method, req.originalUrl, req.body);
    const t = now();
    if (!keys.claim(scope, key, hash, t) && !keys.reclaimStale(scope, key, hash, t - STALE_CLAIM_MS, t)) {
      const prior = keys.find(scope, key);
      if (!prior) throw new ConflictError(`request with Idempotency-Key ${key} was just released; retry it`);
      if (prior.request_hash !== hash) throw new UnprocessableError(`Idempotency-Key ${key} was already used for a different request`);
      if (prior.state === 'pending') {
        res.setHeader('Retry-After', '1');
        throw new ConflictError(`request with Idempotency-Key ${key} is still being processed`);
      }
      res.setHeader('Idempotent-Replayed', 'true');
      if (prior.content_type) res.setHeader('Content-Type', prior.content_type);
      res.status(prior.status ?? 200).send(prior.body ?? '');
      return;
    }

    captureAnswer(res, (answer) => {
      try {
        if (answer.status >= 500 || answer.status === 429) keys.release(scope, key);
        else {
          const kept = answerToStore(res, answer, key);
          keys.complete(scope, key, kept.status, kept.contentType, kept.body);
        }
      } catch (err) {
        log.error({ err, scope }, 'could not record the answer for an Idempotency-Key');
      }
    });
    next();
  };
}
