import type { HubModule } from './modules/hub-module.js';
import { retentionFromEnv, type RetentionSettings } from './sync/retention-settings.js';

export interface HubConfig {
  /** Port to listen on; 0 picks a free one (tests). Default 8080. */
  readonly port?: number;
  readonly host?: string;
  /** Postgres URL; without it the hub runs on embedded PGlite in `dataDir`. */
  readonly databaseUrl?: string | undefined;
  /** PGlite's folder (default `./data/hub`), or `memory`. */
  readonly dataDir?: string | undefined;
  readonly poolSize?: number;
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
  readonly syncHeartbeatMs?: number;
  /** Largest JSON body accepted; sync batches do not travel over HTTP. */
  readonly bodyLimit?: string;
  /**
   * External parties by service name (`payments.provider`, `warehouse.fulfilment`): real adapters in production,
   * test-controlled simulators in tests. A module falls back to its own simulator when one is absent.
   */
  readonly externals?: Readonly<Record<string, unknown>>;
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
}

export function hubConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HubConfig {
  return {
    port: env.PORT ? Number(env.PORT) : 8080,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.HUB_DATA_DIR || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    trustProxy: env.TRUST_PROXY ?? false,
    natsUrl: env.NATS_URL || undefined,
    metricsToken: env.HUB_METRICS_TOKEN || undefined,
    dbConnectTimeoutMs: positive(env.DB_CONNECT_TIMEOUT_MS),
    dbQueryTimeoutMs: positive(env.DB_QUERY_TIMEOUT_MS),
    retention: retentionFromEnv(env),
  };

}

/** A positive whole number of milliseconds from the environment, or undefined (the default applies). */
function positive(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`expected a positive number of milliseconds, got ${value}`);
  return n;
}
