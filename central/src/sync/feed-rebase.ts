import { LIMITS, type FeedPosition, type FeedRebaseReport } from '@storefleet/shared';
import type { Queryable } from '../db/db.js';
import type { FeedWriter } from '../kernel/feed-writer.js';

/** What the hub holds of a store's feed: its head, the cursor it recorded from the store's acks, its entry at a seq. */
interface FeedSight {
  readonly head: number;
  readonly acked: number;
  readonly at: FeedPosition | null;
}

/** What the hub says of a store's feed in `welcome`; `feedRefused` when it would not rebase as the store needs. */
export interface FeedOnOpen {
  readonly feedHead: number;
  readonly feedAcked: number;
  readonly feedAt: FeedPosition | null;
  readonly feedRebased?: FeedRebaseReport;
  readonly feedRefused?: string;
}

/** A gap after a store's cursor the store is told to skip: entries up to `toSeq` are gone; `head` after any reconcile. */
export interface FeedGap {
  readonly toSeq: number;
  readonly head: number;
  /** Reconcile entries appended after the gap now (0: some already followed it). */
  readonly reconciled: number;
}

/** How far a store's word may move its feed (defaults: LIMITS). */
export interface FeedRebaseLimits {
  readonly perHour: number;
  readonly ahead: number;
}

const HOUR = 3_600_000;

/**
 * A store's feed after the hub's database was restored from an older backup (issue #14), and gaps in it.
 *
 * What holds: entries up to `acked` (the cursor the hub recorded from the store's own feed-acks, never from an
 * unconfirmed `hello`) are the entries the store applied — the backup held them as they were. Above `acked` the
 * restored hub may hold entries the store never saw under seqs it already passed (numbered anew after the restore),
 * and the store may have applied entries the backup lost. The feed diverged when the store's cursor is past the
 * head, or the hub lacks the entry at the cursor (above `acked`, so never pruned), or holds another one there (the
 * store says so: `feed-rebase`).
 *
 * A rebase, under the lock on the store's feed head row: every entry above `acked` moves, in order and without gaps,
 * to follow the store's cursor; entries at or below `acked` never move, whatever the store claims. The head moves past them; each module's reconcile entries follow; the
 * recorded cursor becomes the store's. Recorded in sync_feed_rebases. A store's word moves the feed at most
 * `perHour` times an hour and never to a cursor more than `ahead` past the head (a stolen credential could otherwise
 * stall the hub, or push the numbering out of range): past those the rebase is refused, with nothing changed.
 *
 * A gap: entries between a store's cursor and the next one held are gone (retention removed them after a store disk
 * acknowledged them, or a rebase renumbered past them). The store is told to skip them (`feed-skip`) and a reconcile
 * entry is appended after the gap unless one already follows it, so a store cannot be stuck before a gap and a
 * repeated hello with a low cursor appends nothing more.
 */
export class FeedRebase {
  constructor(
    readonly feed: FeedWriter,
    readonly now: () => number,
    readonly limits: FeedRebaseLimits = { perHour: LIMITS.feedRebasesPerHour, ahead: LIMITS.maxFeedAhead },
  ) {}

  /** At `hello`, inside the connection's transaction: what `welcome` says, after a rebase if the hub sees it is needed. */
  async onOpen(tx: Queryable, storeId: string, cursor: number): Promise<FeedOnOpen> {
    let sight = await this.#look(tx, storeId, cursor, false);
    if (lostByHub(sight, cursor)) {
      sight = await this.#look(tx, storeId, cursor, true);
      if (lostByHub(sight, cursor)) {
        const done = await this.#rebase(tx, storeId, cursor, sight, 'hub');
        if ('refused' in done)
          return { feedHead: sight.head, feedAcked: sight.acked, feedAt: null, feedRefused: done.refused };
        return {
          feedHead: done.head,
          feedAcked: Math.max(cursor, sight.acked),
          feedAt: null,
          feedRebased: done.report,
        };
      }
    }
    return { feedHead: sight.head, feedAcked: sight.acked, feedAt: sight.at };
  }

