import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear, so credentials never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  'password',
  'secret',
  'token',
];

export function createLogger(
  name: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options = { name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Query parameters a request log never shows, compared in lower case: `q` carries what was searched (a pickup code, a
 * customer's name); `email`, `phone`, `name` and `card` are a customer's details (`GET /api/customers?email=…&name=…`).
 */
export const REDACTED_QUERY_PARAMS: readonly string[] = ['q', 'email', 'phone', 'name', 'card'];
const redacted = (name: string) => REDACTED_QUERY_PARAMS.includes(name.toLowerCase());

/** `/api/bopis/pickups?q=188-J3D&limit=5` → `/api/bopis/pickups?q=[redacted]&limit=5`; other parameters kept. */
export function redactQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        /* a malformed name is compared as sent */
      }
      return redacted(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, at)}?${params.join('&')}`;
}

/**
 * Paths whose next segment is a credential, compared in lower case: a customer's delivery tracking token
 * (`GET /api/delivery/track/trk_…`, the link itself is the customer's only credential).
 */
export const REDACTED_PATH_PREFIXES: readonly string[] = ['/api/delivery/track/'];

/** `/api/delivery/track/trk_abc?x=1` → `/api/delivery/track/[redacted]?x=1`; other paths as they are. */
export function redactPath(url: string): string {
  const lower = url.toLowerCase();
  const prefix = REDACTED_PATH_PREFIXES.find((p) => lower.startsWith(p));
  if (!prefix) return url;
  const rest = url.slice(prefix.length);
  const end = rest.search(/[/?#]/);
  return `${url.slice(0, prefix.length)}[redacted]${end < 0 ? '' : rest.slice(end)}`;
}

/**
 * pino-http's `serializers` for the node's and the hub's request logs: the URL and the parsed query of each request
 * line with `REDACTED_PATH_PREFIXES`' secret segment and `REDACTED_QUERY_PARAMS` blanked (headers are redacted by
 * `createLogger`'s paths).
 */
export const REQUEST_LOG_SERIALIZERS = {
  req(req: { url?: string; query?: unknown }): unknown {
    if (typeof req.url === 'string') req.url = redactQuery(redactPath(req.url));
    if (req.query && typeof req.query === 'object') {
      const query = { ...(req.query as Record<string, unknown>) };
      for (const name of Object.keys(query)) if (redacted(name)) query[name] = '[redacted]';
      req.query = query;
    }
    return req;
  },
};
