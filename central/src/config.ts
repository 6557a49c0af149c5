import { z } from 'zod';
import type { HubModule } from './kernel/module-contract.js';
import type { Provision } from './kernel/ports.js';
import { retentionFromEnv, type RetentionSettings } from './sync/retention-settings.js';
import { redactUrls, urlHasCredentials } from './kernel/redact-url.js';
import { edgeFromEnv, type EdgeSettings } from './kernel/edge/edge-settings.js';
import {
  allowed,
  HUB_MODES,
  TUNING_ENV,
  type HubMode,
  type HubTestHooks,
  type HubTuning,
  type NotificationSenderChoice,
  type PaymentProviderChoice,
  type RegistryScannerChoice,
  type RegistrySettings,
  type VaultScannerChoice,
  type CustomerEmailChoice,
  type WarehouseChoice,
} from './kernel/hub-settings.js';

export interface HubConfig {
  /** Port to listen on; 0 picks a free one (tests). Default 8080. */
  readonly port?: number;
  readonly host?: string;
  /** Postgres URL; without it the hub runs on embedded PGlite in `dataDir`. */
  readonly databaseUrl?: string | undefined;
  /** PGlite's folder (default `./data/hub`), or `memory`. */
  readonly dataDir?: string | undefined;
  /**
   * Postgres: connections in this replica's pool (DB_POOL_SIZE, default 16). Size it for the stores a replica carries
   * (each session reads its feed through it) within the server's max_connections shared by all replicas; a request
   * that waits longer than DB_CONNECT_TIMEOUT_MS for one gets 503 "the hub is busy" with Retry-After.
   */
  readonly poolSize?: number | undefined;
  /** Postgres: how long getting a connection may take before a request gets 503 (DB_CONNECT_TIMEOUT_MS, default 5 s). */
  readonly dbConnectTimeoutMs?: number | undefined;
  /**
   * Postgres: how long one statement may wait for an answer before its connection is dropped and the request gets 503
   * (DB_QUERY_TIMEOUT_MS, default 60 s): how a database that went silent is noticed.
   */
  readonly dbQueryTimeoutMs?: number | undefined;
  /** How long `/healthz` waits for the database before answering 503 (default 2 s). */
  readonly healthTimeoutMs?: number;
  readonly logLevel?: string;
  /** Where log lines go (default stdout); tests read them. */
  readonly logDestination?: { write(line: string): void };
  /** The hub's clock; tests move it to expire tokens and holds. */
  readonly now?: () => number;
  /** Defaults to the folders found under `central/src/modules/`. */
  readonly modules?: readonly HubModule[];
  readonly sessionTtlSeconds?: number;
  /**
   * A console session's idle limit in seconds, beyond SESSION_IDLE_MINUTES' range. Programmatic only: tests that move
   * the hub's clock by hours or days set it far beyond a session's absolute life so their admin stays signed in.
   */
  readonly sessionIdleSeconds?: number;
  readonly storeTokenTtlSeconds?: number;
  /** Express `trust proxy`, for the client address behind a load balancer (rate limits use it). */
  readonly trustProxy?: boolean | string | number;
  /** NATS server for replica fan-out (JetStream); without it replicas use Postgres LISTEN/NOTIFY. */
  readonly natsUrl?: string | undefined;
  /** This process's name among hub replicas (default host-pid). */
  readonly replica?: string;
  /** The newest sync protocol this hub speaks (default the current one; tests pin an older hub). */
  readonly syncProtocol?: number;
  /** How often sync lag is sampled for the console's chart (default 15 s). */
  readonly syncLagSampleMs?: number;
  /** How often customers' live sockets re-check their session (default 30 s; kernel/live-sessions.ts). */
  readonly sessionRecheckMs?: number;
  readonly syncHeartbeatMs?: number;
  /**
   * How often each replica re-reads the feed heads of its connected stores, the safety net under a lost change
   * notification (default 30 s). Programmatic only; tests set it high so that a change can arrive only by the bus.
   */
  readonly syncFeedCheckMs?: number;
  /** Largest JSON body accepted; sync batches do not travel over HTTP. */
  readonly bodyLimit?: string;
  /**
   * How the hub was started (HUB_MODE, default `production`): only `demo` and `test` run the simulators of external
   * parties nobody named; a production hub with no payment provider refuses orders (503) and says so at start.
   */
  readonly mode?: HubMode;
  /** The payment provider (PAYMENT_PROVIDER = simulator | http, with PAYMENT_PROVIDER_URL for http). */
  readonly paymentProvider?: PaymentProviderChoice | undefined;
  /** The warehouse adapter (WAREHOUSE_ADAPTER = simulator). */
  readonly warehouseAdapter?: WarehouseChoice | undefined;
  /**
   * The customer notice sender (NOTIFICATIONS_SENDER = simulator | http, with NOTIFICATIONS_SENDER_URL for http and
   * optionally NOTIFICATIONS_SENDER_TOKEN, a secret sent as a bearer token and never logged).
   */
  readonly notificationsSender?: NotificationSenderChoice | undefined;
  /** Who sends customers' sign-in codes and reset links (CUSTOMER_EMAIL = simulator; see HubSettings.customerEmail). */
  readonly customerEmail?: CustomerEmailChoice | undefined;
  /** The vault's virus scanner (VAULT_SCANNER = simulator). */
  readonly vaultScanner?: VaultScannerChoice | undefined;
  /** Where files stored by content live (HUB_BLOB_DIR; see BlobSettings in kernel/hub-settings.ts). */
  readonly blobDir?: string | undefined;
  /** The vault's master keys (VAULT_KEYS_FILE; see VaultSettings in kernel/hub-settings.ts). A secret's home. */
  readonly vaultKeysFile?: string | undefined;
  /**
   * The registry's vulnerability scanner (REGISTRY_SCANNER = simulator | http, with REGISTRY_SCANNER_URL for http: a
   * scanner adapter speaking Harbor's pluggable scanner API).
   */
  readonly registryScanner?: RegistryScannerChoice | undefined;
  /**
   * The registry's address, default quota and mirror (REGISTRY_PUBLIC_URL, REGISTRY_DEFAULT_QUOTA_BYTES,
   * REGISTRY_MIRROR_OF with REGISTRY_MIRROR_USER, REGISTRY_MIRROR_SECRET and REGISTRY_MIRROR_REPOSITORIES; see
   * RegistrySettings in kernel/hub-settings.ts). The mirror's secret is never logged.
   */
  readonly registry?: Partial<Omit<RegistrySettings, 'scanner'>> | undefined;
  /** The labelled reviews the reviews' text model trains on (REVIEWS_TRAINING_CSV; see ReviewsSettings). */
  readonly reviewsTrainingCsv?: string | undefined;
  /** The file with the private keys that sign coupons and exit tokens (PRICING_KEYS_FILE; see PricingSettings). */
  readonly pricingKeysFile?: string | undefined;
  /**
   * External parties as ports filled with objects (`[provide(PAYMENTS_PROVIDER, payments)]`, WAREHOUSE,
   * NOTIFICATIONS_SENDER), for embedders and tests that hold their own adapter or a test-controlled simulator; they
   * win over the named adapters above.
   */
  readonly externals?: readonly Provision[];
  /** Group-commit and sweep knobs (HOLD_BATCHES_IN_FLIGHT …; see hub-settings.ts). A bad value stops the hub at start. */
  readonly tuning?: Partial<HubTuning>;
  /** Seams for the test harness only (a crash after a saga step); no environment variable sets them. */
  readonly testHooks?: HubTestHooks;
  /**
   * A bearer token that lets a scraper read `/metrics` (HUB_METRICS_TOKEN); without it only an ADMIN session can.
   * A secret: never logged.
   */
  readonly metricsToken?: string | undefined;
  /**
   * What the hub keeps and for how long (RETENTION_* variables; defaults and their reasons in
   * sync/retention-settings.ts). A value out of range stops the hub at start, naming the variable.
   */
  readonly retention?: Partial<RetentionSettings>;
  /**
   * TLS, console session expiry, CSRF, request limits and the degraded mode (TLS_*, SESSION_*, CSRF, RATE_LIMIT_*,
   * DEGRADED_*; kernel/edge/edge-settings.ts). A value out of range stops the hub at start.
   */
  readonly edge?: Partial<EdgeSettings>;
}

