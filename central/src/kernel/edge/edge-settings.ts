import { z } from 'zod';

/**
 * The hub's production posture at its edge (issue #27): TLS, console sessions, CSRF, per-caller request limits and
 * how it answers while its database is away. Read once at start (config.ts from the environment, or given in code);
 * modules and kernel parts read `ctx.settings.edge`, never the environment.
 */
export interface EdgeSettings {
  /**
   * HTTPS and WSS (TLS_CERT_FILE + TLS_KEY_FILE, PEM). null = plain HTTP (fine on the loopback; the start-up log and
   * `/healthz` warn when a production hub listens off the loopback without it).
   */
  readonly tls: TlsSettings | null;
  /**
   * Demo only (`npm start`): make a private CA and a server certificate (for localhost and 127.0.0.1) in this folder at
   * first start, reuse them after, and serve HTTPS with them. null = no such thing (production names its own files).
   */
  readonly demoCaDir: string | null;
  /** Double-submit CSRF check on writes that come with a session cookie (CSRF=off turns it off; default on). */
  readonly csrf: boolean;
  /** A console session ends after this many minutes without a request (SESSION_IDLE_MINUTES, default 30). */
  readonly sessionIdleMinutes: number;
  /** …and this many hours after sign-in whatever it does (SESSION_ABSOLUTE_HOURS, default 12). */
  readonly sessionAbsoluteHours: number;
  /** Requests per second at the API edge, counted across every hub replica on the database (0 = no limit). */
  readonly rateLimits: EdgeRateLimits;
  /**
   * While the database is unreachable, availability reads are answered from the last answer this hub gave, if it is
   * at most this many seconds old (DEGRADED_STALE_MAX_SECONDS, default 3600), marked stale; writes get 503.
   */
  readonly staleMaxAgeSeconds: number;
}

export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA that signed the certificate (TLS_CA_FILE): what stores pin; served at `GET /tls/ca.pem` for pairing. */
  readonly caFile: string | null;
  /**
   * Mutual TLS (TLS_CLIENT_CA_FILE): the CA that signs stores' client certificates. When set, the hub asks every
   * client for a certificate (never requires one at the handshake); a store whose certificates are registered may use
   * a valid one as its credential, and a store marked `clientCertRequired` must.
   */
  readonly clientCaFile: string | null;
}

export interface EdgeRateLimits {
  /** A signed-in person (console session or token): RATE_LIMIT_USER_PER_SECOND, default 100 (the seed's gateway). */
  readonly userPerSecond: number;
  /** A store node's token or certificate: RATE_LIMIT_STORE_PER_SECOND, default 200. */
  readonly storePerSecond: number;
  /** A signed-in customer: RATE_LIMIT_CUSTOMER_PER_SECOND, default 20. */
  readonly customerPerSecond: number;
  /** Nobody signed in, per client address (an IPv6 /64 as one): RATE_LIMIT_ANONYMOUS_PER_SECOND, default 50. */
  readonly anonymousPerSecond: number;
}

export const EDGE_DEFAULTS: EdgeSettings = {
  tls: null,
  demoCaDir: null,
  csrf: true,
  sessionIdleMinutes: 30,
  sessionAbsoluteHours: 12,
  rateLimits: { userPerSecond: 100, storePerSecond: 200, customerPerSecond: 20, anonymousPerSecond: 50 },
  staleMaxAgeSeconds: 3600,
};

const perSecond = z.number().int().min(0).max(1_000_000);

