import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { Provision } from './ports.js';
import { edgeSettings, type EdgeSettings } from './edge/edge-settings.js';

/**
 * How the hub was started. `production` (the default) runs no simulator it was not told to: with no payment provider
 * named, orders are refused. `demo` (`npm start`) and `test` (the test harness) run the simulators of the external
 * parties nobody named.
 */
export type HubMode = 'production' | 'demo' | 'test';
export const HUB_MODES: readonly HubMode[] = ['production', 'demo', 'test'];

/** The payment provider's adapter: the simulator, or a provider's gateway over HTTP. */
export type PaymentProviderChoice =
  | { readonly adapter: 'simulator' }
  | { readonly adapter: 'http'; readonly url: string };
/**
 * Whoever delivers notices to customers (e-mail, SMS, push): the simulator, or a sender's endpoint over HTTP that
 * gets each notice as JSON with the notice's id as its Idempotency-Key (and `token`, a secret never logged, as a
 * bearer token when given). The URL carries no user or password.
 */
export type NotificationSenderChoice =
  | { readonly adapter: 'simulator' }
  | { readonly adapter: 'http'; readonly url: string; readonly token?: string | undefined };
/** The distribution centres' shipping desk; only the simulator exists so far. */
export type WarehouseChoice = { readonly adapter: 'simulator' };
/** The vault's virus scanner (modules/vault): only the simulator exists so far (it finds the EICAR test file). */
export type VaultScannerChoice = { readonly adapter: 'simulator' };
/**
 * The registry's vulnerability scanner (modules/registry): the simulator, or a scanner adapter that speaks Harbor's
 * pluggable scanner API (`POST <url>/api/v1/scan`, `GET <url>/api/v1/scan/{id}/report`) over HTTP.
 */
export type RegistryScannerChoice =
  | { readonly adapter: 'simulator' }
  | { readonly adapter: 'http'; readonly url: string };

/**
 * The registry's settings (modules/registry). `publicUrl` (REGISTRY_PUBLIC_URL) is the address clients reach the hub
 * at, used in the token challenge's realm; null = the realm is built from each request's own address (fine on one
 * host; behind a proxy set it). `defaultQuotaBytes` (REGISTRY_DEFAULT_QUOTA_BYTES; 0 = none) bounds each repository
 * that has no quota of its own. `mirror` (REGISTRY_MIRROR_OF with REGISTRY_MIRROR_USER and REGISTRY_MIRROR_SECRET, a
 * secret never logged, and REGISTRY_MIRROR_REPOSITORIES, comma-separated name prefixes, empty = all) makes this hub
 * a pull-based replica of another hub's registry.
 */
export interface RegistrySettings {
  readonly publicUrl: string | null;
  readonly scanner: RegistryScannerChoice | undefined;
  readonly defaultQuotaBytes: number;
  readonly mirror: RegistryMirrorSettings | null;
}
export interface RegistryMirrorSettings {
  readonly url: string;
  readonly username: string;
  readonly secret: string;
  readonly repositories: readonly string[];
}

/**
 * Where the hub keeps files it stores by content (the vault's encrypted documents, the registry's layers): a folder
 * (HUB_BLOB_DIR; default `<HUB_DATA_DIR>/blobs`, or `./data/hub-blobs` in production on Postgres), or null when the
 * hub runs in memory (tests, a demo on `memory`): then each module that stores files makes a temporary folder at
 * start and removes it at stop. The vault stores at the folder's top (`sha256/…`) and its garbage collection walks
 * only that; a module added later keeps its blobs in a subfolder of its own (`<dir>/<module>/`), so neither sweeps the
 * other's files.
 */
export interface BlobSettings {
  readonly dir: string | null;
}

/**
 * The vault's settings (modules/vault). `keysFile` (VAULT_KEYS_FILE) holds the local KMS's master keys, outside the
 * database; null = `vault-keys.json` in the blob folder (a production hub warns: keep the keys apart from the
 * data). The file is made with one new key when it does not exist.
 */
