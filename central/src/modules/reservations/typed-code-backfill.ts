import { feedEntry } from '@storefleet/shared';
import type { Db } from '../../db/db.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import { freeCodeHashes, type TypedCodes } from './pickup-codes.js';
import { ReservationRepository } from './repository.js';

/**
 * Gives up to `limit` open holds that have no typed pickup code (granted before typed codes) their code, in one
 * transaction under the holds' row locks, and tells their stores (a `reservation.changed` entry each, carrying the
 * code's hash), so every open hold can be picked up with a typed code after an upgrade. Safe on several hubs at once
 * (SKIP LOCKED). Returns how many holds it gave a code.
 */
export async function backfillTypedCodes(
  db: Db,
  feed: FeedWriter,
  codes: TypedCodes,
  now: () => number,
  limit = 500,
): Promise<number> {
  return db.transaction(async (tx) => {
    const repo = new ReservationRepository(tx);
    const holds = await repo.lockWithoutCode(limit);
    if (!holds.length) return 0;
    const hashes = await freeCodeHashes(codes, (pairs) => repo.openCodeHashes(pairs), holds);
    const updated = await repo.setCodeHashes(
      holds.map((h, i) => ({ id: h.id, hash: hashes[i]! })),
      now(),
    );
    await feed.appendMany(
      tx,
      updated.map((r) => ({ storeId: r.storeId, ...feedEntry('reservation.changed', r) })),
    );
    return updated.length;
  });
}
