import { AppError, DiskFullError } from '@storefleet/shared';

/** Socket errors of a refused, reset or unreachable database connection. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATEs of a server going away or refusing connections: admin/crash shutdown, cannot connect now, too many clients. */
const SERVER_GONE = new Set(['57P01', '57P02', '57P03', '53300']);
/** What node-postgres says when a connection ends, cannot be made in time, or a statement gets no answer in time. */
const LOST =
  /connection terminated|query read timeout|client has encountered a connection error|not queryable|connection (was )?closed/i;
/**
 * What pg-pool says when a caller waited `connectionTimeoutMillis` in its queue for one of the pool's connections (all
 * in use). Not a connection that failed: a new connection that cannot be made in time ends with "Connection terminated
 * due to connection timeout" instead (LOST). So this is the hub's own pool full — overload, not an outage.
 */
const POOL_WAIT = /timeout exceeded when trying to connect/i;
/** What a client is told to wait before trying a request refused because the pool was busy. */
export const DATABASE_BUSY_RETRY_AFTER_SECONDS = 1;
export const DATABASE_BUSY = 'the hub is busy: all of its database connections are in use; retry';

/**
 * The hub cannot reach its database (refused, cut, or silent past the timeouts). Answers 503 problem+json so a
 * client retries; `code` keeps the driver's code and `cause` the driver's error, so retry logic that looks at either
 * (sync's `isTransientDbError`) still recognises it.
 */
export class DatabaseUnreachableError extends AppError {
  readonly code: string | undefined;
  /** Why, in words that name no host or address (it reaches /healthz, which anyone may read). */
  readonly reason: string;

  constructor(cause: unknown) {
    super('unavailable', "the hub's database is unreachable; retry", {}, { cause });
    const code = (cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === 'string' ? code : undefined;
    this.reason = reasonOf(cause);
  }
}

/**
 * The hub's connection pool stayed full for the whole connect timeout: the database may well be answering (a spike of
 * requests or store sessions holds every connection). 503 with Retry-After, and NOT the degraded mode: that one only
 * enters when its own check of the database fails. `code` 53000 (insufficient_resources) makes sync's
 * `isTransientDbError` retry it and never park an event for it; `isConnectionError` says false.
 */
export class DatabaseBusyError extends AppError {
  readonly code = '53000';
  readonly retryAfterSeconds = DATABASE_BUSY_RETRY_AFTER_SECONDS;

  constructor(cause: unknown) {
    super('unavailable', DATABASE_BUSY, { retryAfterSeconds: DATABASE_BUSY_RETRY_AFTER_SECONDS }, { cause });
  }
}

/** Whether `err` is pg-pool's wait for a free connection running out (see DatabaseBusyError). */
export function isPoolWait(err: unknown): boolean {
  if (err instanceof DatabaseBusyError) return true;
  if (!err || typeof err !== 'object' || err instanceof DatabaseUnreachableError) return false;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && POOL_WAIT.test(message);
}

/** Whether `err` is a lost, refused or timed-out connection rather than a statement's own failure. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof DatabaseUnreachableError) return true;
  if (!err || typeof err !== 'object' || err instanceof DatabaseBusyError) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_GONE.has(code) || code.startsWith('08')))
    return true;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && LOST.test(message);
}

/** SQLSTATE 53100 (disk_full): Postgres could not extend a file; the statement and its transaction did nothing. */
export const DATABASE_DISK_FULL =
  "the hub's database is out of disk space: nothing was recorded; retry later (the hub's operators must free or add space)";

/**
 * Rethrows a connection error as DatabaseUnreachableError, a pool wait that ran out as DatabaseBusyError (the hub's
 * own pool full, not an outage) and the database's disk full (53100) as DiskFullError (507, saying so, not a 500);
 * any other error unchanged. The driver's error stays the `cause`, so retry rules that read its code (sync's
 * `isTransientDbError`) still see it.
 */
export function asUnreachable(err: unknown): unknown {
  if ((err as { code?: unknown } | null)?.code === '53100')
    return new DiskFullError(DATABASE_DISK_FULL, { cause: err });
  if (isPoolWait(err) && !(err instanceof DatabaseBusyError)) return new DatabaseBusyError(err);
  return isConnectionError(err) && !(err instanceof DatabaseUnreachableError) ? new DatabaseUnreachableError(err) : err;
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = String((err as { message?: unknown } | undefined)?.message ?? '');
  if (code === 'ECONNREFUSED') return 'the database refused the connection';
  if (typeof code === 'string' && SERVER_GONE.has(code))
    return `the database is shutting down or not accepting connections (${code})`;
  if (/connection timeout/i.test(message)) return 'no connection to the database could be made in time';
  if (/query read timeout/i.test(message)) return 'the database did not answer in time';
  if (/connection terminated|connection (was )?closed|ECONNRESET|EPIPE/i.test(`${message} ${String(code)}`))
    return 'the connection to the database was lost';
  return `the database connection failed${typeof code === 'string' ? ` (${code})` : ''}`;
}
