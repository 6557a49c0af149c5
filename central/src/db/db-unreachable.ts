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
  /connection terminated|timeout exceeded when trying to connect|query read timeout|client has encountered a connection error|not queryable|connection (was )?closed/i;

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

/** Whether `err` is a lost, refused or timed-out connection rather than a statement's own failure. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof DatabaseUnreachableError) return true;
  if (!err || typeof err !== 'object') return false;
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
 * Rethrows a connection error as DatabaseUnreachableError and the database's disk full (53100) as DiskFullError (507,
 * saying so, not a 500); any other error unchanged. The driver's error stays the `cause`, so retry rules that read
 * its code (sync's `isTransientDbError`) still see it.
 */
export function asUnreachable(err: unknown): unknown {
  if ((err as { code?: unknown } | null)?.code === '53100')
    return new DiskFullError(DATABASE_DISK_FULL, { cause: err });
  return isConnectionError(err) && !(err instanceof DatabaseUnreachableError) ? new DatabaseUnreachableError(err) : err;
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = String((err as { message?: unknown } | undefined)?.message ?? '');
  if (code === 'ECONNREFUSED') return 'the database refused the connection';
  if (typeof code === 'string' && SERVER_GONE.has(code))
    return `the database is shutting down or not accepting connections (${code})`;
  if (/timeout exceeded when trying to connect/i.test(message))
    return 'no connection to the database could be made in time';
  if (/query read timeout/i.test(message)) return 'the database did not answer in time';
  if (/connection terminated|connection (was )?closed|ECONNRESET|EPIPE/i.test(`${message} ${String(code)}`))
    return 'the connection to the database was lost';
  return `the database connection failed${typeof code === 'string' ? ` (${code})` : ''}`;
}
