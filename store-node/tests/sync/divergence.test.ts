import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { sellTestSales as sell } from '../support/test-sales.js';

describe.each(dbTargets)('a store file that is behind the hub, on $name', (target) => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(target);
  });
  afterAll(() => f?.stop());

  it('loses nothing when the disk is replaced', async () => {
    let node = await f.store('DISK');
    const storeId = f.credentials.get('DISK')!.storeId;
    sell(node, 50, 1);
    await waitFor('the first 50', () => node.sync.status().pendingUp === 0);
    await node.stop();
    // A new, empty disk with the same credential; the lane sells 30 before the hub is reachable.
    node = await f.store('DISK', { dbPath: join(f.dir, 'DISK-new-disk.sqlite') }, false);
    sell(node, 30, 10);
    await node.start();
    await waitFor('the 30 from the new disk', async () => (await f.ledger(storeId)).count === 80);
    expect(await f.ledger(storeId)).toEqual({ count: 80, total: 50 + 300, maxSeq: 80 });
    sell(node, 1, 100);
    await waitFor('a later sale', async () => (await f.ledger(storeId)).total === 450);
  });

  it('loses nothing when the file is restored from an older backup', async () => {
    let node = await f.store('BACKUP');
    const storeId = f.credentials.get('BACKUP')!.storeId;
    const file = join(f.dir, 'BACKUP.sqlite');
    sell(node, 20, 1);
    await waitFor('20 acknowledged', () => node.sync.status().pendingUp === 0);
    await node.stop();
    copyFileSync(file, `${file}.bak`); // last night's backup (the node is stopped, so the WAL is checkpointed)
    node = await f.store('BACKUP');
    sell(node, 30, 2);
    await waitFor('30 more acknowledged', () => node.sync.status().pendingUp === 0);
    await node.stop();
    copyFileSync(`${file}.bak`, file); // the disk fails; the backup comes back
    node = await f.store('BACKUP', {}, false);
    sell(node, 5, 7); // these reuse seqs 21–25, which the hub already holds with other sales
    await node.start();
    await waitFor('the 5 sold after the restore', async () => (await f.ledger(storeId)).count === 55);
    expect(await f.ledger(storeId)).toEqual({ count: 55, total: 20 + 60 + 35, maxSeq: 55 });
  });

  it('keeps numbering after every acknowledged row was pruned', async () => {
    const node = await f.store('PRUNE');
    const storeId = f.credentials.get('PRUNE')!.storeId;
    sell(node, 10, 1);
    await waitFor('10 acknowledged', () => node.sync.status().pendingUp === 0);
    expect(node.sync.storage.pruneAcked(Date.now() + 1)).toBe(10);
    sell(node, 3, 5);
    await waitFor('3 more', async () => (await f.ledger(storeId)).count === 13);
    expect(await f.ledger(storeId)).toEqual({ count: 13, total: 25, maxSeq: 13 });
  });

  it('prunes a large acknowledged backlog in chunks, every acknowledged event and none that is not', async () => {
    const node = await f.store('CHUNKS', { outboxRetentionDays: 0 });
    sell(node, 12_000, 1);
    await waitFor('12,000 acknowledged', () => node.sync.status().pendingUp === 0, 120_000);
    node.sync.stop(); // the next 7 stay unsent
    sell(node, 7, 2);
    const rows = () => node.db.prepare('SELECT count(*) FROM sync_outbox').pluck().get() as number;
    expect(node.sync.storage.pruneAcked(Date.now() + 1, 5_000)).toBe(5_000);
    expect(rows()).toBe(7_007);
    await node.housekeeping(); // with retention past: the rest, 5,000 at a time
    expect(rows()).toBe(7);
    expect(node.sync.storage.readBatch(12_001, 100, 1 << 20).map((e) => e.seq)).toEqual([
      12_001, 12_002, 12_003, 12_004, 12_005, 12_006, 12_007,
    ]);
  }, 180_000);
});