/**
 * The hub's configuration from its environment (README), checked in one place: every variable that is set but not
 * allowed is listed in one error (naming it and what it may be), so a bad value stops the hub before it opens anything
 * instead of misbehaving later (`SF_HOLD_BATCHES=abc` used to hang every reservation).
 */
export function hubConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const problems: string[] = [];
  const read = <T>(name: string, schema: z.ZodType<T>, rule: string): T | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const parsed = schema.safeParse(raw.trim());
    if (parsed.success) return parsed.data;
    problems.push(`${name} ${rule}; got ${JSON.stringify(raw)}`);
    return undefined;
  };
  const guard = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const config: HubConfig = {
    port: read('PORT', wholeText(0, 65_535), 'must be a TCP port from 0 to 65535') ?? 8080,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.HUB_DATA_DIR || undefined,
    logLevel: read('LOG_LEVEL', z.enum(LOG_LEVELS), `must be one of ${LOG_LEVELS.join(', ')}`) ?? 'info',
    trustProxy: env.TRUST_PROXY ?? false,
    natsUrl: env.NATS_URL || undefined,
    metricsToken: env.HUB_METRICS_TOKEN || undefined,
    poolSize: read('DB_POOL_SIZE', wholeText(1, 10_000), 'must be a whole number of connections from 1 to 10000'),
    dbConnectTimeoutMs: guard(() => positive('DB_CONNECT_TIMEOUT_MS', env.DB_CONNECT_TIMEOUT_MS)),
    dbQueryTimeoutMs: guard(() => positive('DB_QUERY_TIMEOUT_MS', env.DB_QUERY_TIMEOUT_MS)),
    retention: guard(() => retentionFromEnv(env)) ?? {},
    mode:
      read(
        'HUB_MODE',
        z.enum(HUB_MODES),
        `must be one of ${HUB_MODES.join(', ')} (production runs no simulator it was not told to)`,
      ) ?? 'production',
    paymentProvider: httpPartyFromEnv('PAYMENT_PROVIDER', "the gateway's base URL", env, read, problems),
    warehouseAdapter: read(
      'WAREHOUSE_ADAPTER',
      z.literal('simulator').transform(() => ({ adapter: 'simulator' as const })),
      'must be simulator (the only warehouse adapter so far)',
    ),
    notificationsSender: httpPartyFromEnv(
      'NOTIFICATIONS_SENDER',
      'the endpoint each notice is POSTed to',
      env,
      read,
      problems,
    ),
    customerEmail: read(
      'CUSTOMER_EMAIL',
      z.literal('simulator').transform(() => ({ adapter: 'simulator' as const })),
      'must be simulator (the only customer e-mail sender so far)',
    ),
    vaultScanner: read(
      'VAULT_SCANNER',
      z.literal('simulator').transform(() => ({ adapter: 'simulator' as const })),
      'must be simulator (the only virus scanner adapter so far)',
    ),
    blobDir: env.HUB_BLOB_DIR || undefined,
    vaultKeysFile: env.VAULT_KEYS_FILE || undefined,
    registryScanner: registryScannerFromEnv(env, read, problems),
    registry: registryFromEnv(env, read, problems),
    reviewsTrainingCsv: env.REVIEWS_TRAINING_CSV || undefined,
    pricingKeysFile: env.PRICING_KEYS_FILE || undefined,
    tuning: tuningFromEnv(read, problems),
    edge: edgeFromEnv(env, problems),
  };
  if (problems.length) throw new HubConfigError(problems);
  return config;
}

