import { feedEntry } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';

/** The transaction-scoped advisory lock every pricing writer holds from its first revision to its commit. */
const REVISION_LOCK = 2_025_000_025;

/**
 * The pricing revision: one sequence every row stores reach takes its revision from (books' entries, promotions,
 * signing keys, used coupons, a store's region). `announce` broadcasts `pricing.changed {revision}` to every store in
 * the caller's transaction — one small feed row per store, whatever changed — so stores pull what is new.
 *
 * Invariant: revisions commit in order. `nextRevision(s)` first takes a transaction-scoped advisory lock (held until
 * the caller's commit or rollback), so no transaction holds a revision lower than one another has committed: a store
 * whose cursor is at R has seen every row ≤ R, and "the highest revision committed" is a safe cache key. Every
 * writer of a revision must take it through here (never `nextval` directly).
 * CONTRACT: lane B owns this file.
 */
export async function nextRevision(q: Queryable): Promise<number> {
  return (await nextRevisions(q, 1))[0]!;
}

/** `n` new revisions, ascending and contiguous (one per row a write makes; under the same lock as nextRevision). */
export async function nextRevisions(q: Queryable, n: number): Promise<number[]> {
  if (n <= 0) return [];
  await q.query('SELECT pg_advisory_xact_lock($1)', [REVISION_LOCK]);
  const { rows } = await q.query<{ r: string | number }>(
    "SELECT nextval('pricing_revision_seq') AS r FROM generate_series(1, $1::int)",
    [n],
  );
  return rows.map((r) => Number(r.r)).sort((a, b) => a - b);
}

/** Tells every store that pricing changed up to `revision` (call once per write transaction, after its rows). */
export async function announce(q: Queryable, feed: FeedWriter, revision: number): Promise<void> {
  await feed.broadcast(q, feedEntry('pricing.changed', { revision }));
}