  /** The store applied `at` at its cursor: rebases when the hub's entry there still differs (or it lacks one). */
  async onClaim(
    tx: Queryable,
    storeId: string,
    cursor: number,
    at: FeedPosition | null,
  ): Promise<{ head: number; rebased: FeedRebaseReport | null } | { refused: string }> {
    const sight = await this.#look(tx, storeId, cursor, true);
    const differs =
      lostByHub(sight, cursor) ||
      (cursor > 0 && sight.at !== null && at !== null && sight.at.createdAt !== at.createdAt);
    if (!differs) return { head: sight.head, rebased: null };
    const done = await this.#rebase(tx, storeId, cursor, sight, 'store');
    return 'refused' in done ? { refused: done.refused } : { head: done.head, rebased: done.report };
  }

  /** The next entry the hub holds after `cursor` is not `cursor + 1`: the gap to skip, or null when there is none. */
  async onGap(tx: Queryable, storeId: string, cursor: number): Promise<FeedGap | null> {
    await this.#lock(tx, storeId);
    const { rows } = await tx.query<{ next: number | null; head: number }>(
      `SELECT (SELECT min(seq) FROM sync_feed WHERE store_id = $1 AND seq > $2) AS next, (SELECT head FROM sync_feed_heads WHERE store_id = $1) AS head`,
      [storeId, cursor],
    );
    const r = rows[0]!;
    if (r.next === null || Number(r.next) === cursor + 1) return null;
    const toSeq = Number(r.next) - 1;
    // A reconcile entry past the gap's end is one the store will meet (moved ones only move up; pruned ones are a later gap).
    const followed = await this.#reconcileAfter(tx, storeId, toSeq);
    const items = followed ? [] : await this.feed.reconcileItems(tx, storeId);
    const head = items.length ? await this.feed.append(tx, storeId, items) : Number(r.head);
    const now = this.now();
    await tx.query(
      `INSERT INTO sync_feed_skips (store_id, to_seq, from_seq, first_at, last_at, reconcile_from) VALUES ($1, $2, $3, $4, $4, $5)
       ON CONFLICT (store_id, to_seq) DO UPDATE SET from_seq = LEAST(sync_feed_skips.from_seq, $3), last_at = $4, times = sync_feed_skips.times + 1,
         reconcile_from = coalesce($5, sync_feed_skips.reconcile_from)`,
      [storeId, toSeq, cursor + 1, now, items.length ? head - items.length + 1 : null],
    );
    return { toSeq, head, reconciled: items.length };
  }

