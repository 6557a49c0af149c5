import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ConflictError, UnprocessableError, ValidationError } from '@storefleet/shared';
import { principalKey } from '../../http/principal.js';
import type { IdempotencyRepository } from './idempotency-repository.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEY_RE = /^[\x21-\x7e]{1,255}$/;
/** A claim older than this whose answer never came is taken to be from a process that died mid-request. */
const STALE_CLAIM_MS = 60_000;

/**
 * `Idempotency-Key` on any write: the first answer (2xx–4xx) is stored and a retry with the same key and the same
 * request gets it back byte for byte, marked `Idempotent-Replayed: true`. The same key with another method, path or
 * body → 422. A retry while the first is still running → 409. 5xx and 429 answers are not stored: the retry runs.
 * Keys are scoped by caller, so two stores can never see each other's answers.
 */
export function idempotency(repo: IdempotencyRepository, log: Logger, now: () => number): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('Idempotency-Key');
    if (key === undefined || !WRITE_METHODS.has(req.method)) return next();
    if (!KEY_RE.test(key)) throw new ValidationError('Idempotency-Key must be 1–255 printable ASCII characters');

    const scope = principalKey(req.principal);
    const hash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex');
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

    captureAnswer(res, async (status, contentType, body) => {
      try {
        if (status >= 500 || status === 429) await repo.release(scope, key);
        else await repo.complete(scope, key, status, contentType, body);
      } catch (err) {
        log.error({ err, scope }, 'could not record the answer for an Idempotency-Key');
      }
    });
    next();
  };
}

/** Calls `record` with the answer before it is sent, so a retry that arrives after the response always finds it. */
function captureAnswer(res: Response, record: (status: number, contentType: string | null, body: string) => Promise<void>): void {
  const send = res.send.bind(res);
  let captured = false;
  res.send = ((body?: unknown) => {
    if (captured) return send(body);
    captured = true;
    const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body ?? '');
    const isObject = typeof body === 'object' && body !== null && !Buffer.isBuffer(body);
    const contentType = (res.get('Content-Type') ?? (isObject ? 'application/json; charset=utf-8' : null)) || null;
    void record(res.statusCode, contentType, text).finally(() => send(body));
    return res;
  }) as Response['send'];
}