export interface VaultSettings {
  readonly keysFile: string | null;
  readonly scanner: VaultScannerChoice | undefined;
}

/**
 * The reviews' settings (modules/reviews). `trainingCsv` (REVIEWS_TRAINING_CSV) names the labelled reviews the text
 * model trains on (columns `label,text`, label OR for written by a customer, CG for generated); null = the team's data
 * set beside the repository (`../shared/data/reviews/salminen2022-dev.csv`) when it is there, else no text model until
 * one is named (reviews are then scored by the rules alone, and the console says so).
 */
export interface ReviewsSettings {
  readonly trainingCsv: string | null;
}

/**
 * Pricing's settings (modules/pricing, issue #25). `keysFile` (PRICING_KEYS_FILE) holds the private halves of the
 * Ed25519 keys that sign coupons and Scan & Go exit tokens (stores get the public halves through their feeds); null =
 * `pricing-keys.json` in the blob folder (a temporary folder for a hub without one) in demo and test; a production hub
 * without it, or with it inside the blob folder, warns and refuses to sign (coupon batches, Scan & Go checkouts: 503).
 */
export interface PricingSettings {
  readonly keysFile: string | null;
}

/**
 * Throughput knobs of the hub's group commits and sweeps, measured in `bench/` (defaults and reasons beside each
 * consumer). Modules read them from their context, never from the environment.
 */
export interface HubTuning {
  /** Reservation group commits in flight at once (see reservations/hold-batcher.ts). */
  readonly holdBatches: number;
  /** Order step-record batches in flight at once (see orders/order-saga.ts). */
  readonly orderRecordBatches: number;
  /** How often low-stock alerts are re-evaluated for the stock rows that changed, in ms. */
  readonly lowStockSweepMs: number;
  /** Postgres: prepare the hub's statements once per connection (off for a pooler that cannot keep them). */
  readonly pgPreparedStatements: boolean;
  /** How long a carrier has to answer a delivery offer before it goes to the next one, in ms (modules/delivery). */
  readonly deliveryOfferTimeoutMs: number;
  /** The VRPTW solver's time for one depot's van routes, in ms (modules/delivery/planning). */
  readonly deliveryReplanBudgetMs: number;
  /** How often the route planner looks for depots whose vans' routes are out of date, in ms. */
  readonly deliveryReplanEveryMs: number;
  /** How long a booking hold (seats or places) lasts before the sweeper frees it, in minutes (modules/booking). */
  readonly bookingHoldMinutes: number;
  /** A booking cancelled at least this many hours before its show is refunded in full, later not at all. */
  readonly bookingRefundCutoffHours: number;
  /** How often a hub sends each live seat map's viewers the seats that changed, in ms (one message per tick). */
  readonly bookingSeatMapTickMs: number;
  /** Products a tag bulk job changes per transaction (modules/tags/bulk.ts): one checkpoint and progress write each. */
  readonly tagsBulkBatch: number;
  /** How often the tags announcer tells stores of a newer tags version, in ms (modules/tags/store-feed.ts). */
  readonly tagsAnnounceMs: number;
  /** How often each hub's tag index checks Postgres for a change whose NOTIFY it missed, in ms (modules/tags/index). */
  readonly tagsIndexCheckMs: number;
  /** How often recommendations train a new model, in ms (modules/recommendations/training.ts). */
  readonly recsTrainEveryMs: number;
  /** How often the reviews' text model is retrained (with the moderators' decisions), in ms (modules/reviews). */
  readonly reviewsRetrainEveryMs: number;
  /** How often stores are sent the rating summaries that changed, in ms (modules/reviews/store-feed.ts). */
  readonly reviewsFeedEveryMs: number;
  /** How often the vault re-wraps data keys still under an old master key, in ms (modules/vault). */
  readonly vaultRewrapEveryMs: number;
  /** How often the vault empties trash older than 30 days, in ms (modules/vault). */
  readonly vaultTrashSweepMs: number;
  /** How long a Scan & Go exit token lets its customer out after paying, in minutes (modules/pricing). */
  readonly scanGoExitMinutes: number;
  /** The share of Scan & Go exits the door asks an associate to check, in percent, drawn at random (modules/pricing). */
  readonly scanGoAuditPercent: number;
  /** How often the registry collects garbage (blobs no manifest references), in ms (modules/registry/gc.ts). */
  readonly registryGcEveryMs: number;
  /** How old an unreferenced blob must be before garbage collection removes it, in ms: a push in progress is safe. */
  readonly registryGcGraceMs: number;
  /** How long an upload session may sit idle before it is dropped with its partial file, in ms. */
  readonly registryUploadIdleMs: number;
  /** How long a registry bearer token lasts, in seconds (the Docker token spec's `expires_in`). */
  readonly registryTokenTtlSeconds: number;
  /** How often a pending vulnerability scan's report is asked for, in ms (modules/registry/scans.ts). */
  readonly registryScanPollMs: number;
  /** How often a mirror hub pulls what is new from the registry it mirrors, in ms (modules/registry/mirror.ts). */
  readonly registryMirrorEveryMs: number;
  /** The deepest selection `/graphql` runs (kernel/graphql/limits.ts); deeper is refused before anything runs. */
  readonly graphqlMaxDepth: number;
  /** The most a `/graphql` operation may cost (a list field costs its `first` × its selection); more is refused. */
  readonly graphqlMaxCost: number;
}

