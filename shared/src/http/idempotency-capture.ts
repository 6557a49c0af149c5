import { createHmac } from 'node:crypto';
import { ConflictError, PROBLEM_CONTENT_TYPE, toProblem } from '../errors.js';

/**
 * The parts of `Idempotency-Key` handling that the hub (Postgres) and the store node (SQLite) share: which requests
 * take a key, what a valid key is, the request's fingerprint, the capture of the first answer, and the rule that an
 * answer carrying a one-time secret is never stored. The protocol itself is `idempotencyMiddleware`.
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** The parts of a request its fingerprint covers: a retry must repeat all of them to get the stored answer. */
export interface FingerprintedRequest {
  readonly method: string;
  readonly originalUrl: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * A streamed body (a file upload the server reads as it arrives) is not there when the key is looked up: its
 * fingerprint is what the client says of it — its length, its type, and its digest when the client sends one
 * (`Repr-Digest` / `Content-Digest`, RFC 9530), so a retry of the same key with another file is refused (422) rather
 * than answered with the first file's result.
 */
function streamedBodyFacts(req: FingerprintedRequest): string {
  if (req.body !== undefined || !req.headers) return '';
  const h = (name: string) => {
    const v = req.headers?.[name];
    return Array.isArray(v) ? v.join(',') : (v ?? '');
  };
  return `\nstream ${h('content-length')} ${h('content-type')} ${h('repr-digest')} ${h('content-digest')}`;
}

/**
 * Fingerprints whole requests (method, URL, JSON body — passwords and secrets included, so a retry with a corrected
 * password is another request) with an HMAC-SHA256 under `key`, a secret of the server's own. A plain hash of a
 * known request would be a fast hash of the password in it, which a copy of the table would let anyone test guesses
 * against; without the key there is nothing to test.
 */
export function keyedRequestFingerprint(key: string): (req: FingerprintedRequest) => string {
  return (req) =>
    createHmac('sha256', key)
      .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}${streamedBodyFacts(req)}`)
      .digest('hex');
}

/** The slice of an express response that capture needs (typed structurally: `shared` does not depend on express). */
export interface CapturableResponse {
  statusCode: number;
  locals: Record<string, unknown>;
  send(body?: unknown): unknown;
  /** Node's `ServerResponse.end` (chunk?, encoding?, callback?): every answer leaves through it (`send` calls it). */
  end(...args: unknown[]): unknown;
  /** Node's `ServerResponse.write`: a body written in parts (a stream) cannot be kept as one answer. */
  write(...args: unknown[]): unknown;
  get(name: string): string | undefined;
  setHeader(name: string, value: string): unknown;
}

const SECRET = Symbol.for('storefleet.answer-carries-secret');

/**
 * Marks an answer as carrying a one-time secret (a store credential, a device token): it gets `Cache-Control:
 * no-store`, and the idempotency layer keeps only a note that it was given, never the answer itself.
 */
export function markSecretAnswer(res: CapturableResponse): void {
  res.locals[SECRET as unknown as string] = true;
  res.setHeader('Cache-Control', 'no-store');
}

const KEEP_AS = Symbol.for('storefleet.answer-kept-as');
const UNKEPT = Symbol.for('storefleet.answer-not-kept');

/**
 * The idempotency layer keeps `body` (JSON) for this answer instead of what was sent: for an answer that carries
 * something a 24-hour store should not hold (a pickup code), when a retry may get the answer without it. The status
 * and content type are kept as sent.
 */
export function keepAnswerAs(res: CapturableResponse, body: unknown): void {
  res.locals[KEEP_AS as unknown as string] = JSON.stringify(body);
  res.setHeader('Cache-Control', 'no-store');
}

/**
 * The idempotency layer keeps nothing of this answer: the claim on its Idempotency-Key is released, so a retry runs
 * again as if new. For a route whose answer holds personal data and that is safe to run twice (it opens afresh, or
 * sets a value).
 */
export function markUnkeptAnswer(res: CapturableResponse): void {
  res.locals[UNKEPT as unknown as string] = true;
  res.setHeader('Cache-Control', 'no-store');
}

/** Whether a route marked this answer with `markUnkeptAnswer` (the idempotency layer then releases the claim). */
export function isUnkeptAnswer(res: CapturableResponse): boolean {
  return res.locals[UNKEPT as unknown as string] === true;
}

/**
 * Whether a route marked this answer with `markSecretAnswer` (it shows a one-time secret: a pairing code, a store
 * secret). Read by the idempotency layers of the hub and the store node before they keep an answer: such an answer is
 * never stored as sent (see `answerToStore`). False for every answer not marked, so a route that forgets to mark is
 * the risk, not a false alarm.
 */
export function carriesSecret(res: CapturableResponse): boolean {
  return res.locals[SECRET as unknown as string] === true;
}

export interface CapturedAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

/**
 * What is stored for an answer: the answer itself, or, when it carried a secret, a problem saying the first request
 * succeeded and its secret was shown once (a retry must never see the secret again, nor create a second one).
 */
export function answerToStore(res: CapturableResponse, answer: CapturedAnswer, key: string): CapturedAnswer {
  const keepAs = res.locals[KEEP_AS as unknown as string];
  if (typeof keepAs === 'string' && !carriesSecret(res)) return { ...answer, body: keepAs };
  if (!carriesSecret(res)) return answer;
  const problem = toProblem(
    new ConflictError(
      `the request with Idempotency-Key ${key} succeeded (${answer.status}); its answer held a one-time secret, ` +
        'which is shown once and not kept: issue a new one if it was lost',
    ),
  );
  return { status: 409, contentType: PROBLEM_CONTENT_TYPE, body: JSON.stringify(problem) };
}

/**
 * Calls `record` with the first answer before it is sent, so a retry that arrives after the response always finds
 * it. Every answer is seen — `send`/`json` and a bare `res.status(204).end()` alike — because it is taken where they
 * all leave, at `end`. A body written in parts (`write`, a piped stream) is not kept: `record` gets `null`, and the
 * claim should be released. `record` must not throw (log instead); the answer is sent either way.
 */
export function captureAnswer(
  res: CapturableResponse,
  record: (answer: CapturedAnswer | null) => Promise<void> | void,
): void {
  const end = res.end.bind(res);
  const write = res.write.bind(res);
  let streamed = false;
  let captured = false;
  res.write = ((...args: unknown[]) => {
    streamed = true;
    return write(...args);
  }) as CapturableResponse['write'];
  res.end = ((...args: unknown[]) => {
    if (captured) return end(...args);
    captured = true;
    const chunk = typeof args[0] === 'function' ? undefined : args[0];
    const encoding = typeof args[1] === 'string' ? (args[1] as BufferEncoding) : 'utf8';
    const text =
      chunk === undefined || chunk === null
        ? ''
        : typeof chunk === 'string'
          ? Buffer.from(chunk, encoding).toString('utf8')
          : Buffer.from(chunk as Uint8Array).toString('utf8');
    const answer = streamed
      ? null
      : { status: res.statusCode, contentType: res.get('Content-Type') || null, body: text };
    void Promise.resolve()
      .then(() => record(answer))
      .catch(() => undefined)
      .finally(() => end(...args));
    return res;
  }) as CapturableResponse['end'];
}
