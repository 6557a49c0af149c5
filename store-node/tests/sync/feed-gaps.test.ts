import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { HoldDesk, holdAtStore } from '../support/hub-restore.js';
import { RawStore } from '../support/raw-store.js';

const DAY = 86_400_000;

/**
 * A store's feed cannot be stuck before a gap (issue #14, review): entries the hub removed after a store disk
 * acknowledged them, or renumbered past a cursor a stolen credential claimed. The hub says `feed-skip`, a hold snapshot
 * follows, the store moves on and shows it; a claimed cursor far past the hub's head is refused outright.
 */
describe.each(dbTargets)('feed gaps on $name', (target) => {
  let f: SyncFixture;
  let desk: HoldDesk;
  const clock = { offsetMs: 0 };
  beforeAll(async () => {
    f = await SyncFixture.start(target, { now: () => Date.now() + clock.offsetMs, retention: { everyMinutes: 0 } });
    desk = await HoldDesk.open(f, ['MUG']);
  }, 120_000);
  afterAll(() => f?.stop());

  const stock = (storeId: string) =>
    f.hub.db.query(
      `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at) VALUES ($1, 'MUG', 100, 1) ON CONFLICT DO NOTHING`,
      [storeId],
    );
  const feedAckedAtHub = async (storeId: string) =>
    Number(
      (await f.hub.db.query<{ acked: number }>('SELECT acked FROM sync_feed_cursors WHERE store_id = $1', [storeId]))
        .rows[0]?.acked ?? 0,
    );
  const tokenOf = async (code: string) => {
    const { storeId, secret } = f.credentials.get(code)!;
    return (await f.hub.auth.storeToken(storeId, secret)).token;
  };

  it('a new disk below the entries retention removed skips them and gets new holds, with no reconnect loop', async () => {
    const node = await f.store('GAP');
    const storeId = f.credentials.get('GAP')!.storeId;
    await f.hub.db.transaction((tx) =>
      f.hub.sync.feed.append(
        tx,
        storeId,
        [1, 2, 3].map((i) => ({ type: 'test.note', payload: { i } })),
      ),
    );
    await waitFor('the feed at the store', () => node.sync.status().feedCursor === 3);
    await waitFor('the feed acknowledged', async () => (await feedAckedAtHub(storeId)) === 3);
    await node.stop();
    clock.offsetMs = 10 * DAY;
    expect(await f.hub.retention.run('test')).toMatchObject({ moved: { sync_feed: 2 } }); // entries 1–2; 3 is at the cursor
    clock.offsetMs = 0;

    const fresh = await f.store('GAP', { dbPath: join(f.dir, 'GAP-new.sqlite') });
    await waitFor('the new disk past the gap', () => fresh.sync.status().feedCursor >= 3, 30_000);
    await stock(storeId);
    const late = await desk.reserve(storeId, 'MUG');
    await waitFor('a new hold at the new disk', () => holdAtStore(fresh, late)?.status === 'HELD', 30_000);
    const s = fresh.sync.status();
    expect(s).toMatchObject({
      phase: 'syncing',
      lastError: null,
      lastFeedSkip: { fromSeq: 1, toSeq: 2, reason: expect.stringContaining('removed by retention') },
    });
    expect(s.reconnects).toBeLessThanOrEqual(1);
    // The hub keeps the gap and made a hold snapshot follow it, once.
    const { rows } = await f.hub.db.query<{ to_seq: number; from_seq: number; reconcile_from: number | null }>(
      'SELECT to_seq, from_seq, reconcile_from FROM sync_feed_skips WHERE store_id = $1',
      [storeId],
    );
    expect(
      rows.map((r) => ({ from: Number(r.from_seq), to: Number(r.to_seq), reconciled: r.reconcile_from !== null })),
    ).toEqual([{ from: 1, to: 2, reconciled: true }]);
    const snapshot = await f.hub.db.query('SELECT 1 FROM sync_feed WHERE store_id = $1 AND type = $2 AND seq = $3', [
      storeId,
      'reservation.snapshot',
      Number(rows[0]!.reconcile_from),
    ]);
    expect(snapshot.rowCount).toBe(1);
    await fresh.stop();
  }, 120_000);

  it('a hello from a stolen credential with a cursor far past the head is refused; the real store goes on', async () => {
    const store = await f.store('WEDGE');
    const storeId = f.credentials.get('WEDGE')!.storeId;
    const connected = async () =>
      (
        await f.hub.db.query<{ connected: boolean }>('SELECT connected FROM sync_connections WHERE store_id = $1', [
          storeId,
        ])
      ).rows[0]?.connected;
    await stock(storeId);
    const first = await desk.reserve(storeId, 'MUG');
    await waitFor('the first hold at the store', () => holdAtStore(store, first));
    // The hold may come by the bootstrap, before the store's first connection is open: stopped then, that connection
    // still reached the hub after the raw socket and replaced it (4003). So the store is connected, then stopped, and
    // the hub has recorded it gone before the stolen credential connects.
    await waitFor('the store connected', () => store.sync.status().phase === 'syncing');
    store.sync.stop();
    await waitFor('the store’s connection recorded as closed', async () => (await connected()) === false);

    const evil = await RawStore.open(f.hubUrl, await tokenOf('WEDGE'));
    evil.send({ type: 'hello', protocol: 2, storeId, outboxHead: 0, feedCursor: 1_000_000_000_000 });
    expect((await evil.next('error')).message).toMatch(
      /^feed cursor 1000000000000 is \d+ entries past this hub's feed head \d+ for this store \(at most 10000000 are taken after a hub restore\)/,
    );
    expect((await evil.waitClosed()).code).toBe(1008);
    expect((await f.hub.db.query('SELECT 1 FROM sync_feed_rebases WHERE store_id = $1', [storeId])).rowCount).toBe(0);
    await waitFor('the refused connection recorded as closed', async () => (await connected()) === false);

    store.sync.start();
    const late = await desk.reserve(storeId, 'MUG');
    await waitFor('a new hold at the real store', () => holdAtStore(store, late)?.status === 'HELD', 30_000);
    expect(store.sync.status()).toMatchObject({ phase: 'syncing', lastError: null });
    store.sync.stop();
  }, 120_000);

  it('a real store whose feed was renumbered past a claimed cursor is told to skip, and gets new holds', async () => {
    const store = await f.store('WEDGE2');
    const storeId = f.credentials.get('WEDGE2')!.storeId;
    await stock(storeId);
    const first = await desk.reserve(storeId, 'MUG');
    await waitFor('the first hold at the store', () => holdAtStore(store, first));
    await waitFor('the first hold through the feed', () => store.sync.status().feedCursor >= 1); // its bootstrap may have brought it
    await waitFor(
      'the feed acknowledged',
      async () => (await feedAckedAtHub(storeId)) === store.sync.status().feedCursor,
    );
    store.sync.stop();
    const cursor = store.sync.status().feedCursor;
    const unseen = await desk.reserve(storeId, 'MUG'); // above the real store's cursor: renumbered by the forged rebase

    const evil = await RawStore.open(f.hubUrl, await tokenOf('WEDGE2'));
    evil.send({ type: 'hello', protocol: 2, storeId, outboxHead: 0, feedCursor: cursor + 5000 });
    expect(await evil.next('welcome')).toMatchObject({ feedRebased: { moved: 1 } });
    evil.ws.close();

    const reconnects = store.sync.status().reconnects;
    store.sync.start();
    const late = await desk.reserve(storeId, 'MUG');
    await waitFor(
      'the renumbered hold and a new one at the real store',
      () => holdAtStore(store, unseen)?.status === 'HELD' && holdAtStore(store, late)?.status === 'HELD',
      30_000,
    );
    expect(store.sync.status()).toMatchObject({
      phase: 'syncing',
      lastError: null,
      lastFeedSkip: { fromSeq: cursor + 1, toSeq: cursor + 5000 },
    });
    expect(store.sync.status().reconnects - reconnects).toBeLessThanOrEqual(1);
    expect(holdAtStore(store, first)).toMatchObject({ status: 'HELD' }); // the snapshot after the gap keeps what the hub holds
    store.sync.stop();
  }, 120_000);
});