export const TUNING_DEFAULTS: HubTuning = {
  holdBatches: 1,
  orderRecordBatches: 1,
  lowStockSweepMs: 5_000,
  pgPreparedStatements: true,
  deliveryOfferTimeoutMs: 60_000,
  deliveryReplanBudgetMs: 1_000,
  deliveryReplanEveryMs: 60_000,
  bookingHoldMinutes: 10,
  bookingRefundCutoffHours: 24,
  bookingSeatMapTickMs: 250,
  tagsBulkBatch: 5_000,
  tagsAnnounceMs: 2_000,
  tagsIndexCheckMs: 5_000,
  recsTrainEveryMs: 6 * 3_600_000,
  reviewsRetrainEveryMs: 24 * 3_600_000,
  reviewsFeedEveryMs: 60_000,
  vaultRewrapEveryMs: 3_600_000,
  vaultTrashSweepMs: 3_600_000,
  scanGoExitMinutes: 30,
  scanGoAuditPercent: 5,
  registryGcEveryMs: 3_600_000,
  registryGcGraceMs: 86_400_000,
  registryUploadIdleMs: 86_400_000,
  registryTokenTtlSeconds: 300,
  registryScanPollMs: 2_000,
  registryMirrorEveryMs: 60_000,
  graphqlMaxDepth: 10,
  graphqlMaxCost: 5_000,
};

