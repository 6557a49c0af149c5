/**
 * One error base with a `type`; the HTTP layers of the hub and the store node map it to a status and an RFC 9457
 * problem+json body. Messages name the entity and its id. Subclass only where callers branch on the kind.
 */
export type ErrorType =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unprocessable'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'rate-limited'
  | 'timeout'
  | 'unavailable'
  | 'insufficient-storage'
  | 'internal';

const STATUS: Record<ErrorType, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'rate-limited': 429,
  internal: 500,
  unavailable: 503,
  timeout: 504,
  'insufficient-storage': 507,
};

const TITLE: Record<ErrorType, string> = {
  validation: 'Invalid request',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  'not-found': 'Not found',
  conflict: 'Conflict',
  'payload-too-large': 'Request too large',
  'unsupported-media-type': 'Unsupported media type',
  unprocessable: 'Unprocessable request',
  'rate-limited': 'Too many requests',
  internal: 'Internal error',
  unavailable: 'Service unavailable',
  timeout: 'Timed out',
  'insufficient-storage': 'Disk full',
};

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class AppError extends Error {
  readonly type: ErrorType;
  /** Extra members for the problem body (e.g. `errors`, `retryAfterSeconds`); never secrets. */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(type: ErrorType, message: string, extra: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.type = type;
    this.extra = extra;
  }

  get status(): number {
    return STATUS[this.type];
  }
}

export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly issues: readonly FieldIssue[] = [],
  ) {
    super('validation', message, issues.length ? { errors: issues } : {});
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'a valid credential is required') {
    super('unauthorized', message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', message);
  }
}
export class NotFoundError extends AppError {
  constructor(entity: string, id: string) {
    super('not-found', `${entity} ${id} not found`, { entity, id });
  }
}
export class ConflictError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super('conflict', message, extra);
  }
}
export class UnprocessableError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super('unprocessable', message, extra);
  }
}
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate-limited', message, { retryAfterSeconds });
  }
}
export class TimeoutError extends AppError {
  constructor(message: string) {
    super('timeout', message);
  }
}

/**
 * The disk (or the database file's size limit) is full: nothing of the request was recorded. Thrown in place of a
 * driver's SQLITE_FULL or an fs ENOSPC (`isDiskFull`), so callers can tell it apart and the answer is a 507 that says
 * what to do rather than a 500.
 */
export class DiskFullError extends AppError {
  constructor(
    message = 'the disk is full: nothing was recorded; free space on this machine, then try again',
    options?: ErrorOptions,
  ) {
    super('insufficient-storage', message, {}, options);
  }
}

/** True when `err` (or an error it wraps, via `cause`) says the disk is full: SQLite's SQLITE_FULL or fs ENOSPC. */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DiskFullError) return true;
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC') return true;
  }
  return false;
}

/** RFC 9457 problem details. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly [member: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemTypeUri(type: ErrorType): string {
  return `urn:storefleet:problem:${type}`;
}

/** Turns any thrown value into a problem; unknown errors become a 500 whose detail reveals nothing internal. */
export function toProblem(err: unknown, instance?: string): Problem {
  const base = classifyError(err);
  return {
    ...base.extra,
    type: problemTypeUri(base.type),
    title: TITLE[base.type],
    status: base.status,
    detail: base.message,
    ...(instance ? { instance } : {}),
  };
}

/**
 * Maps what an HTTP stack throws (body parsers tag their errors with `type` and `status`) to an AppError, so a
 * malformed or oversized body gets a clear 4xx instead of a 500. Anything unrecognised stays a 500.
 */
export function classifyError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: unknown; status?: unknown; message?: unknown; limit?: unknown } | null;
  switch (e?.type) {
    case 'entity.parse.failed':
      return new ValidationError(`malformed JSON body: ${String(e.message)}`);
    case 'entity.too.large':
      return new AppError('payload-too-large', `request body is larger than the ${String(e.limit)}-byte limit`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported-media-type', String(e.message));
    case 'request.aborted':
      return new ValidationError('request aborted by the client');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new ValidationError(String(e.message));
  // Postgres gave up on a transaction that ran into another at the same moment (a deadlock, or a serializable
  // conflict nobody retried): nothing was changed, and the same request may simply be sent again.
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '40P01' || code === '40001')
    return new ConflictError('another change to the same records ran at the same moment; nothing changed, try again', {
      retryable: true,
    });
  if (isDiskFull(err)) return new DiskFullError(undefined, { cause: err });
  return new AppError('internal', 'an unexpected error occurred', {}, { cause: err });
}
