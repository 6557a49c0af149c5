import type { Db } from '../db/db.js';
import type { Logger } from 'pino';
import { STORES_WITH_SYNC } from './sync-status.js';

/**
 * One sample of sync lag: the fleet's totals, or one store's figures.
 *
 * A store is behind when it is offline (not connected, or its connection has not been heard from for `staleMs`), has
 * events the hub does not hold yet, or has feed entries it has not acknowledged. `lagMs` is how long it has been
 * behind: while offline, since it was last heard from; with feed entries waiting, since the oldest was written; with
 * events still to come up, since the first sample that saw it behind. The fleet's `lagMs` is its worst store's.
 */
export interface LagSample {
  readonly at: number;
  /** The store's state, or how many stores were connected (the fleet's series). */
  readonly connected: boolean | number;
  /** Stores registered at the time (the fleet's series only). */
  readonly stores?: number;
  /** Events stores have reported and the hub does not hold yet. */
  readonly pendingUp: number;
  /** Feed entries stores have not acknowledged yet. */
  readonly feedLag: number;
  /** How long the store (the fleet: its worst store) had been behind, in ms; 0 when in sync. */
  readonly lagMs: number;
  /**
   * The sampling interval then: a later sample more than two and a half intervals after this one means the hub took
   * none in between (it was down), which the chart draws as a gap (one missing sample is a timer that fired late).
   * Null for samples older than the field.
   */
  readonly everyMs: number | null;
}

/** One store's lag over a window, against a target (the console's "sync lag < 1 min"). */
export interface StoreLagFigures {
  readonly storeId: string;
  /** The longest lag sampled. */
  readonly worstMs: number;
  /** 95 % of the window's samples saw a lag at most this long (samples with the store in sync count as 0). */
  readonly p95Ms: number;
  /** Samples that found the store offline, and behind at all. */
  readonly offlineSamples: number;
  readonly behindSamples: number;
}

export interface LagTargets {
  readonly since: number;
  /** Samples the hub took in the window (a store absent from `items` was in sync in every one). */
  readonly samples: number;
  readonly targetMs: number;
  /** Stores that were behind in at least one sample. */
  readonly items: readonly StoreLagFigures[];
}

const RETAIN_MS = 86_400_000;
/** The console's target: a store's changes reach the hub, and the hub's reach the store, within a minute. */
export const SYNC_LAG_TARGET_MS = 60_000;

// The same per-store figures as the console's fleet list (SyncStatusRepository), summed or kept per lagging store.
// $1: the sample's time; $2: how long a connection may go unheard before it counts as offline.
const PER_STORE = `
  SELECT l.id AS store_id,
         coalesce(c.connected AND c.last_seen_at >= $1::bigint - $2::bigint, false) AS connected,
         coalesce(c.last_seen_at, l.created_at) AS last_heard,
         greatest(coalesce(o.outbox_head, 0) - coalesce(o.acked_seq, 0), 0) AS pending_up,
         greatest(coalesce(h.head, 0) - coalesce(k.acked, 0), 0) AS feed_lag,
         CASE WHEN coalesce(h.head, 0) > coalesce(k.acked, 0) THEN
           (SELECT f.created_at FROM sync_feed f WHERE f.store_id = l.id AND f.seq > coalesce(k.acked, 0) ORDER BY f.seq LIMIT 1)
         END AS oldest_unacked
  ${STORES_WITH_SYNC}`;

