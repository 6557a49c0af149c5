import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { Principal } from '../../../kernel/principal.js';
import { VaultAudit, verifyAuditChain } from '../audit.js';
import type { VaultParts } from '../index.js';
import type { VaultCaller } from '../types.js';
import { vaultViewedHandler } from '../viewed-handler.js';
import { VaultRows, vaultTestHub } from './store-feed-fixture.js';

/**
 * Every vault write and view waits for the audit trail's lock, held from the append to the commit: so each audited
 * change appends LAST. With the check on ('throw'), a statement run on a transaction after its append fails the
 * transaction; sharing, groups, the trash (delete, restore, empty now, the sweep) and store views all go through.
 */
describe.each(dbTargets)('the audit line is the last statement of each vault change ($name)', (target) => {
  let t: TestHub;
  let ctx: HubContext;
  let parts: VaultParts;
  let rows: VaultRows;
  const hq: Principal = { kind: 'user', userId: randomUUID() as never, role: 'ADMIN', storeId: null };
  const caller: VaultCaller = { principal: hq, origin: '10.0.0.9' };
  const actions = async (nodeId: string) =>
    (await parts.audit.list(ctx.db, { nodeId, limit: 50 })).items.map((l) => l.action).reverse();

  beforeAll(async () => {
    ({ t, ctx, parts } = await vaultTestHub(target));
    rows = new VaultRows(ctx, parts);
    VaultAudit.appendLastCheck = 'throw';
  }, 60_000);
  afterAll(async () => {
    VaultAudit.appendLastCheck = 'off';
    await t?.stop();
  });

  it('the check catches a statement after the append (the transaction is rolled back, no line)', async () => {
    const nodeId = randomUUID();
    await expect(
      ctx.db.transaction(async (tx) => {
        await parts.audit.append(tx, { actor: 'system', action: 'VIEW', nodeId });
        await tx.query('SELECT 1');
      }),
    ).rejects.toThrow(/after the vault audit line was appended.*append last \(SELECT 1\)/);
    expect(await actions(nodeId)).toEqual([]);
    // savepoints (a sync apply's frame) and a second append in the same transaction are not work after it
    await ctx.db.transaction(async (tx) => {
      await tx.query('SAVEPOINT s');
      await parts.audit.append(tx, { actor: 'system', action: 'VIEW', nodeId });
      await tx.query('RELEASE SAVEPOINT s');
      await parts.audit.append(tx, { actor: 'system', action: 'DOWNLOAD', nodeId });
    });
    expect(await actions(nodeId)).toEqual(['VIEW', 'DOWNLOAD']);
  });

  it('a grant and a revoke tell the stores before their line', async () => {
    const folder = await rows.folder(`Shared ${randomUUID()}`);
    await ctx.db.transaction((tx) => parts.acl.grant(tx, caller, folder, 'role:MANAGER', 'READ'));
    await ctx.db.transaction((tx) => parts.acl.revoke(tx, caller, folder, 'role:MANAGER'));
    expect(await actions(folder)).toEqual(['SHARE', 'REVOKE']);
    const { rows: dirty } = await ctx.db.query('SELECT 1 FROM vault_store_dirty WHERE node_id = $1', [folder]);
    expect(dirty.length).toBeGreaterThan(0);
  });

  it('a group made and removed (with its grants) is audited last', async () => {
    const folder = await rows.folder(`Group ${randomUUID()}`);
    const group = await ctx.db.transaction((tx) => parts.acl.createGroup(tx, caller, `Planners ${randomUUID()}`));
    expect(group.members).toEqual([]);
    await ctx.db.transaction((tx) => parts.acl.grant(tx, caller, folder, `group:${group.id}`, 'READ'));
    await ctx.db.transaction((tx) => parts.acl.deleteGroup(tx, caller, group.id));
    const lines = (await parts.audit.list(ctx.db, { action: 'GROUP_CHANGE', limit: 10 })).items;
    expect(lines.filter((l) => l.detail.group === group.id).map((l) => l.detail.change)).toEqual(['DELETE', 'CREATE']);
  });

  it('delete, restore, empty now and the sweep: each line last, the chain whole', async () => {
    const folder = await rows.folder(`Trash ${randomUUID()}`);
    const doc = await rows.document('Planogram.pdf', folder);
    const trashed = await parts.documents.trash.remove(caller, doc.id);
    expect(trashed.state).toBe('TRASHED');
    const restored = await parts.documents.trash.restore(caller, doc.id);
    expect(restored).toMatchObject({ state: 'ACTIVE', level: 5 });
    await parts.documents.trash.remove(caller, doc.id);
    await parts.documents.trash.purgeNow(caller, doc.id);
    expect(await actions(doc.id)).toEqual(['DELETE', 'RESTORE', 'DELETE', 'PURGE']);

    // two roots older than the trash keeps them: one sweep transaction, both lines at its end
    const old = [await rows.document('Old 1.pdf', folder), await rows.document('Old 2.pdf', folder)];
    for (const d of old) await parts.documents.trash.remove(caller, d.id);
    await ctx.db.query(
      "UPDATE vault_nodes SET trashed_at = trashed_at - interval '400 days' WHERE id = ANY($1::uuid[])",
      [old.map((d) => d.id)],
    );
    expect(await parts.documents.trash.sweep()).toBeGreaterThanOrEqual(2);
    for (const d of old) expect(await actions(d.id)).toEqual(['DELETE', 'PURGE']);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });

  it('a run of store views inside the apply transaction’s savepoint', async () => {
    const storeId = randomUUID();
    const documentId = randomUUID();
    await ctx.db.transaction(async (tx) => {
      await tx.query('SAVEPOINT apply_run');
      const result = await vaultViewedHandler(parts, ctx)(
        tx,
        [1, 2].map((seq) => ({
          origin: storeId,
          seq,
          hlc: `${seq}`,
          type: 'vault.viewed',
          payload: {
            viewId: randomUUID(),
            documentId,
            versionId: randomUUID(),
            device: 'Till 1',
            offline: false,
            at: 1_760_000_000_000,
          },
        })),
      );
      await tx.query('RELEASE SAVEPOINT apply_run');
      expect(result).toBeUndefined();
    });
    expect(await actions(documentId)).toEqual(['VIEW', 'VIEW']);
  });
});
