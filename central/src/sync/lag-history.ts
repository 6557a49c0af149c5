import type { Db } from '../db/db.js';
import type { Logger } from 'pino';
import { STORES_WITH_SYNC } from './sync-status.js';

export interface LagSample {
  readonly at: number;
  readonly connected: boolean | number;
  /** Events stores have reported and the hub does not hold yet. */
  readonly pendingUp: number;
  /** Feed entries stores have not acknowledged yet. */
  readonly feedLag: number;
}

const RETAIN_MS = 86_400_000;

// The same per-store figures as the console's fleet list (SyncStatusRepository), summed or kept per lagging store.
const PER_STORE = `
  SELECT l.id AS store_id, coalesce(c.connected, false) AS connected,
         greatest(coalesce(o.outbox_head, 0) - coalesce(o.acked_seq, 0), 0) AS pending_up,
         greatest(coalesce(h.head, 0) - coalesce(k.acked, 0), 0) AS feed_lag
  ${STORES_WITH_SYNC}`;

/** Samples sync lag every `everyMs` (two statements a sample whatever the fleet's size) and answers the chart. */
export class LagHistory {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly db: Db,
    readonly now: () => number,
    readonly everyMs: number,
    readonly log: Logger,
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
    await this.db.query(
      `WITH s AS (${PER_STORE}),
       f AS (INSERT INTO sync_lag_fleet (at, stores, connected, pending_up, feed_lag, max_lag)
             SELECT $1, count(*), count(*) FILTER (WHERE connected), coalesce(sum(pending_up), 0), coalesce(sum(feed_lag), 0),
                    coalesce(max(pending_up + feed_lag), 0)
             FROM s ON CONFLICT (at) DO NOTHING)
       INSERT INTO sync_lag_stores (store_id, at, connected, pending_up, feed_lag)
       SELECT store_id, $1, connected, pending_up, feed_lag FROM s WHERE NOT connected OR pending_up > 0 OR feed_lag > 0
       ON CONFLICT (store_id, at) DO NOTHING`,
      [at],
    );
    await this.db.query('DELETE FROM sync_lag_fleet WHERE at < $1', [at - RETAIN_MS]);
    await this.db.query('DELETE FROM sync_lag_stores WHERE at < $1', [at - RETAIN_MS]);
  }

  /**
   * Lag since `since`, oldest first: the fleet's totals, or one store's figures (a sample time with no row for the
   * store means it was connected and up to date then).
   */
  async series(since: number, storeId?: string): Promise<LagSample[]> {
    if (!storeId) {
      const { rows } = await this.db.query<{ at: number; connected: number; pending_up: number; feed_lag: number }>(
        'SELECT at, connected, pending_up, feed_lag FROM sync_lag_fleet WHERE at >= $1 ORDER BY at',
        [since],
      );
      return rows.map((r) => ({
        at: Number(r.at),
        connected: Number(r.connected),
        pendingUp: Number(r.pending_up),
        feedLag: Number(r.feed_lag),
      }));
    }
    const { rows } = await this.db.query<{
      at: number;
      connected: boolean | null;
      pending_up: number | null;
      feed_lag: number | null;
    }>(
      `SELECT f.at, s.connected, s.pending_up, s.feed_lag FROM sync_lag_fleet f
       LEFT JOIN sync_lag_stores s ON s.at = f.at AND s.store_id = $2
       WHERE f.at >= $1 ORDER BY f.at`,
      [since, storeId],
    );
    return rows.map((r) => ({
      at: Number(r.at),
      connected: r.connected ?? true,
      pendingUp: Number(r.pending_up ?? 0),
      feedLag: Number(r.feed_lag ?? 0),
    }));
  }
}
