import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@storefleet/shared';
import type { Db } from '../../../db/db.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { VaultAudit } from '../audit.js';
import { verifyAuditChain } from '../audit.js';
import { canonicalJson, chainHash, GENESIS_HASH } from '../audit-chain.js';
import { ANNA, appendAll, auditDb, BORIS, DAY, DOC, DOC2, STORE_A, tamper } from './audit-support.js';

/**
 * The audit trail as an auditor checks it (issue #22): each line linked to the one before by its hash, from a genesis
 * of zeros; the whole chain re-verified exactly; a line edited, removed, inserted or rewritten with a fresh hash found
 * at the line where it happened; the table refusing UPDATE, DELETE and TRUNCATE from the hub's own connection; many
 * transactions appending at once never forking the chain or sharing a seq; a listing newest first, filtered and paged.
 */
describe.each(dbTargets)('the vault audit chain on $name', (target) => {
  let db: Db;
  let close: () => Promise<void>;
  let audit: VaultAudit;
  let clock: { ms: number };

  // one database for the file (a fresh one costs seconds): each test starts from an empty trail
  beforeAll(async () => {
    ({ db, close, audit, clock } = await auditDb(target));
  }, 120_000);
  afterAll(() => close());
  beforeEach(() => tamper(db, 'DELETE FROM vault_audit'));

  const rows = async () =>
    (
      await db.query<{ seq: number; actor: string; prev_hash: string; hash: string }>(
        'SELECT seq, actor, prev_hash, hash FROM vault_audit ORDER BY seq',
      )
    ).rows;

  it('links each line to the one before from a genesis of zeros, and the whole chain verifies', async () => {
    for (const line of DAY) {
      clock.ms += 60_000;
      await db.transaction((tx) => audit.append(tx, line));
    }
    const stored = await rows();
    expect(stored.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5]);
    expect(stored[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.prev_hash).toBe(stored[i - 1]!.hash);
    // the hash is sha256(prev ‖ canonical JSON of the fields): recomputed here from what the listing shows
    const listed = (await audit.list(db, { limit: 10 })).items;
    expect(listed.map((l) => l.action)).toEqual(['DELETE', 'DOWNLOAD', 'SHARE', 'VIEW', 'UPLOAD']);
    const upload = listed.at(-1)!;
    expect(upload).toMatchObject({ seq: 1, actor: ANNA, nodeId: DOC, origin: '10.0.0.7', at: clock.ms - 4 * 60_000 });
    expect(upload.hash).toBe(
      chainHash(GENESIS_HASH, {
        seq: 1,
        at: upload.at,
        actor: ANNA,
        action: 'UPLOAD',
        nodeId: DOC,
        versionId: upload.versionId,
        detail: { size: 1234, name: 'Opening hours.pdf' }, // key order does not matter
        origin: '10.0.0.7',
      }),
    );
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 5, firstBroken: null });
  });

  it('finds an edited line at that line, even with the triggers switched off by a superuser', async () => {
    await appendAll(db, audit, DAY);
    await tamper(db, `UPDATE vault_audit SET actor = $1 WHERE seq = 3`, [BORIS]);
    expect(await verifyAuditChain(db)).toEqual({
      ok: false,
      checked: 2,
      firstBroken: { seq: 3, reason: 'line 3 was changed after it was written: its fields no longer give its hash' },
    });
    // put back as it was: whole again (the check reads the fields, nothing else)
    await tamper(db, `UPDATE vault_audit SET actor = $1 WHERE seq = 3`, [ANNA]);
    expect((await verifyAuditChain(db)).ok).toBe(true);
    // the detail, a time moved by less than a millisecond, and an origin: each one an edit
    for (const edit of [
      `UPDATE vault_audit SET detail = '{"name": "Old planogram.png", "items": [1, 2.5, "y"]}' WHERE seq = 5`,
      `UPDATE vault_audit SET at = at + interval '1 microsecond' WHERE seq = 5`,
      `UPDATE vault_audit SET origin = '10.9.9.9' WHERE seq = 5`,
    ]) {
      const before = (
        await db.query<{ detail: unknown; at: Date; origin: string }>(
          'SELECT detail, at, origin FROM vault_audit WHERE seq = 5',
        )
      ).rows[0]!;
      await tamper(db, edit);
      expect((await verifyAuditChain(db)).firstBroken?.seq).toBe(5);
      await tamper(db, 'UPDATE vault_audit SET detail = $1::jsonb, at = $2, origin = $3 WHERE seq = 5', [
        JSON.stringify(before.detail),
        before.at,
        before.origin,
      ]);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    }
  });

  it('finds a removed line, a forged line, and a line rewritten with a fresh hash', async () => {
    await appendAll(db, audit, DAY);
    const original = await rows();

    await tamper(db, 'DELETE FROM vault_audit WHERE seq = 3');
    expect(await verifyAuditChain(db)).toEqual({
      ok: false,
      checked: 2,
      firstBroken: {
        seq: 3,
        reason: 'line 3 is missing: the trail jumps from line 2 to line 4 (lines were removed)',
      },
    });

    // a forger puts a line 3 back with the right seq and a hash of its own: its link gives it away
    const forged = {
      seq: 3,
      at: clock.ms,
      actor: ANNA,
      action: 'VIEW',
      nodeId: DOC,
      versionId: null,
      detail: {},
      origin: null,
    };
    const fakePrev = 'f'.repeat(64);
    await tamper(
      db,
      `INSERT INTO vault_audit (seq, at, actor, action, node_id, detail, prev_hash, hash)
       VALUES (3, now(), $1, 'VIEW', $2, '{}', $3, $4)`,
      [ANNA, DOC, fakePrev, chainHash(fakePrev, forged)],
    );
    expect((await verifyAuditChain(db)).firstBroken).toEqual({
      seq: 3,
      reason:
        "line 3 does not follow line 2: its link is not that line's hash (a line was removed, inserted or rewritten before it)",
    });

    // line 1 removed: the trail no longer starts at 1
    await tamper(db, 'DELETE FROM vault_audit WHERE seq IN (1, 3)');
    expect((await verifyAuditChain(db)).firstBroken).toEqual({
      seq: 1,
      reason: 'line 1 is missing: the trail starts at line 2 (lines were removed)',
    });
    expect(original.length).toBe(5);
  });

  it('shows a line rewritten with its hash recomputed at the line after it', async () => {
    await appendAll(db, audit, DAY);
    const row2 = (await audit.list(db, { limit: 1, before: 3 })).items[0]!;
    const rewritten = { ...row2, actor: STORE_A };
    await tamper(db, 'UPDATE vault_audit SET actor = $1, hash = $2 WHERE seq = 2', [
      STORE_A,
      chainHash(row2.prevHash, rewritten),
    ]);
    expect((await verifyAuditChain(db)).firstBroken?.seq).toBe(3);
  });

  it('refuses UPDATE, DELETE and TRUNCATE from the hub’s own connection, superuser or not', async () => {
    await appendAll(db, audit, DAY);
    const before = await rows();
    for (const sql of [
      `UPDATE vault_audit SET actor = 'user:someone-else' WHERE seq = 2`,
      'DELETE FROM vault_audit WHERE seq = 5',
      'TRUNCATE vault_audit',
    ])
      await expect(db.query(sql)).rejects.toThrow(/vault_audit is append-only/);
    expect(await rows()).toEqual(before);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('refuses a detail over 4 KB with a 422 and writes nothing; keeps odd text storable', async () => {
    const err = await db
      .transaction((tx) => audit.append(tx, { actor: ANNA, action: 'UPLOAD', detail: { name: 'x'.repeat(5000) } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(422);
    expect((err as Error).message).toMatch(/^the audit line's detail is 50\d\d bytes; at most 4096/);
    expect(await rows()).toEqual([]);
    // NUL, a lone surrogate, keys in any order, an undefined member: stored, and the chain still verifies exactly
    await appendAll(db, audit, [
      {
        actor: ANNA,
        action: 'RENAME',
        nodeId: DOC,
        detail: { to: 'bad\u0000name\ud800.txt', from: 'ok.txt', none: undefined, n: 1e21, big: 2 ** 60, f: 0.1 + 0.2 },
        origin: 'x'.repeat(500),
      },
    ]);
    const line = (await audit.list(db, { limit: 1 })).items[0]!;
    expect(line.detail).toEqual({ to: 'badname\ufffd.txt', from: 'ok.txt', n: 1e21, big: 2 ** 60, f: 0.1 + 0.2 });
    expect(line.origin).toHaveLength(200);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 1 });
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });

  it('never forks or reuses a seq when many transactions append at once', async () => {
    const writers = 8;
    const each = 15;
    await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        (async () => {
          for (let i = 0; i < each; i++)
            await db.transaction(async (tx) => {
              // some work before the line, as a request does, so transactions overlap
              await tx.query('SELECT pg_sleep(0.001)');
              await audit.append(tx, { actor: `user:writer-${w}`, action: 'VIEW', nodeId: DOC, detail: { i } });
            });
        })(),
      ),
    );
    const stored = await rows();
    expect(stored.map((r) => Number(r.seq))).toEqual(Array.from({ length: writers * each }, (_, i) => i + 1));
    expect(new Set(stored.map((r) => r.prev_hash)).size).toBe(writers * each);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: writers * each, firstBroken: null });
  });

  it('verifies in bounded batches, telling its progress', async () => {
    await appendAll(
      db,
      audit,
      Array.from({ length: 25 }, (_, i) => ({ actor: ANNA, action: 'VIEW' as const, nodeId: DOC, detail: { i } })),
    );
    const progress: [number, number][] = [];
    const verdict = await verifyAuditChain(db, (checked, total) => progress.push([checked, total]), 10);
    expect(verdict).toEqual({ ok: true, checked: 25, firstBroken: null });
    expect(progress).toEqual([
      [10, 25],
      [20, 25],
      [25, 25],
    ]);
    expect(await verifyAuditChain(db)).toEqual(verdict);
  });

  it('lists newest first, filtered by document, person and action, every line once across pages', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => ({
      actor: i % 3 ? ANNA : BORIS,
      action: (i % 2 ? 'VIEW' : 'DOWNLOAD') as 'VIEW' | 'DOWNLOAD',
      nodeId: i % 4 ? DOC : DOC2,
      detail: { i },
    }));
    await appendAll(db, audit, lines);
    const pageAll = async (filter: { nodeId?: string; actor?: string; action?: string }) => {
      const seen: number[] = [];
      let before: number | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const page = await audit.list(db, { ...filter, before, limit: 7 });
        seen.push(...page.items.map((l) => l.seq));
        if (page.next === null) return seen;
        before = page.next;
      }
      throw new Error('the pages never ended');
    };
    const expected = (keep: (l: (typeof lines)[number]) => boolean) =>
      lines.flatMap((l, i) => (keep(l) ? [i + 1] : [])).reverse();
    expect(await pageAll({})).toEqual(expected(() => true));
    expect(await pageAll({ actor: BORIS })).toEqual(expected((l) => l.actor === BORIS));
    expect(await pageAll({ nodeId: DOC2, action: 'DOWNLOAD' })).toEqual(
      expected((l) => l.nodeId === DOC2 && l.action === 'DOWNLOAD'),
    );
    expect(await pageAll({ actor: 'user:nobody' })).toEqual([]);
  });
});
