import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  AppError,
  classifyError,
  type ErrorType,
  PROBLEM_CONTENT_TYPE,
  RateLimitedError,
  toProblem,
} from '@storefleet/shared';

/**
 * The OCI distribution spec's error codes, each with the status this registry answers it with. Every error the
 * registry answers is one body that both kinds of client read: an RFC 9457 problem (`type`, `title`, `status`,
 * `detail`: the house rule, `application/problem+json`) that also carries the spec's `errors` array
 * (`[{ code, message, detail }]`), which docker, skopeo, podman and containerd parse whatever the content type.
 */
export const OCI_ERRORS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 404,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 415,
  TOOMANYREQUESTS: 429,
  // not in the spec's table, but the status the spec names for them
  RANGE_INVALID: 416,
  QUOTA_EXCEEDED: 403,
  METHOD_UNSUPPORTED: 405,
} as const;
export type OciErrorCode = keyof typeof OCI_ERRORS;

const TYPE_OF: Record<number, ErrorType> = {
  400: 'validation',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'validation',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  416: 'validation',
  429: 'rate-limited',
  503: 'unavailable',
};

/** The spec's code for a status of a generic hub error (a 409, a 503 …) that reaches the registry's handler. */
const CODE_OF_STATUS: Record<number, OciErrorCode> = {
  400: 'BLOB_UPLOAD_INVALID',
  401: 'UNAUTHORIZED',
  403: 'DENIED',
  404: 'NAME_UNKNOWN',
  415: 'UNSUPPORTED',
  429: 'TOOMANYREQUESTS',
};

/**
 * An error of the OCI API: `code` from the spec, `message` for people (says what was wrong and what to do), `detail`
 * (optional, JSON) for machines. Thrown by the registry's parts; the registry's error handler answers it.
 */
export class OciError extends AppError {
  readonly code: OciErrorCode;
  readonly #status: number;
  constructor(code: OciErrorCode, message: string, detail?: unknown, extra: Record<string, unknown> = {}) {
    const status = OCI_ERRORS[code];
    super(TYPE_OF[status] ?? 'validation', message, {
      ...extra,
      code,
      errors: [
        {
          code: code === 'RANGE_INVALID' ? 'BLOB_UPLOAD_INVALID' : code === 'METHOD_UNSUPPORTED' ? 'UNSUPPORTED' : code,
          message,
          ...(detail === undefined ? {} : { detail }),
        },
      ],
    });
    this.code = code;
    this.#status = status;
  }
  override get status(): number {
    return this.#status;
  }
}

/** A push whose blob a garbage collection removed at the same moment (retryable: nothing was recorded). */
export class BlobRemovedMeanwhileError extends OciError {
  constructor(digest: string) {
    super(
      'BLOB_UPLOAD_INVALID',
      `blob ${digest} was being removed by garbage collection at the same moment; upload it again`,
      { digest, retry: true },
    );
  }
}

/** Answers any error the registry's routes throw: problem+json with the spec's `errors` array; a 5xx is logged. */
export function ociErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      // a stream that broke mid-answer: nothing can be said any more; end the connection so the client sees it
      req.socket.destroy();
      next(err);
      return;
    }
    const e = err instanceof OciError ? err : classifyError(err);
    if (e.status >= 500) log.error({ err, method: req.method }, 'registry request failed');
    const problem = toProblem(e, req.originalUrl.split('?')[0]);
    const body =
      e instanceof OciError
        ? problem
        : {
            ...problem,
            errors: [
              {
                code: CODE_OF_STATUS[e.status] ?? 'UNSUPPORTED',
                message: e.status >= 500 ? problem.detail : e.message,
              },
            ],
          };
    if (e instanceof RateLimitedError) res.setHeader('Retry-After', String(e.retryAfterSeconds));
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    res.status(e.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  };
}

/** The methods each path shape under `/v2/` is served with (the first shape that matches): a 405's `Allow`. */
const METHODS_OF_PATH: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^\/?$/, ['GET', 'HEAD']],
  [/^\/_catalog$/, ['GET', 'HEAD']],
  [/^\/.+\/tags\/list$/, ['GET', 'HEAD']],
  [/^\/.+\/referrers\/[^/]+$/, ['GET', 'HEAD']],
  [/^\/.+\/blobs\/uploads\/?$/, ['POST']],
  [/^\/.+\/blobs\/uploads\/[^/]+$/, ['GET', 'PATCH', 'PUT', 'DELETE']],
  [/^\/.+\/blobs\/[^/]+$/, ['GET', 'HEAD', 'DELETE']],
  [/^\/.+\/manifests\/[^/]+$/, ['GET', 'HEAD', 'PUT', 'DELETE']],
];

/**
 * The registry's answer to a path or method under `/v2/` it does not serve: a known path with a method it is not
 * served with is 405 UNSUPPORTED with `Allow`; anything else 404 NAME_UNKNOWN.
 */
export const ociNotFound: RequestHandler = (req, res) => {
  const allowed = METHODS_OF_PATH.find(([shape]) => shape.test(req.path))?.[1];
  if (allowed && !allowed.includes(req.method)) {
    res.setHeader('Allow', allowed.join(', '));
    throw new OciError('METHOD_UNSUPPORTED', `${req.path} is served with ${allowed.join(', ')}, not ${req.method}`, {
      allow: allowed,
    });
  }
  throw new OciError('NAME_UNKNOWN', `no registry route for ${req.method} ${req.path}`);
};