/** Each numeric tuning setting's variable, its old name (still read) if it had one, and the range that makes sense. */
export const TUNING_ENV = {
  holdBatches: {
    env: 'HOLD_BATCHES_IN_FLIGHT',
    old: 'SF_HOLD_BATCHES',
    min: 1,
    max: 64,
    what: 'reservation group commits in flight at once',
  },
  orderRecordBatches: {
    env: 'ORDER_RECORD_BATCHES_IN_FLIGHT',
    old: 'SF_ORDER_RECORD_BATCHES',
    min: 1,
    max: 64,
    what: 'order step-record batches in flight at once',
  },
  lowStockSweepMs: {
    env: 'LOW_STOCK_SWEEP_MS',
    old: 'SF_REPLENISH_MS',
    min: 100,
    max: 86_400_000,
    what: 'milliseconds between low-stock sweeps',
  },
  deliveryOfferTimeoutMs: {
    env: 'DELIVERY_OFFER_TIMEOUT_MS',
    min: 1_000,
    max: 3_600_000,
    what: 'milliseconds a carrier has to answer a delivery offer',
  },
  deliveryReplanBudgetMs: {
    env: 'DELIVERY_REPLAN_BUDGET_MS',
    min: 10,
    max: 60_000,
    what: "milliseconds the route solver spends on one depot's vans",
  },
  deliveryReplanEveryMs: {
    env: 'DELIVERY_REPLAN_EVERY_MS',
    min: 100,
    max: 3_600_000,
    what: 'milliseconds between sweeps for van routes out of date',
  },
  bookingHoldMinutes: {
    env: 'BOOKING_HOLD_MINUTES',
    min: 1,
    max: 120,
    what: 'minutes a booking hold keeps its seats',
  },
  bookingRefundCutoffHours: {
    env: 'BOOKING_REFUND_CUTOFF_HOURS',
    min: 0,
    max: 8_760,
    what: 'hours before a show up to which a cancelled booking is refunded in full',
  },
  bookingSeatMapTickMs: {
    env: 'BOOKING_SEATMAP_TICK_MS',
    min: 50,
    max: 5_000,
    what: "milliseconds between a live seat map's batched updates",
  },
  tagsBulkBatch: {
    env: 'TAGS_BULK_BATCH',
    min: 1,
    max: 100_000,
    what: 'products a tag bulk job changes per transaction',
  },
  tagsAnnounceMs: {
    env: 'TAGS_ANNOUNCE_MS',
    min: 500,
    max: 60_000,
    what: 'milliseconds between announcements of a newer tags version to the stores',
  },
  tagsIndexCheckMs: {
    env: 'TAGS_INDEX_CHECK_MS',
    min: 100,
    max: 600_000,
    what: "milliseconds between a tag index's checks for changes whose notice it missed",
  },
  recsTrainEveryMs: {
    env: 'RECS_TRAIN_EVERY_MS',
    min: 60_000,
    max: 7 * 86_400_000,
    what: 'milliseconds between training runs of the recommendations model',
  },
  vaultRewrapEveryMs: {
    env: 'VAULT_REWRAP_EVERY_MS',
    min: 1_000,
    max: 7 * 86_400_000,
    what: 'milliseconds between sweeps that re-wrap data keys under the newest master key',
  },
  vaultTrashSweepMs: {
    env: 'VAULT_TRASH_SWEEP_MS',
    min: 1_000,
    max: 7 * 86_400_000,
    what: 'milliseconds between sweeps that empty trash older than 30 days',
  },
  registryGcEveryMs: {
    env: 'REGISTRY_GC_EVERY_MS',
    min: 1_000,
    max: 7 * 86_400_000,
    what: "milliseconds between the registry's garbage collections",
  },
  registryGcGraceMs: {
    env: 'REGISTRY_GC_GRACE_MS',
    min: 0,
    max: 30 * 86_400_000,
    what: 'milliseconds an unreferenced registry blob is kept before garbage collection may remove it',
  },
  registryUploadIdleMs: {
    env: 'REGISTRY_UPLOAD_IDLE_MS',
    min: 60_000,
    max: 30 * 86_400_000,
    what: 'milliseconds an idle registry upload session is kept',
  },
  registryTokenTtlSeconds: {
    env: 'REGISTRY_TOKEN_TTL_SECONDS',
    min: 60,
    max: 86_400,
    what: 'seconds a registry bearer token lasts',
  },
  registryScanPollMs: {
    env: 'REGISTRY_SCAN_POLL_MS',
    min: 100,
    max: 3_600_000,
    what: "milliseconds between asks for a pending vulnerability scan's report",
  },
  reviewsRetrainEveryMs: {
    env: 'REVIEWS_RETRAIN_EVERY_MS',
    min: 60_000,
    max: 30 * 86_400_000,
    what: "milliseconds between retrainings of the reviews' text model",
  },
  reviewsFeedEveryMs: {
    env: 'REVIEWS_FEED_EVERY_MS',
    min: 500,
    max: 3_600_000,
    what: 'milliseconds between sends of changed rating summaries to the stores',
  },
  scanGoExitMinutes: {
    env: 'SCAN_GO_EXIT_MINUTES',
    min: 1,
    max: 24 * 60,
    what: 'minutes a Scan & Go exit token lets its customer out after paying',
  },
  scanGoAuditPercent: {
    env: 'SCAN_GO_AUDIT_PERCENT',
    min: 0,
    max: 100,
    what: 'percent of Scan & Go exits the door asks an associate to check',
  },
  registryMirrorEveryMs: {
    env: 'REGISTRY_MIRROR_EVERY_MS',
    min: 1_000,
    max: 86_400_000,
    what: 'milliseconds between pulls of what is new from the mirrored registry',
  },
  graphqlMaxDepth: { env: 'GRAPHQL_MAX_DEPTH', min: 2, max: 100, what: 'the deepest selection /graphql runs' },
  graphqlMaxCost: { env: 'GRAPHQL_MAX_COST', min: 10, max: 10_000_000, what: 'the most a /graphql operation may cost' },
} as const satisfies Partial<
  Record<keyof HubTuning, { env: string; old?: string; min: number; max: number; what: string }>
