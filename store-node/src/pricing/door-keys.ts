import type { DoorKey } from '@storefleet/shared';
import { z } from 'zod';
import type { SqliteDb } from '../db/open-sqlite.js';

const doorKeySchema = z.strictObject({
  keyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  key: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/**
 * Keeps the door keys a store-rules page carries (schema/002_door_keys.sql), by key id; a row that is not one is
 * skipped (the page's other rows still apply). Call inside the page's transaction. Answers how many it kept.
 */
export function keepDoorKeys(db: SqliteDb, rows: readonly unknown[] | undefined, now: number): number {
  if (!rows?.length) return 0;
  const put = db.prepare(
    `INSERT INTO pricing_door_keys (key_id, door_key, received_at) VALUES (?, ?, ?)
     ON CONFLICT (key_id) DO UPDATE SET door_key = excluded.door_key, received_at = excluded.received_at
     WHERE door_key <> excluded.door_key`,
  );
  let kept = 0;
  for (const row of rows) {
    const k = doorKeySchema.safeParse(row);
    if (!k.success) continue;
    put.run(k.data.keyId, k.data.key, now);
    kept++;
  }
  return kept;
}

/** The door keys this store holds (for the Scan & Go door: it opens the audit seal of exit tokens with them). */
export function doorKeys(db: SqliteDb): DoorKey[] {
  return db
    .prepare('SELECT key_id AS keyId, door_key AS key FROM pricing_door_keys ORDER BY key_id')
    .all() as DoorKey[];
}
