import type { FeedPosition, FeedRebaseReport } from '@storefleet/shared';
import type { Queryable } from '../db/db.js';
import type { FeedWriter } from './feed-writer.js';

/** What the hub holds of a store's feed: its head, the cursor it recorded from the store's acks, its entry at a seq. */
interface FeedSight {
  readonly head: number;
  readonly acked: number;
  readonly at: FeedPosition | null;
}

/** What the hub says of a store's feed in `welcome`. */
export interface FeedOnOpen {
  readonly feedHead: number;
  readonly feedAcked: number;
  readonly feedAt: FeedPosition | null;
  readonly feedRebased?: FeedRebaseReport;
}

/**
 * A store's feed after the hub's database was restored from an older backup (issue #14).
 *
 * What holds: entries up to `acked` (the cursor the hub recorded from the store's own feed-acks, never from an
 * unconfirmed `hello`) are the entries the store applied — the backup held them as they were. Above `acked` the
 * restored hub may hold entries the store never saw under seqs it already passed (numbered anew after the restore),
 * and the store may have applied entries the backup lost. The feed diverged when the store's cursor is past the
 * head, or the hub lacks the entry at the cursor (above `acked`, so never pruned), or holds another one there (the
 * store says so: `feed-rebase`).
 *
 * A rebase, under the lock on the store's feed head row: every entry above `acked` moves, in order and without gaps,
 * to follow the store's cursor; the head moves past them; each module's reconcile entries follow (the holds the hub
 * has now); the recorded cursor becomes the store's. The store re-applies what it already had (its handlers are
 * idempotent), applies what it lacked, and reconciles; every later entry follows. Recorded in sync_feed_rebases.
 */
export class FeedRebase {
  constructor(
    readonly feed: FeedWriter,
    readonly now: () => number,
  ) {}

  /** At `hello`, inside the connection's transaction: what `welcome` says, after a rebase if the hub sees it is needed. */
  async onOpen(tx: Queryable, storeId: string, cursor: number): Promise<FeedOnOpen> {
    let sight = await this.#look(tx, storeId, cursor, false);
    if (lostByHub(sight, cursor)) {
      sight = await this.#look(tx, storeId, cursor, true);
      if (lostByHub(sight, cursor)) {
        const { head, report } = await this.#rebase(tx, storeId, cursor, sight, null, 'hub');
        return { feedHead: head, feedAcked: cursor, feedAt: null, feedRebased: report };
      }
    }
    return { feedHead: sight.head, feedAcked: sight.acked, feedAt: sight.at };
  }

  /** The store applied `at` at its cursor: rebases when the hub's entry there still differs (or it lacks one). */
  async onClaim(tx: Queryable, storeId: string, cursor: number, at: FeedPosition | null): Promise<{ head: number; rebased: FeedRebaseReport | null }> {
    const sight = await this.#look(tx, storeId, cursor, true);
    const differs = lostByHub(sight, cursor) || (cursor > 0 && sight.at !== null && at !== null && sight.at.createdAt !== at.createdAt);
    if (!differs) return { head: sight.head, rebased: null };
    const { head, report } = await this.#rebase(tx, storeId, cursor, sight, at, 'store');
    return { head, rebased: report };
  }

  async #look(tx: Queryable, storeId: string, cursor: number, lock: boolean): Promise<FeedSight> {
    if (lock) {
      await tx.query('INSERT INTO sync_feed_heads (store_id, head) VALUES ($1, 0) ON CONFLICT (store_id) DO NOTHING', [storeId]);
      await tx.query('SELECT head FROM sync_feed_heads WHERE store_id = $1 FOR UPDATE', [storeId]);
    }
    const { rows } = await tx.query<{ head: number | null; acked: number | null; created_at: number | null }>(
      `SELECT h.head, k.acked, f.created_at FROM (SELECT $1::uuid AS store_id) s
       LEFT JOIN sync_feed_heads h ON h.store_id = s.store_id
       LEFT JOIN sync_feed_cursors k ON k.store_id = s.store_id
       LEFT JOIN sync_feed f ON f.store_id = s.store_id AND f.seq = $2`,
      [storeId, cursor],
    );
    const r = rows[0]!;
    return { head: Number(r.head ?? 0), acked: Number(r.acked ?? 0), at: r.created_at === null ? null : { seq: cursor, createdAt: Number(r.created_at) } };
  }

  async #rebase(tx: Queryable, storeId: string, cursor: number, sight: FeedSight, at: FeedPosition | null, detectedBy: 'hub' | 'store') {
    const now = this.now();
    // Entries made after the store's own entry at the cursor cannot be ones it applied, whatever `acked` says.
    const { rows } = at
      ? await tx.query<{ first: number | null }>('SELECT min(seq) AS first FROM sync_feed WHERE store_id = $1 AND seq <= $2 AND created_at > $3', [storeId, cursor, at.createdAt])
      : { rows: [{ first: null }] };
    const from = Math.min(sight.acked, cursor, rows[0]!.first === null ? cursor : Number(rows[0]!.first) - 1);
    // Two steps through negative seqs: the old and new ranges overlap, and (store_id, seq) is checked row by row.
    const moved = await tx.query(
      `WITH m AS (SELECT seq, row_number() OVER (ORDER BY seq) AS r FROM sync_feed WHERE store_id = $1 AND seq > $2)
       UPDATE sync_feed f SET seq = -($3 + m.r) FROM m WHERE f.store_id = $1 AND f.seq = m.seq`,
      [storeId, from, cursor],
    );
    await tx.query('UPDATE sync_feed SET seq = -seq WHERE store_id = $1 AND seq < 0', [storeId]);
    const count = moved.rowCount;
    await tx.query('UPDATE sync_feed_heads SET head = $2 WHERE store_id = $1', [storeId, cursor + count]);
    const items = await this.feed.reconcileItems(tx, storeId);
    const head = items.length ? await this.feed.append(tx, storeId, items) : cursor + count;
    await tx.query(
      `INSERT INTO sync_feed_cursors (store_id, acked, acked_at) VALUES ($1, $2, $3)
       ON CONFLICT (store_id) DO UPDATE SET acked = $2, acked_at = $3`,
      [storeId, cursor, now],
    );
    await tx.query(
      `INSERT INTO sync_feed_rebases (store_id, rebased_at, detected_by, cursor, old_head, new_head, moved) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [storeId, now, detectedBy, cursor, sight.head, head, count],
    );
    return { head, report: { at: now, moved: count } };
  }
}

/** The hub alone sees the feed diverged: the cursor is past its head, or at an entry above `acked` that it lacks. */
function lostByHub(sight: FeedSight, cursor: number): boolean {
  return cursor > sight.head || (cursor > sight.acked && sight.at === null);
}