/** The edge settings with defaults filled in; a value out of range throws, naming what it must be. */
export function edgeSettings(given: Partial<EdgeSettings> = {}): EdgeSettings {
  const s: EdgeSettings = {
    ...EDGE_DEFAULTS,
    ...given,
    rateLimits: { ...EDGE_DEFAULTS.rateLimits, ...(given.rateLimits ?? {}) },
  };
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(what);
  };
  check(
    Number.isInteger(s.sessionIdleMinutes) && s.sessionIdleMinutes >= 1 && s.sessionIdleMinutes <= 24 * 60,
    `SESSION_IDLE_MINUTES must be a whole number from 1 to 1440; got ${s.sessionIdleMinutes}`,
  );
  check(
    Number.isInteger(s.sessionAbsoluteHours) && s.sessionAbsoluteHours >= 1 && s.sessionAbsoluteHours <= 24 * 30,
    `SESSION_ABSOLUTE_HOURS must be a whole number from 1 to 720; got ${s.sessionAbsoluteHours}`,
  );
  check(
    Number.isInteger(s.staleMaxAgeSeconds) && s.staleMaxAgeSeconds >= 0 && s.staleMaxAgeSeconds <= 7 * 86_400,
    `DEGRADED_STALE_MAX_SECONDS must be a whole number from 0 to 604800; got ${s.staleMaxAgeSeconds}`,
  );
  for (const [k, v] of Object.entries(s.rateLimits))
    check(perSecond.safeParse(v).success, `rate limit ${k} must be a whole number from 0 to 1000000; got ${v}`);
  if (s.tls) check(!!s.tls.certFile && !!s.tls.keyFile, 'TLS_CERT_FILE and TLS_KEY_FILE are set together');
  return s;
}

/** The edge's environment variables (README "Settings"); problems are pushed, one line per variable. */
export function edgeFromEnv(env: NodeJS.ProcessEnv, problems: string[]): Partial<EdgeSettings> {
  const whole = (name: string, min: number, max: number): number | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(env[name])}`);
      return undefined;
    }
    return Number(raw);
  };
  const out: { -readonly [K in keyof EdgeSettings]?: EdgeSettings[K] } = {};
  const cert = env.TLS_CERT_FILE?.trim();
  const key = env.TLS_KEY_FILE?.trim();
  if (cert || key) {
    if (!cert || !key) problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together (PEM files)');
    else
      out.tls = {
        certFile: cert,
        keyFile: key,
        caFile: env.TLS_CA_FILE?.trim() || null,
        clientCaFile: env.TLS_CLIENT_CA_FILE?.trim() || null,
      };
  } else if (env.TLS_CLIENT_CA_FILE?.trim()) problems.push('TLS_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE');
  if (env.TLS_DEMO_CA_DIR?.trim()) out.demoCaDir = env.TLS_DEMO_CA_DIR.trim();
  const csrf = env.CSRF?.trim();
  if (csrf) {
    if (csrf === 'on' || csrf === 'off') out.csrf = csrf === 'on';
    else problems.push(`CSRF must be on or off; got ${JSON.stringify(env.CSRF)}`);
  }
  const idle = whole('SESSION_IDLE_MINUTES', 1, 1440);
  if (idle !== undefined) out.sessionIdleMinutes = idle;
  const absolute = whole('SESSION_ABSOLUTE_HOURS', 1, 720);
  if (absolute !== undefined) out.sessionAbsoluteHours = absolute;
  const stale = whole('DEGRADED_STALE_MAX_SECONDS', 0, 604_800);
  if (stale !== undefined) out.staleMaxAgeSeconds = stale;
  const limits: { -readonly [K in keyof EdgeRateLimits]?: number } = {};
  const u = whole('RATE_LIMIT_USER_PER_SECOND', 0, 1_000_000);
  if (u !== undefined) limits.userPerSecond = u;
  const st = whole('RATE_LIMIT_STORE_PER_SECOND', 0, 1_000_000);
  if (st !== undefined) limits.storePerSecond = st;
  const c = whole('RATE_LIMIT_CUSTOMER_PER_SECOND', 0, 1_000_000);
  if (c !== undefined) limits.customerPerSecond = c;
  const a = whole('RATE_LIMIT_ANONYMOUS_PER_SECOND', 0, 1_000_000);
  if (a !== undefined) limits.anonymousPerSecond = a;
  if (Object.keys(limits).length) out.rateLimits = { ...EDGE_DEFAULTS.rateLimits, ...limits };
  return out;
}
