import { z } from 'zod';
import type { Provision } from './ports.js';

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
}

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
  readonly externals?: readonly Provision[] | undefined;
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
  return {
    settings: {
      mode,
      tuning: tuningSettings(config.tuning),
      payments: payments.choice,
      warehouse: warehouse.choice,
      notifications: notifications.choice,
    },
    parties: { payments: payments.inUse, warehouse: warehouse.inUse, notifications: notifications.inUse },
    warnings,
  };
}
