import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

const DAY = 86_400_000;

/**
 * A store that was away while the hub swept (issue #14): after the hub archived its old events and removed the feed
 * entries it had acknowledged, it reconnects and syncs both ways, and a new disk for it still gets its history.
 */
describe.each(dbTargets)('a store syncs after the hub pruned and archived, on $name', (target) => {
  let f: SyncFixture;
  const clock = { offsetMs: 0 };
  beforeAll(async () => {
    f = await SyncFixture.start(target, { now: () => Date.now() + clock.offsetMs, retention: { everyMinutes: 0 } });
  });
  afterAll(() => f?.stop());

  it('reconnects after a sweep: no event counted twice, uploads and feed go on, a new disk bootstraps its history', async () => {
    const node = await f.store('AWAY');
    const storeId = f.credentials.get('AWAY')!.storeId;
    node.sync.write((emit) => {
      for (let i = 0; i < 40; i++) emit('test.sale', { qty: 1 });
    });
    await waitFor('the sales at the hub', async () => (await f.ledger(storeId)).count === 40);
    await f.hub.db.transaction((tx) =>
      f.hub.sync.feed.append(
        tx,
        storeId,
        [1, 2, 3].map((i) => ({ type: 'test.note', payload: { i } })),
      ),
    );
    await waitFor('the feed at the store', () => node.sync.status().feedCursor === 3);
    await waitFor(
      'the feed acknowledged',
      async () =>
        (await f.hub.db.query('SELECT 1 FROM sync_feed_cursors WHERE store_id = $1 AND acked = 3', [storeId]))
          .rowCount === 1,
    );
    await node.stop();
    // The store died before the hub's last acks reached its file: it believes 35 acknowledged, the hub holds 40.
    const file = new Database(join(f.dir, 'AWAY.sqlite'));
    file.prepare("UPDATE sync_state SET value = 35 WHERE key = 'acked_seq'").run();
    file.close();

    clock.offsetMs = 40 * DAY;
    const sweep = await f.hub.retention.run('test');
    expect(sweep).toMatchObject({ state: 'done', moved: { sync_events: 39, sync_feed: 2 } });

    const back = await f.store('AWAY');
    back.sync.write((emit) => {
      for (let i = 0; i < 5; i++) emit('test.sale', { qty: 2 });
    });
    await waitFor(
      'the store caught up',
      async () => back.sync.status().pendingUp === 0 && (await f.ledger(storeId)).count >= 45,
    );
    expect(await f.ledger(storeId)).toEqual({ count: 45, total: 50, maxSeq: 45 }); // 36–40 were not counted again
    await f.hub.db.transaction((tx) => f.hub.sync.feed.append(tx, storeId, [{ type: 'test.note', payload: { i: 4 } }]));
    await waitFor('the new feed entry at the store', () => back.sync.status().feedCursor === 4);
    await back.stop();

    const fresh = await f.store('AWAY', { dbPath: join(f.dir, 'AWAY-replacement.sqlite') });
    await waitFor('the bootstrap', () => fresh.sync.bootstrap!.progress().state === 'done', 60_000);
    // its history is the last 7 days the hub holds hot: the five sales since the sweep
    expect(
      fresh.db.prepare('SELECT count(*) AS n, min(seq) AS first, max(seq) AS last FROM sync_history').get(),
    ).toEqual({ n: 5, first: 41, last: 45 });
    fresh.sync.write((emit) => emit('test.sale', { qty: 7 }));
    await waitFor('the new disk’s first sale', async () => (await f.ledger(storeId)).count >= 46);
    expect(await f.ledger(storeId)).toEqual({ count: 46, total: 57, maxSeq: 46 });
  });
});
