import type { FeedEntry } from '@storefleet/shared';
import type { FeedParkedSummary } from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { FeedHandlerRegistry } from './feed-handlers.js';

export type ParkedFeedState = 'parked' | 'resolved' | 'all';

/** A feed entry this store parked, as staff and the API see it. */
export interface ParkedFeedEntry {
  readonly seq: number;
  readonly type: string;
  readonly payload: unknown;
  /** The hub's createdAt of the entry; null for entries parked before the store kept it. */
  readonly createdAt: number | null;
  /** Why it was parked, or why its last replay failed. */
  readonly reason: string;
  readonly parkedAt: number;
  readonly replays: number;
  readonly replayedAt: number | null;
  readonly resolvedAt: number | null;
  /** `start-up` (replayed when the node started) or the caller that asked (`lane`, `device:<id>`). */
  readonly resolvedBy: string | null;
  readonly outcome: string | null;
}

/** What one replay did to one entry. */
export interface ReplayedEntry {
  readonly seq: number;
  readonly type: string;
  readonly outcome: 'applied' | 'parked';
  /** Why it stays parked. */
  readonly reason?: string;
}

interface Row {
  seq: number;
  type: string;
  payload: string;
  created_at: number | null;
  reason: string;
  parked_at: number;
  replays: number;
  replayed_at: number | null;
  resolved_at: number | null;
  resolved_by: string | null;
  outcome: string | null;
}

const toEntry = (r: Row): ParkedFeedEntry => ({
  seq: r.seq,
  type: r.type,
  payload: JSON.parse(r.payload),
  createdAt: r.created_at,
  reason: r.reason,
  parkedAt: r.parked_at,
  replays: r.replays,
  replayedAt: r.replayed_at,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  outcome: r.outcome,
});

const WHERE_STATE: Record<ParkedFeedState, string> = {
  parked: 'resolved_at IS NULL',
  resolved: 'resolved_at IS NOT NULL',
  all: '1 = 1',
};

/**
 * All SQL of `sync_feed_parked`: the feed entries this store parked (no handler for their type, or the handler
 * refused them), kept, shown, and replayed once a handler exists. A resolved entry keeps its row (an audit); only
 * unresolved ones count as parked.
 */
export class SqliteParkedFeed {
  readonly #park;
  readonly #count;
  readonly #latest;
  readonly #open;
  readonly #resolve;
  readonly #refuse;

  constructor(
    readonly db: SqliteDb,
    readonly handlers: FeedHandlerRegistry,
    readonly now: () => number = Date.now,
  ) {
    this.#park = db.prepare(
      'INSERT OR IGNORE INTO sync_feed_parked (seq, type, payload, reason, parked_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#count = db.prepare('SELECT count(*) FROM sync_feed_parked WHERE resolved_at IS NULL').pluck();
    // The latest by what last happened to it: a replay that failed again brings its new reason forward.
    this.#latest = db.prepare(
      `SELECT seq, type, reason, parked_at AS parkedAt FROM sync_feed_parked WHERE resolved_at IS NULL
       ORDER BY max(parked_at, coalesce(replayed_at, 0)) DESC, seq DESC LIMIT 1`,
    );
    this.#open = db.prepare(
      `SELECT * FROM sync_feed_parked WHERE resolved_at IS NULL AND seq > @after
         AND (@seq IS NULL OR seq = @seq) AND (@type IS NULL OR type = @type) ORDER BY seq LIMIT @limit`,
    );
    this.#resolve = db.prepare(
      "UPDATE sync_feed_parked SET resolved_at = @at, resolved_by = @by, outcome = 'applied', replays = replays + 1, replayed_at = @at WHERE seq = @seq AND resolved_at IS NULL",
    );
    this.#refuse = db.prepare(
      'UPDATE sync_feed_parked SET reason = @reason, replays = replays + 1, replayed_at = @at WHERE seq = @seq',
    );
  }

  /** Parks an entry (in the feed page's transaction); an entry already parked keeps its first row. */
  park(e: FeedEntry, reason: string): void {
    this.#park.run(
      e.seq,
      e.type,
      JSON.stringify(e.payload ?? null),
      reason.slice(0, 1000),
      this.now(),
      Math.round(e.createdAt),
    );
  }

  /** Unresolved entries and the latest of them (the sync status, and the hub via `feed-ack`). */
  summary(): FeedParkedSummary {
    const count = this.#count.get() as number;
    const latest = count ? (this.#latest.get() as NonNullable<FeedParkedSummary['latest']>) : null;
    return { count, latest };
  }

  list(state: ParkedFeedState, limit: number, afterSeq = 0): ParkedFeedEntry[] {
    const rows = this.db
      .prepare(`SELECT * FROM sync_feed_parked WHERE ${WHERE_STATE[state]} AND seq > ? ORDER BY seq LIMIT ?`)
      .all(afterSeq, limit) as Row[];
    return rows.map(toEntry);
  }

  /**
   * Replays, in seq order, up to `limit` unresolved entries after `afterSeq` (optionally only one seq or one type)
   * whose type has a handler now, in one IMMEDIATE transaction, each in its own savepoint exactly as the feed applies
   * it: one that applies is marked resolved by `by`; one refused again stays parked with its new reason. A failure
   * of the store itself (disk full, I/O) throws and rolls the whole step back: nothing is lost, the entries stay
   * parked. Returns what happened to each, the last seq looked at, and whether more may follow it.
   */
  replayStep(
    by: string,
    afterSeq: number,
    limit: number,
    only: { seq?: number; type?: string } = {},
  ): { replayed: ReplayedEntry[]; lastSeq: number; more: boolean } {
    return this.db
      .transaction(() => {
        const rows = this.#open.all({
          after: afterSeq,
          seq: only.seq ?? null,
          type: only.type ?? null,
          limit,
        }) as Row[];
        const replayed: ReplayedEntry[] = [];
        for (const r of rows) {
          if (!this.handlers.get(r.type)) continue; // still no handler: it waits for the upgrade that brings one
          const at = this.now();
          const entry: FeedEntry = {
            seq: r.seq,
            type: r.type,
            payload: JSON.parse(r.payload),
            createdAt: r.created_at ?? 0,
          };
          const refused = this.handlers.apply(this.db, entry);
          if (refused === null) this.#resolve.run({ seq: r.seq, at, by });
          else this.#refuse.run({ seq: r.seq, at, reason: refused.slice(0, 1000) });
          replayed.push(
            refused === null
              ? { seq: r.seq, type: r.type, outcome: 'applied' }
              : { seq: r.seq, type: r.type, outcome: 'parked', reason: refused },
          );
        }
        return { replayed, lastSeq: rows.length ? rows[rows.length - 1]!.seq : afterSeq, more: rows.length === limit };
      })
      .immediate();
  }
}
