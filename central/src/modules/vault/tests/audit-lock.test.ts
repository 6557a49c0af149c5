import { randomUUID } from 'node:crypto';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../../../db/db.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { type VaultAudit, verifyAuditChain } from '../audit.js';
import { auditDb, STORE_A } from './audit-support.js';

/**
 * The audit trail's lock is one for the database, held from an append to the commit. Two transactions that each lock
 * a vault row and then append, rows taken in opposite orders, both commit when the append is LAST; the same two with
 * a row locked after the append (what sharing and the trash did before) deadlock, and Postgres kills one. Then how
 * many appends a second 8 writers get (printed for the README, not asserted).
 *
 * Postgres only: PGlite has one connection and runs one transaction at a time, so nothing there waits for a lock
 * another transaction holds (no deadlock, no contention to measure).
 */
const postgres = dbTargets.find((t) => t.name === 'postgres');
const WRITERS = 8;
const APPENDS_PER_WRITER = Number(process.env.VAULT_TEST_AUDIT_APPENDS ?? 150);

/** Resolves once `n` parties have arrived. */
function barrier(n: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    if (++arrived === n) open();
    return opened;
  };
}

describe.skipIf(!postgres)(
  'the audit trail’s lock on Postgres (PGlite: one transaction at a time, nothing to wait for)',
  () => {
    let db: Db;
    let close: () => Promise<void>;
    let audit: VaultAudit;
    const folderA = randomUUID();
    const folderB = randomUUID();
    const lockRow = (tx: Queryable, id: string) =>
      tx.query('SELECT id FROM vault_nodes WHERE id = $1 FOR UPDATE', [id]);
    const line = (nodeId: string) => ({ actor: STORE_A, action: 'VIEW' as const, nodeId });

    beforeAll(async () => {
      ({ db, close, audit } = await auditDb(postgres!));
      for (const [id, name] of [
        [folderA, 'Planograms'],
        [folderB, 'Opening hours'],
      ])
        await db.query(
          `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
         VALUES ($1, 'FOLDER', $2, ARRAY[$2]::uuid[], $3, 'system', now(), now())`,
          [id, VAULT_ROOT_ID, name],
        );
    }, 120_000);
    afterAll(() => close?.());

    it('rows locked first, the append last: two transactions taking the rows in opposite orders both commit', async () => {
      const bothHoldOne = barrier(2);
      const one = db.transaction(async (tx) => {
        await lockRow(tx, folderA);
        await bothHoldOne();
        await lockRow(tx, folderB); // waits for the other to commit
        await audit.append(tx, line(folderB));
      });
      const two = db.transaction(async (tx) => {
        await lockRow(tx, folderB);
        await bothHoldOne();
        await audit.append(tx, line(folderA));
      });
      expect(await Promise.allSettled([one, two])).toEqual([
        { status: 'fulfilled', value: undefined },
        { status: 'fulfilled', value: undefined },
      ]);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });

    it('a row locked after the append deadlocks with a transaction holding that row and appending: one is killed', async () => {
      const bothHoldOne = barrier(2);
      const appended = barrier(2);
      const one = db.transaction(async (tx) => {
        await lockRow(tx, folderA);
        await bothHoldOne();
        await audit.append(tx, line(folderA));
        await appended();
        await lockRow(tx, folderB); // after the append: waits for two, which waits for the trail's lock
      });
      const two = db.transaction(async (tx) => {
        await lockRow(tx, folderB);
        await bothHoldOne();
        await appended();
        await audit.append(tx, line(folderB));
      });
      const results = await Promise.allSettled([one, two]);
      const killed = results.filter((r) => r.status === 'rejected');
      expect(killed).toHaveLength(1);
      expect(String((killed[0] as PromiseRejectedResult).reason)).toMatch(/deadlock/i);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });

    it(`${WRITERS} writers appending at once never fork the chain (appends per second printed)`, async () => {
      const before = (await verifyAuditChain(db)).checked;
      const writer = async (w: number) => {
        for (let i = 0; i < APPENDS_PER_WRITER; i++)
          await db.transaction((tx) => audit.append(tx, { ...line(folderA), detail: { writer: w, i } }));
      };
      // the same writers inserting a row each without the trail (no lock): what this machine commits at all
      await db.query('CREATE TABLE audit_lock_baseline (id bigserial PRIMARY KEY, detail jsonb NOT NULL)');
      const baselineStarted = performance.now();
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < APPENDS_PER_WRITER; i++)
            await db.transaction((tx) =>
              tx.query('INSERT INTO audit_lock_baseline (detail) VALUES ($1::jsonb)', [JSON.stringify({ w, i })]),
            );
        }),
      );
      const baselineSeconds = (performance.now() - baselineStarted) / 1000;
      const started = performance.now();
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      const seconds = (performance.now() - started) / 1000;
      const total = WRITERS * APPENDS_PER_WRITER;
      // batches of 100 lines (a run of store views) from the same writers
      const batchStarted = performance.now();
      await Promise.all(
        Array.from({ length: WRITERS }, (_, w) =>
          (async () => {
            for (let i = 0; i < 10; i++)
              await db.transaction((tx) =>
                audit.appendMany(
                  tx,
                  Array.from({ length: 100 }, (_, k) => ({ ...line(folderB), detail: { writer: w, i, k } })),
                ),
              );
          })(),
        ),
      );
      const batchSeconds = (performance.now() - batchStarted) / 1000;
      console.log(
        `vault audit on Postgres: ${total} single appends by ${WRITERS} writers (a transaction each) in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} appends/s (plain inserts without the lock, same writers: ${Math.round(total / baselineSeconds)}/s); ${WRITERS * 1000} lines in batches of 100 in ${batchSeconds.toFixed(2)} s = ${Math.round((WRITERS * 1000) / batchSeconds)} lines/s`,
      );
      expect(await verifyAuditChain(db)).toEqual({
        ok: true,
        checked: before + total + WRITERS * 1000,
        firstBroken: null,
      });
    }, 120_000);
  },
);
