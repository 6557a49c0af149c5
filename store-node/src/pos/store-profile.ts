import { MAX_LANE, numberPrefix } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** What the till needs to know about its store and itself: the store's code and time zone, the lane's number. */
export interface LaneSettings {
  /** This till's lane number, 1–99 (`STORE_LANE`, default 1): the `03` in `S001-03-00123`, shown on the POS screen. */
  readonly lane: number;
  /** Days a customer has to bring an item back with the receipt (`STORE_RETURN_DAYS`, default 30): on every receipt. */
  readonly returnWindowDays: number;
}

export const DEFAULT_RETURN_WINDOW_DAYS = 30;

/** A zone the runtime knows, or null. */
export function knownZone(zone: string | null | undefined): string | null {
  if (!zone) return null;
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** `28 Nov 2026, 14:05` at `ms` in `timeZone` (a zone `knownZone` accepted). */
export function localTime(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
}

/**
 * The store's code and time zone as the till uses them. Node config (`STORE_CODE`, `STORE_TIMEZONE`) wins; otherwise
 * what the hub's store registry said last (locations.code / timezone, kept in node_meta so a node that starts offline
 * still numbers its sales with its own code); otherwise `S000` and the node's own zone.
 */
export class StoreProfile {
  readonly #read;
  readonly #write;
  #code: string | null;
  #zone: string | null;

  constructor(
    readonly db: SqliteDb,
    readonly configured: { readonly storeCode?: string | undefined; readonly timeZone?: string | undefined } = {},
    readonly now: () => number = Date.now,
  ) {
    if (configured.timeZone && !knownZone(configured.timeZone))
      throw new Error(
        `STORE_TIMEZONE (timeZone) must be an IANA time zone such as Europe/Berlin, not "${configured.timeZone}"`,
      );
    this.#read = db.prepare('SELECT value FROM node_meta WHERE key = ?').pluck();
    this.#write = db.prepare(
      `INSERT INTO node_meta (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.#code = (this.#read.get('store_code') as string | undefined) ?? null;
    this.#zone = (this.#read.get('store_timezone') as string | undefined) ?? null;
  }

  /** The code sale numbers start with (upper-case). */
  get code(): string {
    return numberPrefix(this.configured.storeCode ?? this.#code);
  }

  /** The IANA zone receipts show local time in. */
  get timeZone(): string {
    return (
      knownZone(this.configured.timeZone) ??
      knownZone(this.#zone) ??
      new Intl.DateTimeFormat().resolvedOptions().timeZone
    );
  }

  /** Keeps what the hub's store registry says of this store (its `GET /api/locations/:id`). */
  remember(location: { code?: unknown; timezone?: unknown }): void {
    if (typeof location.code === 'string' && location.code.trim()) {
      this.#code = location.code.trim();
      this.#write.run('store_code', this.#code, this.now());
    }
    if (typeof location.timezone === 'string' && knownZone(location.timezone)) {
      this.#zone = location.timezone;
      this.#write.run('store_timezone', this.#zone, this.now());
    }
  }
}

/** The lane number and return window of the node's config, and its zone checked: a bad one stops the node at start. */
export function tillSettings(config: {
  lane?: number | undefined;
  returnWindowDays?: number | undefined;
  timeZone?: string | undefined;
}): LaneSettings {
  if (config.timeZone && !knownZone(config.timeZone)) throw new Error(badZone(config.timeZone));
  return { lane: laneNumber(config.lane), returnWindowDays: returnWindowDays(config.returnWindowDays) };
}

const badZone = (zone: string) =>
  `STORE_TIMEZONE (timeZone) must be an IANA time zone such as Europe/Berlin, not "${zone}"`;

/** A lane number from config or the environment's text; a bad one stops the node, naming the variable. */
export function laneNumber(value: string | number | undefined): number {
  if (value === undefined || value === '') return 1;
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_LANE)
    throw new Error(`STORE_LANE (lane) must be a whole number from 1 to ${MAX_LANE}, not "${value}"`);
  return n;
}

/** Return-window days from config or the environment's text (0 to 365); a bad one stops the node. */
export function returnWindowDays(value: string | number | undefined): number {
  if (value === undefined || value === '') return DEFAULT_RETURN_WINDOW_DAYS;
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < 0 || n > 365)
    throw new Error(
      `STORE_RETURN_DAYS (returnWindowDays) must be a whole number of days from 0 to 365, not "${value}"`,
    );
  return n;
}

/**
 * Keeps the profile at what the hub's store registry says (`GET /api/locations/:storeId`, the store's own token): at
 * start, every minute until the hub first answers, then hourly (a renamed code or a corrected zone). Returns a stop.
 */
export function keepStoreProfile(
  profile: StoreProfile,
  hubGet: (path: string) => Promise<unknown>,
  storeId: string,
  log: { warn(obj: object, msg: string): void },
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failing = false; // logged once per outage, not every minute of it
  const pull = async () => {
    let next = 3_600_000;
    try {
      profile.remember((await hubGet(`/api/locations/${storeId}`)) as { code?: unknown; timezone?: unknown });
      failing = false;
    } catch (err) {
      next = 60_000;
      if (!failing)
        log.warn(
          { err: (err as Error).message },
          'could not read this store’s code and time zone from the hub; asking again every minute',
        );
      failing = true;
    }
    if (stopped) return;
    timer = setTimeout(() => void pull(), next);
    timer.unref();
  };
  void pull();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