>;

/**
 * Seams only a test harness sets (never the environment): `ordersCrashAfter` makes the order saga SIGKILL its own
 * process right after persisting that step (RESERVE, AUTHORISE, …), for the crash-recovery trials.
 */
export interface HubTestHooks {
  readonly ordersCrashAfter?: string | undefined;
}

/** What each module gets as `ctx.settings`: validated, defaults filled in. */
export interface HubSettings {
  readonly mode: HubMode;
  readonly tuning: HubTuning;
  /** Named payment provider, or undefined (then the simulator runs in demo/test mode, and nothing in production). */
  readonly payments: PaymentProviderChoice | undefined;
  readonly warehouse: WarehouseChoice | undefined;
  /** Named customer notice sender, or undefined (the simulator in demo/test mode; in production notices wait). */
  readonly notifications: NotificationSenderChoice | undefined;
  readonly blobs: BlobSettings;
  readonly vault: VaultSettings;
  readonly registry: RegistrySettings;
  readonly reviews: ReviewsSettings;
  readonly pricing: PricingSettings;
  /**
   * Who sends customers' sign-in codes and password-reset links (modules/accounts, issue #26): the simulator (keeps
   * what it "sent" in memory, for tests and the demo), or undefined — then those routes answer 503 and say so, never
   * pretend. CUSTOMER_EMAIL=simulator names it; a demo or test hub runs it when nothing is named.
   */
  readonly customerEmail: CustomerEmailChoice | undefined;
  /**
   * TLS, console sessions, CSRF, request limits and the degraded mode (issue #27; kernel/edge/edge-settings.ts). In
   * `test` mode the request limits default to 0 (none) unless given: a test hub is called by one address at speed.
   */
  readonly edge: EdgeSettings;
}

/** The customers' e-mail sender: only the simulator exists so far. */
export type CustomerEmailChoice = { readonly adapter: 'simulator' };

const whole = (min: number, max: number) => z.number().int().min(min).max(max);

/** The settings with defaults filled in; a value out of range throws, naming its variable and what it must be. */
export function tuningSettings(given: Partial<HubTuning> = {}): HubTuning {
  const tuning = { ...TUNING_DEFAULTS, ...given };
  for (const [key, rule] of Object.entries(TUNING_ENV)) {
    const v = tuning[key as keyof typeof TUNING_ENV];
    if (!whole(rule.min, rule.max).safeParse(v).success)
      throw new Error(`${rule.env} (tuning.${key}) ${allowed(rule)}; got ${String(v)}`);
  }
  if (typeof tuning.pgPreparedStatements !== 'boolean')
    throw new Error(
      `PG_PREPARED_STATEMENTS (tuning.pgPreparedStatements) must be on or off; got ${String(tuning.pgPreparedStatements)}`,
    );
  return tuning;
}

export function allowed(rule: { min: number; max: number; what: string }): string {
  return `must be a whole number from ${rule.min} to ${rule.max} (${rule.what})`;
}