/** The hub's environment names values it cannot use; `problems` has one line per variable. */
export class HubConfigError extends Error {
  override readonly name = 'HubConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`the hub cannot start: its configuration is not valid\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type Read = <T>(name: string, schema: z.ZodType<T>, rule: string) => T | undefined;

/** Digits only (no sign, no decimals, no `1e3`), as a whole number in [min, max]. */
function wholeText(min: number, max: number): z.ZodType<number> {
  return z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));
}

/**
 * An external party that runs on its simulator or over HTTP (`NAME=simulator|http`, `NAME_URL` for http): the
 * payment provider and the customer notice sender. A bad URL is echoed without its user, password or query; the
 * notice sender's URL may not carry a user or password at all (they would end up in errors and logs): its secret
 * goes in NOTIFICATIONS_SENDER_TOKEN, which no message ever shows.
 */
function httpPartyFromEnv(
  name: 'PAYMENT_PROVIDER' | 'NOTIFICATIONS_SENDER',
  urlIs: string,
  env: NodeJS.ProcessEnv,
  read: Read,
  problems: string[],
): PaymentProviderChoice | NotificationSenderChoice | undefined {
  const adapter = read(name, z.enum(['simulator', 'http']), `must be simulator or http (with ${name}_URL)`);
  const url = httpUrl(`${name}_URL`, env, problems, { credentials: name === 'PAYMENT_PROVIDER' });
  const token = name === 'NOTIFICATIONS_SENDER' ? bearerToken(`${name}_TOKEN`, env, problems) : undefined;
  if (token && adapter !== 'http') problems.push(`${name}_TOKEN is set but ${name} is not http (it would not be used)`);
  if (adapter !== 'http') return adapter && { adapter };
  if (!url) {
    if (!env[`${name}_URL`]?.trim()) problems.push(`${name}=http needs ${name}_URL (${urlIs})`);
    return undefined;
  }
  return token ? { adapter, url, token } : { adapter, url };
}

