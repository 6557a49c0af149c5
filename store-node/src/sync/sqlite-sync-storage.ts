import { LIMITS, type FeedEntry, type FeedPosition, type FeedRebaseReport, type WireEvent } from '@storefleet/shared';
import type { FeedParkedSummary, FeedSkip, LostEvents, StoreSyncStorage } from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { FeedHandlerRegistry } from './feed-handlers.js';
import type { SqliteOutbox } from './outbox.js';
import { SqliteParkedFeed } from './parked-feed.js';

/** The sync engine's view of the store's SQLite file: every SQL statement of the store's sync side is here. */
export class SqliteSyncStorage implements StoreSyncStorage {
  readonly #read;
  readonly #get;
  readonly #set;
  readonly #put;
  /** The feed entries this store parked: kept, counted while unresolved, replayed once a handler exists. */
  readonly parked: SqliteParkedFeed;

  constructor(
    readonly db: SqliteDb,
    readonly storeId: string,
    readonly outbox: SqliteOutbox,
    readonly handlers: FeedHandlerRegistry,
    readonly now: () => number = Date.now,
  ) {
    this.#read = db.prepare('SELECT seq, hlc, type, payload FROM sync_outbox WHERE seq >= ? ORDER BY seq LIMIT ?');
    this.#get = db.prepare('SELECT value FROM sync_state WHERE key = ?').pluck();
    this.#set = db.prepare('UPDATE sync_state SET value = ? WHERE key = ? AND value < ?');
    this.parked = new SqliteParkedFeed(db, handlers, now);
    // Keys a store file may not have yet (feed_at, feed_rebased_*): written whole, read as absent.
    this.#put = db.prepare(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  outboxHead(): number {
    return this.outbox.head();
  }

  ackedSeq(): number {
    return this.#get.get('acked_seq') as number;
  }

  readBatch(fromSeq: number, maxEvents: number, maxBytes: number): WireEvent[] {
    const rows = this.#read.all(fromSeq, maxEvents) as { seq: number; hlc: string; type: string; payload: string }[];
    const events: WireEvent[] = [];
    let bytes = 0;
    for (const r of rows) {
      if (events.length) {
        bytes += r.payload.length;
        if (bytes > maxBytes) break;
      }
      if (events.length && r.seq !== events[events.length - 1]!.seq + 1) break; // pruned or missing: stop at the gap
      events.push({ origin: this.storeId, seq: r.seq, hlc: r.hlc, type: r.type, payload: JSON.parse(r.payload) });
    }
    return events;
  }

  markAcked(seq: number): void {
    this.#set.run(seq, 'acked_seq', seq);
  }

  reconcile(hubAckedSeq: number, hubAckedHlc: string | null): number {
    return this.db
      .transaction(() => {
        const localAcked = this.ackedSeq();
        // The hub holds no more than this file confirmed: same history (older rows may be pruned).
        if (hubAckedSeq <= localAcked) return 0;
        this.#refuseRenumbering(hubAckedSeq);
        const mine = this.db.prepare('SELECT hlc FROM sync_outbox WHERE seq = ?').pluck().get(hubAckedSeq) as
          | string
          | undefined;
        if (mine !== undefined && mine === hubAckedHlc) return 0; // our ack was lost; the hub has exactly our events
        const moved = this.db
          .prepare('SELECT count(*) FROM sync_outbox WHERE seq > ?')
          .pluck()
          .get(localAcked) as number;
        // Two steps through negative seqs, because the old and new ranges may overlap.
        this.db.prepare('UPDATE sync_outbox SET seq = -seq WHERE seq > ?').run(localAcked);
        this.db.prepare('UPDATE sync_outbox SET seq = -seq + ? WHERE seq < 0').run(hubAckedSeq - localAcked);
        this.db.prepare("UPDATE sync_state SET value = ? WHERE key = 'acked_seq'").run(hubAckedSeq);
        return moved;
      })
      .immediate();
  }