/** An external party's adapter as the hub runs it, for `/healthz` and the start-up log. */
export type PartyInUse = 'simulator' | 'http' | 'supplied' | 'none';

export interface ResolvedSettings {
  readonly settings: HubSettings;
  /** Which adapter each external party runs on (`supplied`: an object given in `externals`). */
  readonly parties: {
    readonly payments: PartyInUse;
    readonly warehouse: PartyInUse;
    readonly notifications: PartyInUse;
    readonly vaultScanner: PartyInUse;
    readonly registryScanner: PartyInUse;
  };
  /** Loud warnings for the start-up log and `/healthz`: what a production hub runs that is not real, or lacks. */
  readonly warnings: readonly string[];
}

const PARTIES = {
  payments: {
    service: 'payments.provider',
    name: 'payment provider',
    env: 'PAYMENT_PROVIDER',
    without: 'Every order is refused (503) until one is.',
    simulated: 'every payment is approved and no money moves',
  },
  warehouse: {
    service: 'warehouse.fulfilment',
    name: 'warehouse adapter',
    env: 'WAREHOUSE_ADAPTER',
    without: 'Orders shipped from a distribution centre fail at fulfilment until one is.',
    simulated: 'no shipment leaves a distribution centre',
  },
  notifications: {
    service: 'notifications.sender',
    name: 'customer notification sender',
    env: 'NOTIFICATIONS_SENDER',
    without: 'Notices to customers wait in the outbox until one is.',
    simulated: 'no notice reaches a customer',
  },
  vaultScanner: {
    service: 'vault.scanner',
    name: 'virus scanner for the vault',
    env: 'VAULT_SCANNER',
    without: 'Uploaded documents are kept unscanned, and marked so, until one is.',
    simulated: 'only the EICAR test file is detected',
  },
  registryScanner: {
    service: 'registry.scanner',
    name: 'vulnerability scanner for the registry',
    env: 'REGISTRY_SCANNER',
    without: 'Pushed images are kept unscanned, and marked so; a policy that blocks pulls on findings blocks nothing.',
    simulated: "only images carrying the simulator's test marker have findings",
  },
} as const;

/**
 * Settles what the hub runs with: the mode, the tuning (checked), and each external party — the one named, else in
 * demo/test mode its simulator, else (production) none, with a warning. A simulator named in production also warns.
 */