/** REGISTRY_SCANNER = simulator | http (with REGISTRY_SCANNER_URL, no user or password in it). */
function registryScannerFromEnv(
  env: NodeJS.ProcessEnv,
  read: Read,
  problems: string[],
): RegistryScannerChoice | undefined {
  const adapter = read(
    'REGISTRY_SCANNER',
    z.enum(['simulator', 'http']),
    'must be simulator or http (with REGISTRY_SCANNER_URL)',
  );
  const url = httpUrl('REGISTRY_SCANNER_URL', env, problems, { credentials: false });
  if (adapter !== 'http') return adapter && { adapter };
  if (!url) {
    if (!env.REGISTRY_SCANNER_URL?.trim())
      problems.push("REGISTRY_SCANNER=http needs REGISTRY_SCANNER_URL (the scanner adapter's base URL)");
    return undefined;
  }
  return { adapter, url };
}

/** The registry's address, default quota and mirror; the mirror's secret is never echoed in a problem. */
function registryFromEnv(
  env: NodeJS.ProcessEnv,
  read: Read,
  problems: string[],
): Partial<Omit<RegistrySettings, 'scanner'>> {
  const out: { -readonly [K in keyof Omit<RegistrySettings, 'scanner'>]?: RegistrySettings[K] } = {};
  const publicUrl = httpUrl('REGISTRY_PUBLIC_URL', env, problems, { credentials: false });
  if (publicUrl) out.publicUrl = publicUrl.replace(/\/+$/, '');
  const quota = read(
    'REGISTRY_DEFAULT_QUOTA_BYTES',
    wholeText(0, Number.MAX_SAFE_INTEGER),
    'must be a whole number of bytes (0 = no quota)',
  );
  if (quota !== undefined) out.defaultQuotaBytes = quota;
  const of = httpUrl('REGISTRY_MIRROR_OF', env, problems, { credentials: false });
  const username = env.REGISTRY_MIRROR_USER?.trim();
  const secret = env.REGISTRY_MIRROR_SECRET;
  if (of) {
    if (!username || !secret)
      problems.push('REGISTRY_MIRROR_OF needs REGISTRY_MIRROR_USER and REGISTRY_MIRROR_SECRET (a store or a person)');
    else
      out.mirror = {
        url: of.replace(/\/+$/, ''),
        username,
        secret,
        repositories: (env.REGISTRY_MIRROR_REPOSITORIES ?? '')
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean),
      };
  } else if (username || secret || env.REGISTRY_MIRROR_REPOSITORIES?.trim()) {
    problems.push(
      'REGISTRY_MIRROR_USER, REGISTRY_MIRROR_SECRET and REGISTRY_MIRROR_REPOSITORIES need REGISTRY_MIRROR_OF',
    );
  }
  return out;
}

