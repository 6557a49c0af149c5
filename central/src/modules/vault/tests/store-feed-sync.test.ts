import { randomUUID } from 'node:crypto';
import { vaultDocRemovedSchema, vaultDocSchema } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { VaultParts } from '../index.js';
import { VaultRows, vaultFeed, vaultTestHub } from './store-feed-fixture.js';

/**
 * The hub's half of the vault's store feed: what each store is sent when documents, versions, folders and grants
 * change — to the stores that may read them and no others, once per change, and `vault.doc-removed` when a store may
 * no longer read one. Rows are written with SQL (as the other lanes' routes leave them) and told to the feed.
 */
describe.each(dbTargets)('vault store feed ($name)', (target) => {
  let t: TestHub;
  let ctx: HubContext;
  let parts: VaultParts;
  let rows: VaultRows;
  let storeA: string;
  let storeB: string;

  const store = async (code: string) => {
    const id = randomUUID();
    await ctx.db.query(
      `INSERT INTO locations (id, code, name, kind, lat, lon, created_at, updated_at)
       VALUES ($1, $2, $3, 'STORE', 40, -74, 0, 0)`,
      [id, code, `Store ${code}`],
    );
    return id;
  };
  /** What the store's feed got since `since` (vault entries only). */
  const got = async (storeId: string, since = 0) => (await vaultFeed(ctx.db, storeId)).filter((e) => e.seq > since);
  const head = async (storeId: string) => (await vaultFeed(ctx.db, storeId)).at(-1)?.seq ?? 0;

  beforeAll(async () => {
    ({ t, ctx, parts } = await vaultTestHub(target));
    rows = new VaultRows(ctx, parts);
    storeA = await store('VA');
    storeB = await store('VB');
    await parts.storeFeed.syncNow(); // both have their (empty) lists
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('a folder shared with store A: its documents reach A with their path, not B; a pending scan waits', async () => {
    const sops = await rows.folder('SOPs');
    const opening = await rows.folder('Opening', sops);
    const doc = await rows.document('Till float.txt', opening, { tags: ['cash'], offline: true });
    const pending = await rows.document('Draft.txt', opening, { scan: 'PENDING' });
    await rows.grant(sops, `store:${storeA}`);
    await parts.storeFeed.syncNow();

    const a = await got(storeA);
    expect(a.map((e) => [e.type, e.payload.documentId])).toEqual([['vault.doc', doc.id]]);
    const sent = vaultDocSchema.parse(a[0]!.payload);
    expect(sent).toMatchObject({
      name: 'Till float.txt',
      path: ['SOPs', 'Opening'],
      tags: ['cash'],
      versionId: doc.versionId,
      versionNo: 1,
      sha256: 'a'.repeat(64),
      offline: true,
    });
    expect(await got(storeB)).toEqual([]);

    // the scan ends clean: now it goes
    const before = await head(storeA);
    await rows.scanned(
      (
        await ctx.db.query<{ id: string }>('SELECT current_version_id AS id FROM vault_nodes WHERE id = $1', [
          pending.id,
        ])
      ).rows[0]!.id,
      'CLEAN',
    );
    await parts.storeFeed.syncNow();
    expect((await got(storeA, before)).map((e) => [e.type, e.payload.name])).toEqual([['vault.doc', 'Draft.txt']]);

    // nothing changed: nothing sent again
    const quiet = await head(storeA);
    await rows.grant(sops, `store:${storeA}`, 2); // a higher level changes nothing a store reads
    await parts.storeFeed.syncNow();
    expect(await got(storeA, quiet)).toEqual([]);
  });

  it('a new version, a renamed folder, a revoke, a quarantine and the trash each reach the store once', async () => {
    const hr = await rows.folder('HR forms');
    const form = await rows.document('Leave request.txt', hr);
    const other = await rows.document('Timesheet.txt', hr);
    const third = await rows.document('Overtime.txt', hr);
    await rows.grant(hr, `store:${storeA}`);
    await parts.storeFeed.syncNow();
    const firstSeq = (await got(storeA)).find((e) => e.payload.documentId === form.id)!.payload.changeSeq as number;

    let mark = await head(storeA);
    const v2 = await rows.newVersion(form.id);
    await parts.storeFeed.syncNow();
    let fresh = await got(storeA, mark);
    expect(fresh.map((e) => [e.type, e.payload.documentId, e.payload.versionId])).toEqual([['vault.doc', form.id, v2]]);
    expect(fresh[0]!.payload.changeSeq as number).toBeGreaterThan(firstSeq);

    // a folder above renamed: every document under it is sent with its new path
    mark = await head(storeA);
    await rows.rename(hr, 'People forms');
    await parts.storeFeed.syncNow();
    fresh = await got(storeA, mark);
    expect(fresh.map((e) => e.payload.documentId).sort()).toEqual([form.id, other.id, third.id].sort());
    expect(new Set(fresh.map((e) => JSON.stringify(e.payload.path)))).toEqual(new Set(['["People forms"]']));

    // a new version found infected: removed as quarantined
    mark = await head(storeA);
    await rows.newVersion(other.id, 'INFECTED');
    await parts.storeFeed.syncNow();
    fresh = await got(storeA, mark);
    expect(fresh.map((e) => vaultDocRemovedSchema.parse(e.payload))).toEqual([
      { documentId: other.id, changeSeq: expect.any(Number), reason: 'QUARANTINED' },
    ]);

    // one document to the trash: removed as deleted
    mark = await head(storeA);
    await rows.trash(third.id);
    await parts.storeFeed.syncNow();
    fresh = await got(storeA, mark);
    expect(fresh.map((e) => [e.type, e.payload.documentId, e.payload.reason])).toEqual([
      ['vault.doc-removed', third.id, 'DELETED'],
    ]);

    // the grant revoked: what is left goes as revoked, B never heard of any of it
    mark = await head(storeA);
    await rows.revoke(hr, `store:${storeA}`);
    await parts.storeFeed.syncNow();
    fresh = await got(storeA, mark);
    expect(fresh.map((e) => [e.type, e.payload.documentId, e.payload.reason])).toEqual([
      ['vault.doc-removed', form.id, 'REVOKED'],
    ]);
    const b = await got(storeB);
    expect(b.filter((e) => [form.id, other.id, third.id].includes(e.payload.documentId as string))).toEqual([]);
  });

  it('shared with everyone: every store of a fleet bigger than a batch gets it once, and a store added later too', async () => {
    const fleet = [];
    for (let i = 0; i < 230; i++) fleet.push(await store(`VF${i}`));
    await parts.storeFeed.syncNow(); // their (empty) lists
    const notices = await rows.folder('Notices');
    const memo = await rows.document('Memo.txt', notices);
    await rows.grant(notices, 'everyone');
    await parts.storeFeed.syncNow();
    const { rows: counts } = await ctx.db.query<{ store_id: string; n: number }>(
      `SELECT store_id, count(*)::int AS n FROM sync_feed WHERE type = 'vault.doc' AND payload->>'documentId' = $1
       GROUP BY store_id`,
      [memo.id],
    );
    const byStore = new Map(counts.map((c) => [c.store_id, c.n]));
    for (const s of [storeA, storeB, ...fleet]) expect(byStore.get(s), s).toBe(1);

    const late = await store('VLATE');
    const report = await parts.storeFeed.syncNow();
    expect(report.newStores).toBe(1);
    expect((await got(late)).map((e) => e.payload.documentId)).toContain(memo.id);
    // the late store gets what it may read, not store A's own documents
    const aOnly = (await got(storeA)).filter((e) => e.type === 'vault.doc').map((e) => e.payload.documentId);
    const lateDocs = (await got(late)).map((e) => e.payload.documentId);
    expect(lateDocs.filter((d) => d !== memo.id && aOnly.includes(d))).toEqual([]);
  }, 60_000);

  it('a change is sent by the job without anyone asking (changed → after commit → vault.store-sync)', async () => {
    const folder = await rows.folder('Planograms');
    const doc = await rows.document('Aisle 4.txt', folder);
    const mark = await head(storeB);
    await rows.grant(folder, `store:${storeB}`);
    const deadline = Date.now() + 20_000;
    let fresh: Awaited<ReturnType<typeof got>> = [];
    while (Date.now() < deadline) {
      fresh = await got(storeB, mark);
      if (fresh.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(fresh.map((e) => e.payload.documentId)).toEqual([doc.id]);
  });
});