  /**
   * A hub's acked seq far past anything this store made (more than LIMITS.maxLostEvents past its head, or near the end
   * of the safe range) is not a restore: a forged `events-lost` moved it. Renumbering to follow it would push this
   * store's numbering out of range, so the step fails, saying so (the sync status shows it) and nothing moves.
   */
  #refuseRenumbering(hubAckedSeq: number): void {
    const head = this.outboxHead();
    if (hubAckedSeq - head <= LIMITS.maxLostEvents && hubAckedSeq < 2 ** 50) return;
    throw new Error(
      `the hub says it holds this store's events up to ${hubAckedSeq}, ${hubAckedSeq - head} past this store's outbox head ${head} (more than ${LIMITS.maxLostEvents} events a store could have lost): not renumbering this store's unsent events to follow it; the hub's record for this store needs an operator`,
    );
  }

  feedCursor(): number {
    return this.#get.get('feed_cursor') as number;
  }

  applyFeed(entries: readonly FeedEntry[]): number {
    return this.db
      .transaction(() => {
        const from = this.feedCursor();
        let cursor = from;
        let createdAt = 0;
        for (const e of entries) {
          if (e.seq <= cursor) continue; // already applied: a page resent after a reconnect
          if (e.seq !== cursor + 1) throw new Error(`feed gap: cursor ${cursor}, next entry ${e.seq}`);
          // Each entry in its own savepoint: one refused is undone alone and parked, the rest apply. A failure of the
          // store's own disk throws: nothing of the page applies, it is retried later.
          const refused = this.handlers.apply(this.db, e);
          if (refused !== null) this.parked.park(e, refused);
          cursor = e.seq;
          createdAt = e.createdAt;
          this.observeHubTime(e.createdAt);
        }
        this.#set.run(cursor, 'feed_cursor', cursor);
        // The entry at the cursor, by the hub's createdAt: a restored hub may write another one at the same seq.
        if (cursor > from) this.#putFeedAt(cursor, createdAt);
        return cursor;
      })
      .immediate();
  }

  feedPosition(): { seq: number; createdAt: number | null } | null {
    const seq = this.feedCursor();
    if (seq === 0) return null;
    const known = this.#get.get('feed_at_seq') === seq;
    return { seq, createdAt: known ? ((this.#get.get('feed_at') as number | undefined) ?? null) : null };
  }

  adoptFeedPosition(at: FeedPosition): void {
    if (at.seq === this.feedCursor()) this.db.transaction(() => this.#putFeedAt(at.seq, at.createdAt))();
  }

  #putFeedAt(seq: number, createdAt: number): void {
    this.#put.run('feed_at_seq', seq);
    this.#put.run('feed_at', Math.round(createdAt));
  }

  recordFeedRebase(report: FeedRebaseReport): void {
    this.db.transaction(() => {
      this.#put.run('feed_rebased_at', Math.round(report.at));
      this.#put.run('feed_rebased_moved', report.moved);
    })();
  }

  lastFeedRebase(): FeedRebaseReport | null {
    const at = this.#get.get('feed_rebased_at') as number | undefined;
    return at === undefined ? null : { at, moved: (this.#get.get('feed_rebased_moved') as number | undefined) ?? 0 };
  }

  skipFeed(skip: FeedSkip): boolean {
    return this.db
      .transaction(() => {
        const cursor = this.feedCursor();
        if (skip.fromSeq > cursor + 1 || skip.toSeq <= cursor) return false;
        this.#set.run(skip.toSeq, 'feed_cursor', skip.toSeq);
        this.#put.run('feed_skipped_from', skip.fromSeq);
        this.#put.run('feed_skipped_to', skip.toSeq);
        this.#put.run('feed_skipped_at', Math.round(skip.at));
        this.#put.run('feed_skipped_reason', skip.reason.slice(0, 500));
        return true;
      })
      .immediate();
  }

  lastFeedSkip(): FeedSkip | null {
    const at = this.#get.get('feed_skipped_at') as number | undefined;
    if (at === undefined) return null;
    const [fromSeq, toSeq, reason] = ['feed_skipped_from', 'feed_skipped_to', 'feed_skipped_reason'].map((k) =>
      this.#get.get(k),
    );
    return { fromSeq: fromSeq as number, toSeq: toSeq as number, reason: reason as string, at };
  }

  recordLostEvents(lost: LostEvents): void {
    this.db.transaction(() => {
      this.#put.run('lost_from', lost.fromSeq);
      this.#put.run('lost_to', lost.toSeq);
      this.#put.run('lost_at', Math.round(lost.at));
    })();
  }

  lostEvents(): LostEvents | null {
    const at = this.#get.get('lost_at') as number | undefined;
    return at === undefined
      ? null
      : { fromSeq: this.#get.get('lost_from') as number, toSeq: this.#get.get('lost_to') as number, at };
  }

  /** Unresolved parked entries only: a replayed one no longer counts, here or at the hub (`feed-ack`). */
  feedParked(): FeedParkedSummary {
    return this.parked.summary();
  }

  observeHubTime(wallMs: number): void {
    this.outbox.clock.receive({ wallMs, counter: 0, node: 'hub' });
  }

  /**
   * Deletes acknowledged events older than `before` (epoch ms), at most `limit` of the oldest in one statement;
   * returns how many. Call again until it returns less than `limit` (a 100,000-event backlog in one DELETE held the
   * event loop, and every lane, for ~300 ms).
   */
  pruneAcked(before: number, limit = Number.MAX_SAFE_INTEGER): number {
    const acked = this.ackedSeq();
    const res = this.db
      .prepare(
        'DELETE FROM sync_outbox WHERE seq IN (SELECT seq FROM sync_outbox WHERE seq <= ? AND created_at < ? ORDER BY seq LIMIT ?)',
      )
      .run(acked, before, limit);
    return res.changes;
  }

  /** The entries still parked (not resolved by a replay), in seq order. */
  parkedFeed(): { seq: number; type: string; reason: string }[] {
    return this.parked.list('parked', Number.MAX_SAFE_INTEGER).map(({ seq, type, reason }) => ({ seq, type, reason }));
  }
}