  async #reconcileAfter(tx: Queryable, storeId: string, toSeq: number): Promise<boolean> {
    const { rows } = await tx.query(
      `SELECT 1 FROM sync_feed_rebases WHERE store_id = $1 AND reconcile_from > $2
       UNION ALL SELECT 1 FROM sync_feed_skips WHERE store_id = $1 AND reconcile_from > $2 LIMIT 1`,
      [storeId, toSeq],
    );
    return rows.length > 0;
  }

  async #lock(tx: Queryable, storeId: string): Promise<void> {
    await tx.query('INSERT INTO sync_feed_heads (store_id, head) VALUES ($1, 0) ON CONFLICT (store_id) DO NOTHING', [
      storeId,
    ]);
    await tx.query('SELECT head FROM sync_feed_heads WHERE store_id = $1 FOR UPDATE', [storeId]);
  }

  async #look(tx: Queryable, storeId: string, cursor: number, lock: boolean): Promise<FeedSight> {
    if (lock) await this.#lock(tx, storeId);
    const { rows } = await tx.query<{ head: number | null; acked: number | null; created_at: number | null }>(
      `SELECT h.head, k.acked, f.created_at FROM (SELECT $1::uuid AS store_id) s
       LEFT JOIN sync_feed_heads h ON h.store_id = s.store_id
       LEFT JOIN sync_feed_cursors k ON k.store_id = s.store_id
       LEFT JOIN sync_feed f ON f.store_id = s.store_id AND f.seq = $2`,
      [storeId, cursor],
    );
    const r = rows[0]!;
    return {
      head: Number(r.head ?? 0),
      acked: Number(r.acked ?? 0),
      at: r.created_at === null ? null : { seq: cursor, createdAt: Number(r.created_at) },
    };
  }

  /** Why a rebase to `cursor` is refused now (too far ahead, too often), or null. */
  async #refusal(
    tx: Queryable,
    storeId: string,
    cursor: number,
    sight: FeedSight,
    now: number,
  ): Promise<string | null> {
    const { ahead, perHour } = this.limits;
    if (cursor - sight.head > ahead) {
      return `feed cursor ${cursor} is ${cursor - sight.head} entries past this hub's feed head ${sight.head} for this store (at most ${ahead} are taken after a hub restore): the hub will not renumber the feed to follow it`;
    }
    const { rows } = await tx.query<{ n: number; first: number | null }>(
      'SELECT count(*)::int AS n, min(rebased_at) AS first FROM sync_feed_rebases WHERE store_id = $1 AND rebased_at > $2',
      [storeId, now - HOUR],
    );
    const n = Number(rows[0]!.n);
    if (n < perHour) return null;
    const again = new Date(Number(rows[0]!.first) + HOUR).toISOString();
    return `this store's feed was rebased ${n} times in the last hour (at most ${perHour}): the hub refuses another until ${again}`;
  }

  async #rebase(
    tx: Queryable,
    storeId: string,
    cursor: number,
    sight: FeedSight,
    detectedBy: 'hub' | 'store',
  ): Promise<{ head: number; report: FeedRebaseReport } | { refused: string }> {
    const now = this.now();
    const refused = await this.#refusal(tx, storeId, cursor, sight, now);
    if (refused) return { refused };
    // Entries at or below `acked` are the ones the store applied: they never move, whatever the store claims now.
    const from = sight.acked;
    // Entries above `acked` follow the store's cursor; when the store is not past `acked` they already do (none moves).
    const base = Math.max(cursor, from);
    let count = 0;
    if (base > from) {
      // Two steps through negative seqs: the old and new ranges overlap, and (store_id, seq) is checked row by row.
      const moved = await tx.query(
        `WITH m AS (SELECT seq, row_number() OVER (ORDER BY seq) AS r FROM sync_feed WHERE store_id = $1 AND seq > $2)
         UPDATE sync_feed f SET seq = -($3 + m.r) FROM m WHERE f.store_id = $1 AND f.seq = m.seq`,
        [storeId, from, base],
      );
      await tx.query('UPDATE sync_feed SET seq = -seq WHERE store_id = $1 AND seq < 0', [storeId]);
      count = moved.rowCount;
    }
    // The head follows what moved; with nothing to move it still reaches the cursor (an ack may be past the head).
    const before = base > from ? base + count : Math.max(sight.head, base);
    if (before !== sight.head)
      await tx.query('UPDATE sync_feed_heads SET head = $2 WHERE store_id = $1', [storeId, before]);
    const items = await this.feed.reconcileItems(tx, storeId);
    const head = items.length ? await this.feed.append(tx, storeId, items) : before;
    await tx.query(
      `INSERT INTO sync_feed_cursors (store_id, acked, acked_at) VALUES ($1, $2, $3)
       ON CONFLICT (store_id) DO UPDATE SET acked = GREATEST(sync_feed_cursors.acked, $2), acked_at = $3`,
      [storeId, base, now],
    );
    await tx.query(
      `INSERT INTO sync_feed_rebases (store_id, rebased_at, detected_by, cursor, old_head, new_head, moved, reconcile_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [storeId, now, detectedBy, cursor, sight.head, head, count, items.length ? head - items.length + 1 : null],
    );
    return { head, report: { at: now, moved: count } };
  }
}

/** The hub alone sees the feed diverged: the cursor is past its head, or at an entry above `acked` that it lacks. */
function lostByHub(sight: FeedSight, cursor: number): boolean {
  return cursor > sight.head || (cursor > sight.acked && sight.at === null);
}
