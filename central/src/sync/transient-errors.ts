/**
 * Which database errors are the moment's fault rather than the event's: a retry of the whole transaction can
 * succeed, so such an error must never park an event. Everything else is the event's own (or its handler's) and is
 * isolated by bisection (see `apply-isolated.ts`).
 */

/**
 * SQLSTATEs worth a retry: serialization failure, deadlock, lock timeout, the server shutting down or restarting, and
 * class 53 (insufficient resources: disk full 53100, out of memory 53200, too many connections 53300) — a full disk
 * at the hub is nobody's event's fault: parking the events it refused would lose good ones.
 */
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03']);
/** Node socket errors of a lost or refused connection. */
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const LOST_CONNECTION =
  /connection terminated|connection (was )?closed|client has encountered a connection error|terminating connection/i;

/** Whether `err` (or an error it wraps, through `cause`) is transient: 40001, 40P01, 55P03, 08xxx, 53xxx, 57P0x, a lost socket. */
export function isTransientDbError(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== 'object') return false;
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (TRANSIENT_CODES.has(code) || code.startsWith('08') || code.startsWith('53') || SOCKET_CODES.has(code))
    )
      return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && LOST_CONNECTION.test(message)) return true;
  }
  return false;
}

export interface RetryOptions {
  /** Tries in all, the first included (default 5). */
  readonly attempts?: number;
  /** The first pause; each next one doubles, with jitter (default 25 ms: 25, 50, 100, 200 ms). */
  readonly baseMs?: number;
  /** Told before each pause (for a log line). */
  readonly onRetry?: (err: unknown, attempt: number) => void;
}

/**
 * Runs `fn` (a whole transaction) again while it fails with a transient error, up to `attempts` tries with a short
 * doubling backoff; any other error, or the last transient one, is thrown to the caller.
 */
export async function retryTransient<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseMs ?? 25;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isTransientDbError(err)) throw err;
      options.onRetry?.(err, attempt);
      const pause = base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
