import type { Logger } from 'pino';
import { AppError, classifyError, PROBLEM_CONTENT_TYPE, RateLimitedError, toProblem } from '../errors.js';
import { redactPath } from './logger.js';

/**
 * Express-compatible handlers typed structurally, so the hub and the store node share them without this package
 * depending on express.
 */
export interface ProblemRequest {
  readonly method: string;
  readonly path: string;
  readonly originalUrl: string;
  readonly headers: Record<string, string | string[] | undefined>;
  is(type: string): string | false | null;
}

export interface ProblemResponse {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  status(code: number): ProblemResponse;
  type(contentType: string): ProblemResponse;
  send(body: string): unknown;
}

type Next = (err?: unknown) => void;

export function sendProblem(res: ProblemResponse, err: unknown, instance: string): void {
  const problem = toProblem(err, instance);
  if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

export function notFoundHandler(req: ProblemRequest): never {
  throw new AppError('not-found', `no route for ${req.method} ${req.path}`);
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: ProblemRequest, res: ProblemResponse, next: Next): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const appError = classifyError(err);
    if (appError.status >= 500) log.error({ err, method: req.method, path: redactPath(req.path) }, 'request failed');
    sendProblem(res, appError, req.originalUrl);
  };
}

/** Write requests must carry JSON: a form post or a text body gets 415, not a confusing validation error. */
export function requireJsonBody(req: ProblemRequest, _res: unknown, next: Next): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    const got = req.headers['content-type'] ?? 'none';
    throw new AppError('unsupported-media-type', `expected Content-Type application/json, got ${String(got)}`);
  }
  next();
}
