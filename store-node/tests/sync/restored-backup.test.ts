import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { sellTestSales as sell } from '../support/test-sales.js';

/**
 * A store's SQLite file restored from a backup taken at several points, with the hub's ledger checked against the
 * sales that really happened: each sale counted once (the ledger's running total would show a double), later sales
 * still arriving, and the store's status settled with nothing pending and no error. The backup is a copy of the file
 * while the node is stopped (its WAL checkpointed), as a nightly backup of a closed till would be.
 *
 * Quantities tell the phases apart: 1 acknowledged before the backup, 2 unsent in the backup, 3 sold by the live file
 * after it, 5 sold by the restored file before it reconnects, 100 a sale once everything settled.
 */
describe.each(dbTargets)('a store file restored from a backup counts each sale once, on $name', (target) => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(target);
  });
  afterAll(() => f?.stop());

  const fileOf = (code: string) => join(f.dir, `${code}.sqlite`);
  const backUp = (code: string) => copyFileSync(fileOf(code), `${fileOf(code)}.bak`);
  const restore = (code: string) => copyFileSync(`${fileOf(code)}.bak`, fileOf(code));
  const hubAcked = async (storeId: string) =>
    Number(
      (await f.hub.db.query<{ acked_seq: number }>('SELECT acked_seq FROM sync_origins WHERE store_id = $1', [storeId]))
        .rows[0]?.acked_seq ?? 0,
    );

  /**
   * 20 sales acknowledged, then `unsent` more sold while the hub is unreachable, of which the hub may have applied
   * the first `hubApplied` (the batch reached it, its ack never reached the file); then the backup is taken.
   */
  async function takeBackup(code: string, unsent: number, hubApplied = 0): Promise<string> {
    const acked = await f.store(code);
    const storeId = f.credentials.get(code)!.storeId;
    sell(acked, 20, 1);
    await waitFor('the first 20 acknowledged', () => acked.sync.status().pendingUp === 0);
    await acked.stop();
    const offline = await f.store(code, {}, false);
    sell(offline, unsent, 2);
    if (hubApplied)
      await f.hub.sync.repo.applyBatch(
        storeId,
        offline.sync.storage.readBatch(21, hubApplied, 1_000_000),
        unsent - hubApplied,
      );
    await offline.stop();
    backUp(code);
    return storeId;
  }

  /** The live file reconnects, has everything acknowledged and sells `more`, all acknowledged; then its disk fails. */
  async function liveGoesOn(code: string, more: number): Promise<void> {
    const live = await f.store(code);
    sell(live, more, 3);
    await waitFor('the live file caught up', () => live.sync.status().pendingUp === 0);
    await live.stop();
  }

  /**
   * The restored file sells `offline` before it reaches the hub, then syncs until the hub and the store agree; the
   * ledger is read there, and once more after a later sale.
   */
  async function restoredSyncs(code: string, storeId: string, offline: number) {
    restore(code);
    const node = await f.store(code, {}, false);
    sell(node, offline, 5);
    await node.start();
    await waitFor('the restored store settled', async () => {
      const s = node.sync.status();
      return s.phase === 'syncing' && s.pendingUp === 0 && s.ackedSeq === (await hubAcked(storeId));
    });
    const settled = await f.ledger(storeId);
    sell(node, 1, 100);
    await waitFor('a later sale', async () => (await f.ledger(storeId)).total >= settled.total + 100);
    await waitFor('the later sale acknowledged', () => node.sync.status().pendingUp === 0);
    const later = await f.ledger(storeId);
    const status = node.sync.status();
    return {
      settled: { count: settled.count, total: settled.total },
      later: { count: later.count, total: later.total },
      status,
    };
  }

  const expectSettled = (status: { pendingUp: number; lastError: string | null }) =>
    expect({ pendingUp: status.pendingUp, lastError: status.lastError }).toEqual({ pendingUp: 0, lastError: null });

  it('(1) backup with everything acknowledged: the live file sold 10 more', async () => {
    const storeId = await takeBackup('ALL-ACKED', 0);
    await liveGoesOn('ALL-ACKED', 10);
    const r = await restoredSyncs('ALL-ACKED', storeId, 0);
    expect(r.settled).toEqual({ count: 30, total: 20 + 30 });
    expect(r.later).toEqual({ count: 31, total: 20 + 30 + 100 });
    expectSettled(r.status);
  });

  it('(2) backup with 10 unsent: the live file sent them and 5 more', async () => {
    const storeId = await takeBackup('TEN-UNSENT', 10);
    await liveGoesOn('TEN-UNSENT', 5);
    expect(await f.ledger(storeId)).toMatchObject({ count: 35, total: 20 + 20 + 15 });
    const r = await restoredSyncs('TEN-UNSENT', storeId, 0);
    expect(r.settled).toEqual({ count: 35, total: 20 + 20 + 15 });
    expect(r.later).toEqual({ count: 36, total: 20 + 20 + 15 + 100 });
    expectSettled(r.status);
  });

  it('(3) backup while a batch was in flight: the hub had applied 4 of the 10 unsent', async () => {
    // Either the disk fails at once, or the live file first sends the other 6 and sells 5 more.
    for (const liveAfter of [false, true]) {
      const code = liveAfter ? 'MID-BATCH-LIVE' : 'MID-BATCH-DEAD';
      const storeId = await takeBackup(code, 10, 4);
      if (liveAfter) await liveGoesOn(code, 5);
      const r = await restoredSyncs(code, storeId, 0);
      const expected = liveAfter ? { count: 35, total: 20 + 20 + 15 } : { count: 30, total: 20 + 20 };
      expect(r.settled, code).toEqual(expected);
      expect(r.later, code).toEqual({ count: expected.count + 1, total: expected.total + 100 });
      expectSettled(r.status);
    }
  });

  it('(4) as (2), and the restored file sold 3 before reconnecting', async () => {
    const storeId = await takeBackup('SOLD-OFFLINE', 10);
    await liveGoesOn('SOLD-OFFLINE', 5);
    const r = await restoredSyncs('SOLD-OFFLINE', storeId, 3);
    expect(r.settled).toEqual({ count: 38, total: 20 + 20 + 15 + 15 });
    expect(r.later).toEqual({ count: 39, total: 20 + 20 + 15 + 15 + 100 });
    expectSettled(r.status);
  });

  it('(5) as (2), with the same backup restored twice', async () => {
    const storeId = await takeBackup('TWICE', 10);
    await liveGoesOn('TWICE', 5);
    const first = await restoredSyncs('TWICE', storeId, 0);
    for (const s of f.stores) await s.stop();
    const second = await restoredSyncs('TWICE', storeId, 2);
    expect(first.later).toEqual({ count: 36, total: 20 + 20 + 15 + 100 });
    expect(second.settled).toEqual({ count: 38, total: 20 + 20 + 15 + 100 + 10 });
    expectSettled(second.status);
  });
});