export function resolveSettings(config: {
  readonly mode?: HubMode | undefined;
  readonly tuning?: Partial<HubTuning> | undefined;
  readonly paymentProvider?: PaymentProviderChoice | undefined;
  readonly warehouseAdapter?: WarehouseChoice | undefined;
  readonly notificationsSender?: NotificationSenderChoice | undefined;
  readonly vaultScanner?: VaultScannerChoice | undefined;
  readonly externals?: readonly Provision[] | undefined;
  readonly dataDir?: string | undefined;
  readonly databaseUrl?: string | undefined;
  readonly blobDir?: string | undefined;
  readonly vaultKeysFile?: string | undefined;
  readonly registryScanner?: RegistryScannerChoice | undefined;
  readonly registry?: Partial<Omit<RegistrySettings, 'scanner'>> | undefined;
  readonly reviewsTrainingCsv?: string | undefined;
  readonly pricingKeysFile?: string | undefined;
  readonly customerEmail?: CustomerEmailChoice | undefined;
  readonly edge?: Partial<EdgeSettings> | undefined;
}): ResolvedSettings {
  const mode = config.mode ?? 'production';
  if (!HUB_MODES.includes(mode))
    throw new Error(`HUB_MODE (mode) must be one of ${HUB_MODES.join(', ')}; got ${String(mode)}`);
  const simulate = mode !== 'production';
  const warnings: string[] = [];
  const party = <C extends { adapter: string }>(named: C | undefined, p: (typeof PARTIES)[keyof typeof PARTIES]) => {
    if (config.externals?.some((e) => e.port.name === p.service)) return { inUse: 'supplied' as const, choice: named };
    const choice = named ?? (simulate ? ({ adapter: 'simulator' } as C) : undefined);
    if (!choice) warnings.push(`no ${p.name} is configured: set ${p.env}. ${p.without}`);
    else if (choice.adapter === 'simulator' && !simulate)
      warnings.push(`${p.env}=simulator in production: ${p.simulated}`);
    return { inUse: (choice?.adapter ?? 'none') as PartyInUse, choice };
  };
  const payments = party(config.paymentProvider, PARTIES.payments);
  const warehouse = party(config.warehouseAdapter, PARTIES.warehouse);
  const notifications = party(config.notificationsSender, PARTIES.notifications);
  const vaultScanner = party(config.vaultScanner, PARTIES.vaultScanner);
  const registryScanner = party(config.registryScanner, PARTIES.registryScanner);
  const blobDir =
    config.blobDir ??
    (config.dataDir && config.dataDir !== 'memory'
      ? join(config.dataDir, 'blobs')
      : mode === 'production'
        ? resolve('data/hub-blobs')
        : null);
  if (mode === 'production' && !config.vaultKeysFile)
    warnings.push(
      'VAULT_KEYS_FILE is not set: the vault stays closed (503) until it names a file outside the data and blob folders.',
    );
  if (mode === 'production' && !config.customerEmail)
    warnings.push(
      'CUSTOMER_EMAIL is not set: customers cannot get sign-in codes or password-reset links (503) until it names a sender.',
    );
  else if (mode === 'production' && config.customerEmail?.adapter === 'simulator')
    warnings.push(
      'CUSTOMER_EMAIL=simulator in production: NO E-MAIL LEAVES THIS HUB. Sign-in codes and reset links stay in this process’s memory while customers are told 202 (sent); name a real sender, or keep this for a demo.',
    );
  if (mode === 'production' && !config.pricingKeysFile)
    warnings.push(
      'PRICING_KEYS_FILE is not set: coupon batches and Scan & Go checkouts are refused (503) until it names a file outside the data and blob folders.',
    );
  else if (mode === 'production' && config.pricingKeysFile && blobDir && isInsideDir(config.pricingKeysFile, blobDir))
    warnings.push(
      `PRICING_KEYS_FILE (${config.pricingKeysFile}) is inside the blob folder: coupon batches and Scan & Go checkouts are refused (503) until it names a file outside the data and blob folders.`,
    );
  return {
    settings: {
      mode,
      tuning: tuningSettings(config.tuning),
      payments: payments.choice,
      warehouse: warehouse.choice,
      notifications: notifications.choice,
      blobs: { dir: blobDir },
      vault: { keysFile: config.vaultKeysFile ?? null, scanner: vaultScanner.choice },
      registry: {
        publicUrl: config.registry?.publicUrl ?? null,
        scanner: registryScanner.choice,
        defaultQuotaBytes: config.registry?.defaultQuotaBytes ?? 0,
        mirror: config.registry?.mirror ?? null,
      },
      reviews: { trainingCsv: config.reviewsTrainingCsv ?? null },
      pricing: { keysFile: config.pricingKeysFile ?? null },
      customerEmail: config.customerEmail ?? (simulate ? { adapter: 'simulator' } : undefined),
      edge: edgeSettings({
        ...(config.edge ?? {}),
        // a test hub names the limits it tests; the others stay off (not back at their defaults)
        ...(mode === 'test'
          ? {
              rateLimits: {
                userPerSecond: 0,
                storePerSecond: 0,
                customerPerSecond: 0,
                anonymousPerSecond: 0,
                ...(config.edge?.rateLimits ?? {}),
              },
            }
          : {}),
      }),
    },
    parties: {
      payments: payments.inUse,
      warehouse: warehouse.inUse,
      notifications: notifications.inUse,
      vaultScanner: vaultScanner.inUse,
      registryScanner: registryScanner.inUse,
    },
    warnings,
  };
}

/** Whether `file` is `dir` itself or somewhere under it (both resolved; no symbolic links followed). */
function isInsideDir(file: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
