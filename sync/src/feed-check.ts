import type { FeedPosition } from '@storefleet/shared';

/**
 * Does the store's feed still agree with the hub's? Asked once per `welcome`, before any feed page is applied.
 *
 *   hub does not offer `feed-rebase` (feedAt absent)   → 'unknown'  (an older hub: go on as before)
 *   cursor 0, or the hub shows no entry there (null)    → 'agree'    (nothing to compare: pruned, or the hub rebased)
 *   the hub shows another seq than the cursor           → 'unknown'  (not an answer to our hello: go on)
 *   this store does not know its entry's createdAt      → 'adopt'    (applied before identities were kept)
 *   same createdAt                                       → 'agree'
 *   another createdAt                                    → 'rebase'   (a restored hub wrote another entry at that seq)
 */
export type FeedVerdict = 'unknown' | 'agree' | 'adopt' | 'rebase';

export function checkFeed(
  cursor: number,
  mine: { readonly seq: number; readonly createdAt: number | null } | null,
  hubAt: FeedPosition | null | undefined,
): FeedVerdict {
  if (hubAt === undefined) return 'unknown';
  if (cursor === 0 || hubAt === null) return 'agree';
  if (hubAt.seq !== cursor) return 'unknown';
  if (!mine || mine.seq !== cursor || mine.createdAt === null) return 'adopt';
  return mine.createdAt === hubAt.createdAt ? 'agree' : 'rebase';
}

/**
 * Splits entries (in seq order) at the first gap after `cursor`: `run` is the entries that follow the cursor without a
 * gap (those at or below it are dropped: already applied), `next` the seq of the first entry past a gap, or null.
 * The hub sends a page only up to a gap and tells the store to skip it first; the store checks the same before applying.
 */
export function splitAtGap<T extends { readonly seq: number }>(
  cursor: number,
  entries: readonly T[],
): { run: T[]; next: number | null } {
  const run: T[] = [];
  let last = cursor;
  for (const e of entries) {
    if (e.seq <= last) continue;
    if (e.seq !== last + 1) return { run, next: e.seq };
    run.push(e);
    last = e.seq;
  }
  return { run, next: null };
}
