import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import type { AppliedEvent } from '../../../kernel/event-handlers.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { VaultParts } from '../index.js';
import { verifyAuditChain } from '../audit.js';
import { vaultViewedHandler } from '../viewed-handler.js';
import { vaultTestHub } from './store-feed-fixture.js';

/**
 * `vault.viewed` from a store becomes one audit VIEW line: by `store:<id>`, from the device, with whether it was read
 * offline; a resent view counts once; a malformed one is refused alone (its neighbours are audited).
 */
describe.each(dbTargets)('vault.viewed at the hub ($name)', (target) => {
  let t: TestHub;
  let ctx: HubContext;
  let parts: VaultParts;
  const storeId = randomUUID();
  let seq = 0;

  const event = (payload: unknown, origin = storeId): AppliedEvent => ({
    origin,
    seq: ++seq,
    hlc: `${Date.now()}-0-${origin}`,
    type: 'vault.viewed',
    payload,
  });
  const view = (over: Record<string, unknown> = {}) => ({
    viewId: randomUUID(),
    documentId: randomUUID(),
    versionId: randomUUID(),
    device: 'Handheld 3',
    offline: false,
    at: 1_760_000_000_000,
    ...over,
  });
  /** The audit trail's VIEW lines of a document, oldest first. */
  const views = async (documentId: string) =>
    (await parts.audit.list(ctx.db, { nodeId: documentId, action: 'VIEW', limit: 50 })).items.reverse();
  const apply = (events: AppliedEvent[]) => ctx.db.transaction((tx) => vaultViewedHandler(parts, ctx)(tx, events));

  beforeAll(async () => {
    ({ t, ctx, parts } = await vaultTestHub(target));
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('a view at the store is an audit VIEW by the store, from its device, offline or not', async () => {
    const v = view({ offline: true });
    expect(await apply([event(v)])).toBeUndefined();
    const lines = await views(v.documentId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      actor: `store:${storeId}`,
      action: 'VIEW',
      nodeId: v.documentId,
      versionId: v.versionId,
      origin: 'Handheld 3',
      detail: { offline: true, viewId: v.viewId, viewedAt: v.at },
    });
  });

  it('a view sent again (the store was not sure the hub took it) counts once; another store’s same id is its own', async () => {
    const v = view();
    await apply([event(v), event(v)]);
    await apply([event(v)]);
    expect(await views(v.documentId)).toHaveLength(1);
    const other = randomUUID();
    await apply([event(v, other)]);
    expect((await views(v.documentId)).map((l) => l.actor)).toEqual([`store:${storeId}`, `store:${other}`]);
  });

  it('a malformed view is refused alone, with the reason; its neighbours are audited', async () => {
    const good = view();
    const badPayload = { ...view(), documentId: '../../etc/passwd' };
    const extraPayload = { ...view(), secret: 'x' };
    const bad = event(badPayload);
    const extra = event(extraPayload);
    const result = await apply([event(good), bad, extra]);
    expect(result?.rejected?.map((r) => r.seq)).toEqual([bad.seq, extra.seq]);
    expect(result?.rejected?.[0]?.reason).toMatch(/documentId/);
    expect(await views(good.documentId)).toHaveLength(1);
    expect(await views(extraPayload.documentId)).toEqual([]);
  });
  it('a run of 500 views is 500 lines with consecutive seqs from one take of the trail’s lock; the chain verifies', async () => {
    const documentId = randomUUID();
    const run = Array.from({ length: 500 }, () => event(view({ documentId })));
    let locks = 0;
    await ctx.db.transaction((tx) =>
      vaultViewedHandler(parts, ctx)(
        {
          ...tx,
          query: (sql, params) => {
            if (sql.includes('pg_advisory_xact_lock')) locks++;
            return tx.query(sql, params);
          },
        },
        run,
      ),
    );
    expect(locks).toBe(1);
    const lines = (await parts.audit.list(ctx.db, { nodeId: documentId, action: 'VIEW', limit: 500 })).items.reverse();
    expect(lines.map((l) => l.detail.viewId)).toEqual(run.map((e) => (e.payload as { viewId: string }).viewId));
    expect(lines.map((l) => l.seq - lines[0]!.seq)).toEqual(run.map((_, i) => i));
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });
});
