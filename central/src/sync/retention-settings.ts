import { HISTORY_DAYS } from './bootstrap.js';

/**
 * How long the hub keeps what (issue #14). The defaults keep what a store's recovery or an audit needs:
 * - `feedDays` 7: a feed entry is removed once its store has acknowledged past it and it is this old. The entry at each
 *   store's cursor and everything a store has not acknowledged stay, however old (a store that never connects keeps
 *   its whole feed; the status says how many entries wait, for which stores, since when).
 * - `eventsDays` 30: store events this old move to `sync_events_archive` (never the one at each store's acknowledged
 *   seq: the welcome reads its HLC). At least HISTORY_DAYS (7), the history a new store disk gets at its bootstrap.
 * - `orderEventsDays` 400: the timeline of an order that ended (FAILED, CANCELLED, PICKED_UP) this long ago moves to
 *   `order_events_archive` — over a year, so a yearly audit finds the past year's orders hot.
 * - `parkedDays` 90: a parked event resolved (replayed) this long ago is removed; an unresolved one never is.
 * - `batchRows` 5,000: rows a statement moves at most; each batch is its own transaction.
 * - `everyMinutes` 60: how often a sweep runs (±20 % jitter, so replicas started together do not sweep together);
 *   0 turns the schedule off (`POST /api/sync/retention/run` still sweeps).
 * - `detachableAfterDays` 90: the status calls an archive month detachable once it ended this long ago. Detached
 *   events are no longer recognised when a store restored from a backup that old resends them.
 */
export interface RetentionSettings {
  readonly feedDays: number;
  readonly eventsDays: number;
  readonly orderEventsDays: number;
  readonly parkedDays: number;
  readonly batchRows: number;
  readonly everyMinutes: number;
  readonly detachableAfterDays: number;
}

export const RETENTION_DEFAULTS: RetentionSettings = {
  feedDays: 7,
  eventsDays: 30,
  orderEventsDays: 400,
  parkedDays: 90,
  batchRows: 5_000,
  everyMinutes: 60,
  detachableAfterDays: 90,
};

/** Each setting's environment variable and the smallest value that keeps what it must. */
export const RETENTION_ENV: Readonly<
  Record<
    keyof RetentionSettings,
    { readonly env: string; readonly min: number; readonly max: number; readonly unit: string }
  >
> = {
  feedDays: { env: 'RETENTION_FEED_DAYS', min: 1, max: 36_500, unit: 'days' },
  eventsDays: {
    env: 'RETENTION_EVENTS_DAYS',
    min: HISTORY_DAYS,
    max: 36_500,
    unit: `days (at least ${HISTORY_DAYS}: a new store disk gets that much history at its bootstrap)`,
  },
  orderEventsDays: { env: 'RETENTION_ORDER_EVENTS_DAYS', min: 1, max: 36_500, unit: 'days' },
  parkedDays: { env: 'RETENTION_PARKED_DAYS', min: 1, max: 36_500, unit: 'days' },
  batchRows: { env: 'RETENTION_BATCH_ROWS', min: 1, max: 100_000, unit: 'rows' },
  everyMinutes: { env: 'RETENTION_EVERY_MINUTES', min: 0, max: 10_080, unit: 'minutes (0 turns the schedule off)' },
  detachableAfterDays: { env: 'RETENTION_DETACHABLE_DAYS', min: 1, max: 36_500, unit: 'days' },
};

/** The settings with defaults filled in; a value out of range throws, naming its variable and what it must be. */
export function retentionSettings(given: Partial<RetentionSettings> = {}): RetentionSettings {
  const settings = { ...RETENTION_DEFAULTS, ...given };
  for (const [key, rule] of Object.entries(RETENTION_ENV) as [
    keyof RetentionSettings,
    (typeof RETENTION_ENV)[keyof RetentionSettings],
  ][]) {
    const v = settings[key];
    if (!Number.isSafeInteger(v) || v < rule.min || v > rule.max) {
      throw new Error(
        `${rule.env} (retention.${key}) must be a whole number from ${rule.min} to ${rule.max} ${rule.unit}; got ${String(v)}`,
      );
    }
  }
  return settings;
}

/** The settings named in the environment (RETENTION_*), validated; unset ones are left to the defaults. */
export function retentionFromEnv(env: NodeJS.ProcessEnv): Partial<RetentionSettings> {
  const given: Partial<Record<keyof RetentionSettings, number>> = {};
  for (const [key, rule] of Object.entries(RETENTION_ENV) as [keyof RetentionSettings, { env: string }][]) {
    const raw = env[rule.env];
    if (raw === undefined || raw.trim() === '') continue;
    given[key] = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
    if (Number.isNaN(given[key])) throw new Error(`${rule.env} must be a whole number; got ${JSON.stringify(raw)}`);
  }
  retentionSettings(given); // refuses out-of-range values now, before the hub starts
  return given;
}
