import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { hlcEncode } from '@storefleet/shared';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open-db.js';
import { loadMigrations } from '../src/migrations/load-migrations.js';
import { migrate } from '../src/migrations/migrate.js';
import { syncMigrations } from '../src/sync/index.js';
import { dbTargets } from './support/db-targets.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');

/**
 * A hub upgrading while stores upload: the sync migrations of issue #14 (007 onwards) alter sync_events and
 * sync_origins, which every upload locks (its origin's row, then sync_events). Run in one transaction, they held
 * sync_events while queueing behind an upload's row lock that then needed sync_events: a deadlock.
 */
describe.skipIf(!postgres)(
  postgres
    ? 'migrations behind live uploads (Postgres)'
    : 'migrations behind live uploads — skipped: needs a real Postgres because the lock wait needs a migration and an upload on two connections at once, and PGlite has one; set DATABASE_URL',
  () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    it('gives a lock back to an upload holding it, retries, and applies once the upload commits', async () => {
      const place = await postgres!.open();
      const db: Db = await openDb(place);
      cleanups.push(place.drop, () => db.close());
      const files = loadMigrations([{ module: 'sync', dir: syncMigrations }]);
      await migrate(
        db,
        files.filter((f) => f.version < 7),
      ); // the hub before this release
      const store = randomUUID();
      await db.query('INSERT INTO sync_origins (store_id) VALUES ($1)', [store]);

      // An upload as SyncRepository.applyBatch makes it: its origin's row first, then sync_events — held open here.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      cleanups.push(async () => release()); // a failing test must not leave it open
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const upload = db.transaction(async (tx) => {
        await tx.query('SELECT acked_seq FROM sync_origins WHERE store_id = $1 FOR UPDATE', [store]);
        locked();
        await released;
        await tx.query(
          `INSERT INTO sync_events (origin, seq, hlc, type, payload, received_at) VALUES ($1, 1, $2, 'stock.moved', '{}', 1)`,
          [store, hlcEncode({ wallMs: 1_700_000_000_000, counter: 0, node: store })],
        );
        await tx.query('UPDATE sync_origins SET acked_seq = 1 WHERE store_id = $1', [store]);
      });
      upload.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
      await isLocked;

      const warnings: string[] = [];
      let warned!: () => void;
      const firstWarning = new Promise<'warned'>((resolve) => (warned = () => resolve('warned')));
      const log = {
        info: () => {},
        warn: (_fields: object, message: string) => {
          warnings.push(message);
          warned();
        },
      };
      const migration = migrate(db, files, { lockTimeoutMs: 200, lockRetries: 50, retryDelayMs: 50, log });
      migration.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
      // A migration that queues behind the upload instead of giving up never warns: the guard lets the test end.
      expect(await Promise.race([firstWarning, sleep(20_000, 'still queued')])).toBe('warned');

      release();
      await expect(upload).resolves.toBeUndefined(); // not deadlocked: the upload commits
      const report = await migration;

      expect(report.applied).toContain('sync/newest_hlc');
      expect(warnings[0]).toBe('migration sync/010_newest_hlc waits for a lock held by live traffic; retrying');
      const { rows } = await db.query<{ acked_seq: number; newest_hlc: string | null; events: number }>(
        'SELECT acked_seq, newest_hlc, (SELECT count(*)::int FROM sync_events WHERE origin = $1) AS events FROM sync_origins WHERE store_id = $1',
        [store],
      );
      expect(rows).toEqual([{ acked_seq: 1, newest_hlc: null, events: 1 }]);
    });
  },
);
