import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks out wherever they appear, so credentials never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  // issue #27: a session's CSRF token, an approval a manager's PIN granted, and the key a write's answer is kept under
  'req.headers["x-csrf-token"]',
  'req.headers["manager-approval"]',
  'req.headers["idempotency-key"]',
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
 * customer's name); `email`, `phone`, `name` and `card` are a customer's details (`GET /api/customers?email=…&name=…`);
 * `token` and `code` are one-time secrets (an old or hand-made password-reset link, a sign-in code) that a log must
 * not hand to whoever reads it, whatever route they were sent to.
 */
export const REDACTED_QUERY_PARAMS: readonly string[] = ['q', 'email', 'phone', 'name', 'card', 'token', 'code'];
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

/**
 * A credential-shaped piece of a URL wherever it stands, whatever the route: a tracking link's token (`trk_…`), a
 * driver app's token (`drv_…`) or a customer's session token (`sfc_…`). Odd spellings of a route (`/api//delivery/track/…`, `/api/delivery/%74rack/…`) miss
 * the prefixes above but still carry the token, so each piece is also read percent-decoded.
 */
const CREDENTIAL_SHAPED = /(?:^|[^A-Za-z0-9])(?:trk|drv|sfc)_[A-Za-z0-9_-]{6,}/i;

function decodedPiece(piece: string): string {
  let s = piece;
  // twice: a doubly encoded token (`%2574rk_…`) decodes to what a second decoder would read
  for (let i = 0; i < 2 && s.includes('%'); i++)
    try {
      s = decodeURIComponent(s);
    } catch {
      s = s.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    }
  return s;
}

/**
 * `/api/delivery/track/trk_abc?x=1` → `/api/delivery/track/[redacted]?x=1`; any path segment or query value holding a
 * `trk_…`/`drv_…`/`sfc_…`-shaped token (as sent or percent-decoded) → `[redacted]`; other paths as they are.
 */
export function redactPath(url: string): string {
  const lower = url.toLowerCase();
  const prefix = REDACTED_PATH_PREFIXES.find((p) => lower.startsWith(p));
  let out = url;
  if (prefix) {
    const rest = url.slice(prefix.length);
    const end = rest.search(/[/?#]/);
    out = `${url.slice(0, prefix.length)}[redacted]${end < 0 ? '' : rest.slice(end)}`;
  }
  return out
    .split(/([/?#&=;])/)
    .map((piece) => (CREDENTIAL_SHAPED.test(decodedPiece(piece)) ? '[redacted]' : piece))
    .join('');
}

/**
 * pino-http's `serializers` for the node's and the hub's request logs: the URL and the parsed query of each request
 * line with `REDACTED_PATH_PREFIXES`' secret segment, `REDACTED_QUERY_PARAMS` and any token-shaped value blanked (headers are redacted by
 * `createLogger`'s paths).
 */
export const REQUEST_LOG_SERIALIZERS = {
  req(req: { url?: string; query?: unknown }): unknown {
    if (typeof req.url === 'string') req.url = redactQuery(redactPath(req.url));
    if (req.query && typeof req.query === 'object') {
      const query = { ...(req.query as Record<string, unknown>) };
      for (const name of Object.keys(query))
        if (redacted(name) || CREDENTIAL_SHAPED.test(JSON.stringify(query[name]) ?? '')) query[name] = '[redacted]';
      req.query = query;
    }
    return req;
  },
};
