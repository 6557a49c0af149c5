import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { VaultParts } from '../index.js';
import { VAULT_STORE_SYNC_JOB } from '../store-feed.js';
import { VaultRows, vaultTestHub } from './store-feed-fixture.js';

/** Fleet size and folder size: small by default; `VAULT_TEST_STORES=5000` for the fleet (and a longer timeout). */
const STORES = Number(process.env.VAULT_TEST_STORES ?? 200);
const DOCS = Number(process.env.VAULT_TEST_DOCS ?? 20);
/** About 60 s at the default size on a loaded machine; bigger runs get proportionally more. */
const TIMEOUT_MS = Math.max(60_000, Math.ceil((STORES * DOCS) / 4_000) * 60_000);

/**
 * A folder shared with everyone reaches every store of a fleet (issue #22: 5,000 stores), in batches: each store gets
 * each document exactly once; revoking it sends each store one removal per document; a run after that sends nothing.
 * The time each pass took is printed (no timing is asserted).
 */
describe.each(dbTargets)('vault store feed at fleet size ($name)', (target) => {
  let t: TestHub;
  let ctx: HubContext;
  let parts: VaultParts;
  let rows: VaultRows;

  beforeAll(async () => {
    ({ t, ctx, parts } = await vaultTestHub(target));
    // syncNow below is the only sender: no job run on a change, the periodic sweep a day away — so what it reports
    // sending can be counted exactly
    await parts.storeFeed.stop();
    await ctx.db.query('UPDATE job_schedules SET next_run_at = $2 WHERE name = $1', [
      VAULT_STORE_SYNC_JOB,
      Date.now() + 86_400_000,
    ]);
    rows = new VaultRows(ctx, parts);
    await ctx.db.query(
      `INSERT INTO locations (id, code, name, kind, lat, lon, created_at, updated_at)
       SELECT gen_random_uuid(), 'VS' || i, 'Store ' || i, 'STORE', 40, -74, 0, 0 FROM generate_series(1, $1) i`,
      [STORES],
    );
    await parts.storeFeed.syncNow(); // every store's (empty) list
  }, TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
  });

  /** Of the feed's `type` entries for `documents`: the stores reached, the entries, the distinct (store, document). */
  const counts = async (type: string, documents: readonly string[]) => {
    const { rows: r } = await ctx.db.query<{ stores: number; entries: number; pairs: number }>(
      `SELECT count(DISTINCT store_id)::int AS stores, count(*)::int AS entries,
              count(DISTINCT (store_id::text, payload->>'documentId'))::int AS pairs
       FROM sync_feed WHERE type = $1 AND payload->>'documentId' = ANY($2::text[])`,
      [type, documents],
    );
    return r[0]!;
  };
  const exactlyOnce = { stores: STORES, entries: STORES * DOCS, pairs: STORES * DOCS };

  it(
    `${DOCS} documents shared with everyone reach ${STORES} stores once each; the revoke removes them once`,
    async () => {
      const folder = await rows.folder('Everyone');
      const docs: string[] = [];
      for (let i = 0; i < DOCS; i++) docs.push((await rows.document(`Notice ${i}.txt`, folder)).id);
      let began = performance.now();
      await rows.grant(folder, 'everyone');
      const shared = await parts.storeFeed.syncNow();
      const shareMs = performance.now() - began;
      expect(shared).toMatchObject({ docs: STORES * DOCS, removed: 0 });
      // every store got every document, each once
      expect(await counts('vault.doc', docs)).toEqual(exactlyOnce);

      began = performance.now();
      await rows.revoke(folder, 'everyone');
      const revoked = await parts.storeFeed.syncNow();
      const revokeMs = performance.now() - began;
      expect(revoked).toMatchObject({ docs: 0, removed: STORES * DOCS });
      expect(await counts('vault.doc-removed', docs)).toEqual(exactlyOnce);
      expect(await counts('vault.doc', docs)).toEqual(exactlyOnce); // nothing sent again
      expect(await parts.storeFeed.syncNow()).toEqual({ documents: 0, docs: 0, removed: 0, newStores: 0 });
      console.log(
        `vault store feed (${target.name}): ${DOCS} documents × ${STORES} stores shared in ${Math.round(shareMs)} ms, ` +
          `revoked in ${Math.round(revokeMs)} ms (${Math.round((STORES * DOCS) / (shareMs / 1000))} entries/s)`,
      );
    },
    TIMEOUT_MS,
  );
});
