import { ConflictError, UnprocessableError, ValidationError } from '../errors.js';
import {
  answerToStore,
  isUnkeptAnswer,
  captureAnswer,
  IDEMPOTENCY_KEY_RE,
  IDEMPOTENT_METHODS,
  type CapturableResponse,
  type FingerprintedRequest,
} from './idempotency-capture.js';

/**
 * The `Idempotency-Key` protocol, shared by the hub (Postgres) and the store node (SQLite):
 *
 *   no row ──claim──▶ pending ──answer 2xx–4xx──▶ done (replayed to every retry with the same request)
 *                        │ └──answer 5xx / 429──▶ released (no row: the retry runs)
 *                        ├──recording the answer fails, or its body was streamed──▶ released
 *                        └──older than staleClaimMs (only if given)──▶ reclaimed by a retry of the same request
 *
 * A retry with the same key: another request (fingerprint differs) → 422; the first still pending → 409 with
 * Retry-After; done → the stored answer byte for byte, marked `Idempotent-Replayed: true`. Keys are per scope (the
 * caller), so two callers never see each other's answers. An answer marked with `markSecretAnswer` is stored only as
 * a 409 saying it succeeded and its secret was shown once.
 */

/** A stored first answer, or the claim of a request still running. */
export interface IdempotencyRecord {
  readonly requestHash: string;
  readonly state: 'pending' | 'done';
  readonly status: number | null;
  readonly contentType: string | null;
  readonly body: string | null;
}

/**
 * Where first answers are kept, per (scope, key). Implemented by the hub's Postgres repository and the store node's
 * SQLite one (which may answer with resolved values). Each method is one atomic statement; a throw is a storage
 * failure, which the middleware lets through (a 5xx) before the request runs, and logs after it.
 */
export interface IdempotencyStore {
  /** Claims the key for a request as pending; false when a row for (scope, key) exists already. */
  claim(scope: string, key: string, requestHash: string, now: number): Promise<boolean>;
  /**
   * Takes over a pending claim of the same request made before `staleBefore` (its holder died); false otherwise.
   * Needed only with `staleClaimMs` (a store whose server never reclaims by age leaves it out).
   */
  reclaimStale?(scope: string, key: string, requestHash: string, staleBefore: number, now: number): Promise<boolean>;
  find(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Records the answer of a pending claim. */
  complete(scope: string, key: string, status: number, contentType: string | null, body: string): Promise<void>;
  /** Drops a pending claim (the answer is not to be kept), so the retry runs. */
  release(scope: string, key: string): Promise<void>;
}

/** The slice of a request the middleware reads (express's, typed structurally). */
export interface IdempotentRequest extends FingerprintedRequest {
  get(name: string): string | undefined;
}

/** The slice of a response the middleware writes. */
export interface IdempotentResponse extends CapturableResponse {
  status(code: number): IdempotentResponse;
}

export interface IdempotencyOptions<Req extends IdempotentRequest, Res extends IdempotentResponse> {
  readonly store: IdempotencyStore;
  /** Whose key it is: the signed-in caller, or an anonymous one by address and route. */
  readonly scopeOf: (req: Req, res: Res) => string;
  /** The request's fingerprint (`keyedRequestFingerprint`): equal for a faithful retry, different otherwise. */
  readonly fingerprint: (req: Req) => string;
  readonly log: { error(context: object, message: string): void };
  readonly now: () => number;
  /**
   * When set, a pending claim older than this is taken to be from a process that died mid-request and a retry takes
   * it over (the hub: replicas can die while others go on). Unset, a pending claim stands until it is answered or
   * cleared at start-up (the store node: one process, so nothing else can hold a claim).
   */
  readonly staleClaimMs?: number | undefined;
}

export function idempotencyMiddleware<Req extends IdempotentRequest, Res extends IdempotentResponse>(
  opts: IdempotencyOptions<Req, Res>,
): (req: Req, res: Res, next: () => void) => Promise<void> {
  const { store, scopeOf, fingerprint, log, now, staleClaimMs } = opts;
  const reclaimStale = staleClaimMs === undefined ? undefined : store.reclaimStale?.bind(store);
  if (staleClaimMs !== undefined && !reclaimStale) throw new TypeError('staleClaimMs needs a store with reclaimStale');
  return async (req, res, next) => {
    const key = req.get('Idempotency-Key');
    if (key === undefined || !IDEMPOTENT_METHODS.has(req.method)) return next();
    if (!IDEMPOTENCY_KEY_RE.test(key))
      throw new ValidationError('Idempotency-Key must be 1–255 printable ASCII characters');

    const scope = scopeOf(req, res);
    const hash = fingerprint(req);
    const t = now();
    const claimed =
      (await store.claim(scope, key, hash, t)) ||
      (reclaimStale !== undefined && (await reclaimStale(scope, key, hash, t - staleClaimMs!, t)));
    if (!claimed) {
      const prior = await store.find(scope, key);
      if (!prior) throw new ConflictError(`request with Idempotency-Key ${key} was just released; retry it`);
      if (prior.requestHash !== hash)
        throw new UnprocessableError(`Idempotency-Key ${key} was already used for a different request`);
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
        // A streamed body (not kept whole), a 5xx or a 429 is not a first answer to replay: the retry runs.
        // So is one its route said not to keep (`markUnkeptAnswer`: personal data, safe to run twice).
        if (answer === null || answer.status >= 500 || answer.status === 429 || isUnkeptAnswer(res))
          await store.release(scope, key);
        else {
          const kept = answerToStore(res, answer, key);
          await store.complete(scope, key, kept.status, kept.contentType, kept.body);
        }
      } catch (err) {
        log.error({ err, scope }, 'could not record the answer for an Idempotency-Key; releasing its claim');
        // Left pending, every retry would be 409 (on the store node until a restart): let the retry run instead.
        await store
          .release(scope, key)
          .catch((e: unknown) => log.error({ err: e, scope }, 'could not release the claim of an Idempotency-Key'));
      }
    });
    next();
  };
}
