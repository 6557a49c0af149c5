import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open-db.js';
import { changedTables, hubFingerprint } from './support/db-fingerprint.js';
import { bothDbTargets } from './support/db-targets.js';

// The fingerprint is what the fuzz and hostile-write tests trust to say "a refused request changed nothing": it must
// see every change of content and nothing else, on both engines, also after its cache of row versions has warmed up.
for (const target of bothDbTargets) {
  describe(`the hub fingerprint on ${target.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const place = await target.open();
      drop = place.drop;
      db = await openDb(place);
      await db.query('CREATE TABLE shelf (sku text PRIMARY KEY, qty int NOT NULL, note text)');
      await db.query('CREATE TABLE idempotency_keys (k text PRIMARY KEY)'); // a bookkeeping table, by name
      await db.query("INSERT INTO shelf VALUES ('MUG', 3, repeat('x', 200000)), ('CUP', 1, NULL)");
    });
    afterAll(async () => {
      await db?.close();
      await drop?.();
    });

    it('sees an insert that a delete took back between two calls as no change, and a delete alone as one', async () => {
      const before = await hubFingerprint(db);
      await db.query("INSERT INTO shelf (sku, qty) VALUES ('JUG', 1)");
      const withJug = await hubFingerprint(db);
      expect(withJug).not.toBe(before);
      await db.query("DELETE FROM shelf WHERE sku = 'JUG'");
      expect(await hubFingerprint(db)).toBe(before);
      expect(await hubFingerprint(db)).not.toBe(withJug);
    });

    it('stays the same for reads, rolled-back writes, same-value updates and bookkeeping rows', async () => {
      const first = await hubFingerprint(db);
      expect(await hubFingerprint(db)).toBe(first);
      await db.query('SELECT * FROM shelf');
      await expect(
        db.transaction(async (tx) => {
          await tx.query("UPDATE shelf SET qty = 99 WHERE sku = 'MUG'");
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect(await hubFingerprint(db)).toBe(first);
      await db.query("UPDATE shelf SET qty = qty WHERE sku = 'MUG'"); // a new row version, the same content
      await db.query("INSERT INTO idempotency_keys VALUES ('k1')");
      expect(await hubFingerprint(db)).toBe(first);
    });

    it('changes for an update, an insert, a delete and a change inside a big value, and names the table', async () => {
      let before = await hubFingerprint(db);
      for (const write of [
        "UPDATE shelf SET qty = 4 WHERE sku = 'MUG'",
        "INSERT INTO shelf VALUES ('BOWL', 2, NULL)",
        "DELETE FROM shelf WHERE sku = 'CUP'",
        "UPDATE shelf SET note = overlay(note placing 'y' from 100000) WHERE sku = 'MUG'",
        'ALTER TABLE shelf ADD COLUMN aisle int DEFAULT 7', // every row's text changes, no row is rewritten
      ]) {
        await db.query(write);
        const after = await hubFingerprint(db);
        expect(after, write).not.toBe(before);
        expect(changedTables(before, after), write).toEqual(['shelf']);
        before = after;
      }
    });
  });
}