/** Samples sync lag every `everyMs` (two statements a sample whatever the fleet's size) and answers the chart. */
export class LagHistory {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly db: Db,
    readonly now: () => number,
    readonly everyMs: number,
    readonly log: Logger,
    /** A connection unheard from this long counts as offline though its replica never recorded the close (it died). */
    readonly staleMs = Math.max(60_000, 3 * everyMs),
  ) {}

  start(): void {
    const tick = () =>
      void this.sample().catch((err: unknown) => this.log.warn({ err }, 'sync lag sample failed; will retry'));
    tick();
    this.#timer = setInterval(tick, this.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async sample(): Promise<void> {
    const at = Math.floor(this.now() / this.everyMs) * this.everyMs;
    // A store behind at the previous sample the hub took has been behind since then (or earlier): its run goes on
    // across a stretch the hub did not sample, but not across a sample that found it in sync (it had no row there).
    await this.db.query(
      `WITH s AS (${PER_STORE}),
       prev AS (SELECT p.store_id, p.behind_since FROM sync_lag_stores p
                WHERE p.at = (SELECT max(at) FROM sync_lag_fleet WHERE at < $1)),
       b AS (SELECT s.*, CASE WHEN NOT s.connected OR s.pending_up > 0 OR s.feed_lag > 0 THEN
                least(CASE WHEN NOT s.connected THEN s.last_heard END, s.oldest_unacked, prev.behind_since, $1::bigint)
             END AS behind_since
             FROM s LEFT JOIN prev ON prev.store_id = s.store_id),
       f AS (INSERT INTO sync_lag_fleet (at, stores, connected, pending_up, feed_lag, max_lag, every_ms, worst_lag_ms)
             SELECT $1, count(*), count(*) FILTER (WHERE connected), coalesce(sum(pending_up), 0), coalesce(sum(feed_lag), 0),
                    coalesce(max(pending_up + feed_lag), 0), $3, coalesce(max($1::bigint - behind_since), 0)
             FROM b ON CONFLICT (at) DO NOTHING)
       INSERT INTO sync_lag_stores (store_id, at, connected, pending_up, feed_lag, behind_since)
       SELECT store_id, $1, connected, pending_up, feed_lag, behind_since FROM b WHERE behind_since IS NOT NULL
       ON CONFLICT (store_id, at) DO NOTHING`,
      [at, this.staleMs, this.everyMs],
    );
    await this.db.query('DELETE FROM sync_lag_fleet WHERE at < $1', [at - RETAIN_MS]);
    await this.db.query('DELETE FROM sync_lag_stores WHERE at < $1', [at - RETAIN_MS]);
  }

  /**
   * Lag since `since`, oldest first: the fleet's totals, or one store's figures (a sample time with no row for the
   * store means it was connected and up to date then). Times the hub took no sample have no item (see `everyMs`).
   */
  async series(since: number, storeId?: string): Promise<LagSample[]> {
    if (!storeId) {
      const { rows } = await this.db.query<FleetRow>(
        `SELECT at, stores, connected, pending_up, feed_lag, every_ms, worst_lag_ms
         FROM sync_lag_fleet WHERE at >= $1 ORDER BY at`,
        [since],
      );
      return rows.map((r) => ({
        at: Number(r.at),
        connected: Number(r.connected),
        stores: Number(r.stores),
        pendingUp: Number(r.pending_up),
        feedLag: Number(r.feed_lag),
        lagMs: Number(r.worst_lag_ms ?? 0),
        everyMs: r.every_ms === null ? null : Number(r.every_ms),
      }));
    }
    const { rows } = await this.db.query<StoreRow>(
      `SELECT f.at, f.every_ms, s.connected, s.pending_up, s.feed_lag, s.behind_since FROM sync_lag_fleet f
       LEFT JOIN sync_lag_stores s ON s.at = f.at AND s.store_id = $2
       WHERE f.at >= $1 ORDER BY f.at`,
      [since, storeId],
    );
    return rows.map((r) => ({
      at: Number(r.at),
      connected: r.connected ?? true,
      pendingUp: Number(r.pending_up ?? 0),
      feedLag: Number(r.feed_lag ?? 0),
      lagMs: r.behind_since === null ? 0 : Number(r.at) - Number(r.behind_since),
      everyMs: r.every_ms === null ? null : Number(r.every_ms),
    }));
  }

  /**
   * Each store's worst and 95th-percentile lag since `since` (one store's, or every store that was behind), for the
   * "< 1 min" target. One statement: samples where a store had no row count as in sync (0), so its p95 is the
   * (n − ⌈0.95·n⌉ + 1)-th longest of its lags, or 0 when it was behind in fewer samples than that.
   */
  async targets(since: number, storeId?: string): Promise<LagTargets> {
    const { rows } = await this.db.query<{
      samples: number;
      store_id: string | null;
      worst: number | null;
      p95: number | null;
      offline: number | null;
      behind: number | null;
    }>(
      `WITH n AS (SELECT count(*)::int AS samples FROM sync_lag_fleet WHERE at >= $1),
       s AS (SELECT store_id, array_agg(at - behind_since ORDER BY at - behind_since DESC) AS lags,
                    count(*) FILTER (WHERE NOT connected)::int AS offline, count(*)::int AS behind
             FROM sync_lag_stores WHERE at >= $1 AND behind_since IS NOT NULL AND ($2::uuid IS NULL OR store_id = $2)
             GROUP BY store_id)
       SELECT n.samples, s.store_id, s.lags[1] AS worst,
              s.lags[n.samples - ceil(0.95 * n.samples)::int + 1] AS p95, s.offline, s.behind
       FROM n LEFT JOIN s ON true ORDER BY s.store_id`,
      [since, storeId ?? null],
    );
    return {
      since,
      samples: rows[0]?.samples ?? 0,
      targetMs: SYNC_LAG_TARGET_MS,
      items: rows
        .filter((r) => r.store_id !== null)
        .map((r) => ({
          storeId: r.store_id!,
          worstMs: Number(r.worst ?? 0),
          p95Ms: Number(r.p95 ?? 0),
          offlineSamples: r.offline ?? 0,
          behindSamples: r.behind ?? 0,
        })),
    };
  }
}

interface FleetRow {
  at: number;
  stores: number;
  connected: number;
  pending_up: number;
  feed_lag: number;
  every_ms: number | null;
  worst_lag_ms: number | null;
}

interface StoreRow {
  at: number;
  every_ms: number | null;
  connected: boolean | null;
  pending_up: number | null;
  feed_lag: number | null;
  behind_since: number | null;
}