/** An http(s) URL from `name`, or undefined (a problem recorded when it is set but bad; never echoing a secret). */
function httpUrl(
  name: string,
  env: NodeJS.ProcessEnv,
  problems: string[],
  allow: { credentials: boolean },
): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!z.url({ protocol: /^https?$/ }).safeParse(raw).success) {
    problems.push(`${name} must be an http(s) URL; got ${JSON.stringify(redactUrls(raw))}`);
    return undefined;
  }
  if (!allow.credentials && urlHasCredentials(raw)) {
    problems.push(
      `${name} may not carry a user or password (they would show in errors and logs): put the secret in ` +
        `${name.replace(/_URL$/, '_TOKEN')} and the URL without it`,
    );
    return undefined;
  }
  return raw;
}

/**
 * A bearer token from `name` (a secret: a problem never shows it): 8 to 4096 characters of the token alphabet of
 * RFC 6750 (letters, digits, `-._~+/`, trailing `=`).
 */
function bearerToken(name: string, env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9\-._~+/]{8,4096}=*$/.test(raw)) {
    problems.push(
      `${name} must be 8 to 4096 characters of letters, digits and -._~+/ (with = at the end only); ` +
        `it has ${raw.length} characters (not shown: it is a secret)`,
    );
    return undefined;
  }
  return raw;
}

/** The tuning knobs; each that had an old SF_* name also answers to it, and setting both to different values is refused. */
function tuningFromEnv(read: Read, problems: string[]): Partial<HubTuning> {
  const tuning: { -readonly [K in keyof HubTuning]?: HubTuning[K] } = {};
  for (const [key, rule] of Object.entries(TUNING_ENV) as [
    keyof typeof TUNING_ENV,
    (typeof TUNING_ENV)[keyof typeof TUNING_ENV],
  ][]) {
    const schema = wholeText(rule.min, rule.max);
    const given = read(rule.env, schema, allowed(rule));
    const oldName = 'old' in rule ? rule.old : undefined;
    const old = oldName && read(oldName, schema, `(the old name of ${rule.env}) ${allowed(rule)}`);
    if (given !== undefined && old !== undefined && given !== old)
      problems.push(`${rule.env}=${given} and its old name ${oldName}=${old} disagree: set only ${rule.env}`);
    const value = given ?? old;
    if (value !== undefined) tuning[key] = value;
  }
  const onOff = z.enum(['on', 'off']).transform((v) => v === 'on');
  const prepared = read(
    'PG_PREPARED_STATEMENTS',
    onOff,
    'must be on or off (off for a pooler that cannot keep prepared statements)',
  );
  const oldPrepared = read(
    'SF_PG_PREPARED',
    z.enum(['0', '1']).transform((v) => v === '1'),
    '(the old name of PG_PREPARED_STATEMENTS) must be 0 or 1',
  );
  const pg = prepared ?? oldPrepared;
  if (pg !== undefined) tuning.pgPreparedStatements = pg;
  return tuning;
}

/** A positive whole number of milliseconds from the environment, or undefined (the default applies). */
function positive(name: string, value: string | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive whole number of milliseconds; got ${JSON.stringify(value)}`);
  return n;
}
