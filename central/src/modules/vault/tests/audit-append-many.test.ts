import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@storefleet/shared';
import type { Db } from '../../../db/db.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { MAX_AUDIT_DETAIL_BYTES, type VaultAudit, verifyAuditChain } from '../audit.js';
import { ANNA, auditDb, BORIS, DAY, DOC, STORE_A, tamper } from './audit-support.js';

/**
 * Several lines of one transaction in one `appendMany`: one take of the trail's lock, one insert; the lines follow the
 * trail's last one with consecutive seqs, each linked to the one before, and the chain verifies. A line refused (its
 * detail too big) refuses the batch: nothing is written.
 */
describe.each(dbTargets)('appending a batch of audit lines on $name', (target) => {
  let db: Db;
  let close: () => Promise<void>;
  let audit: VaultAudit;

  beforeAll(async () => {
    ({ db, close, audit } = await auditDb(target));
  }, 120_000);
  afterAll(() => close());
  beforeEach(() => tamper(db, 'DELETE FROM vault_audit'));

  it('the lines follow the last one with consecutive seqs, each linked to the one before, as written', async () => {
    await db.transaction((tx) => audit.append(tx, DAY[0]!));
    const written = await db.transaction((tx) => audit.appendMany(tx, DAY.slice(1)));
    expect(written.map((l) => l.seq)).toEqual([2, 3, 4, 5]);
    const items = (await audit.list(db, { limit: 10 })).items.reverse();
    // what appendMany answered is what was stored
    expect(items.slice(1)).toEqual(written);
    expect(items.slice(1).map((l, i) => l.prevHash === items[i]!.hash)).toEqual([true, true, true, true]);
    expect(items.map((l) => l.actor)).toEqual([ANNA, BORIS, ANNA, STORE_A, BORIS]);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 5, firstBroken: null });
    // and a single append after the batch carries on from it
    await db.transaction((tx) => audit.append(tx, { actor: BORIS, action: 'VIEW', nodeId: DOC }));
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 6, firstBroken: null });
  });

  it('takes the lock once and inserts once, however many lines', async () => {
    const statements: string[] = [];
    await db.transaction((tx) =>
      audit.appendMany(
        {
          ...tx,
          query: (sql, params) => {
            statements.push(sql.trim().split(/\s+/).slice(0, 2).join(' '));
            return tx.query(sql, params);
          },
        },
        Array.from({ length: 300 }, (_, i) => ({
          actor: STORE_A,
          action: 'VIEW' as const,
          nodeId: DOC,
          detail: { i },
        })),
      ),
    );
    expect(statements).toEqual(["SELECT pg_advisory_xact_lock(hashtext('vault_audit'))", 'SELECT seq,', 'INSERT INTO']);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 300, firstBroken: null });
  });

  it('one line refused refuses the batch: nothing written; no lines, nothing done', async () => {
    const big = { actor: ANNA, action: 'UPLOAD' as const, detail: { note: 'x'.repeat(MAX_AUDIT_DETAIL_BYTES + 1) } };
    const refused = await db.transaction((tx) => audit.appendMany(tx, [DAY[0]!, big])).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(422);
    expect(await db.transaction((tx) => audit.appendMany(tx, []))).toEqual([]);
    expect((await audit.list(db, { limit: 5 })).items).toEqual([]);
  });
});
