import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { HoldDesk, holdAtStore, HubTablesBackup } from '../support/hub-restore.js';
import { RawStore } from '../support/raw-store.js';

/**
 * The hub's database is restored from a backup taken before the store applied three more holds: the hub's feed for
 * the store restarts below the store's cursor. Whether the restored hub wrote nothing, one hold (its head still below
 * the cursor: the hub sees it) or four (past the cursor: only the store can tell, by the entry it applied there)
 * before the store came back, every hold the hub has reaches the store, the three it lost end there with a reason
 * staff can read, acks are taken, and the store does not reconnect in a loop.
 */
describe.each(dbTargets)('the feed after a hub restore on $name', (target) => {
  let f: SyncFixture;
  let desk: HoldDesk;

  beforeAll(async () => {
    f = await SyncFixture.start(target);
    desk = await HoldDesk.open(f, ['MUG']);
  }, 120_000);
  afterAll(() => f?.stop());

  const feedCursorAtHub = async (storeId: string) =>
    Number(
      (await f.hub.db.query<{ acked: number }>('SELECT acked FROM sync_feed_cursors WHERE store_id = $1', [storeId]))
        .rows[0]?.acked ?? 0,
    );
  const feedHeadAtHub = (storeId: string) => f.hub.sync.repo.feedHead(storeId);
  /** A store registered at the hub, for a hand-driven connection (RawStore). */
  const rawStoreAt = async (code: string) => {
    const { storeId, secret } = (
      await f.hub.fleet.register({ code, name: `Store ${code}`, kind: 'STORE', lat: 40, lon: -74 })
    ).credential!;
    return { storeId, token: (await f.hub.auth.storeToken(storeId, secret)).token };
  };

  it.each([
    { written: 0, what: 'nothing', detectedBy: 'hub' },
    { written: 1, what: 'one hold (its head still below the cursor)', detectedBy: 'hub' },
    { written: 4, what: 'four holds (past the cursor)', detectedBy: 'store' },
  ])(
    're-agrees when the restored hub wrote $what before the store came back',
    async ({ written, detectedBy }) => {
      const code = `RESTORED${written}`;
      const store = await f.store(code);
      const storeId = f.credentials.get(code)!.storeId;
      await desk.stock(store, storeId, 'MUG', 1000, waitFor);
      const kept = await desk.reserve(storeId, 'MUG');
      await waitFor('the first hold at the store', () => holdAtStore(store, kept));
      await waitFor(
        'the hub to record the cursor',
        async () => (await feedCursorAtHub(storeId)) === (await feedHeadAtHub(storeId)),
      );
      const backup = await HubTablesBackup.take(f.hub);

      const lost = [
        await desk.reserve(storeId, 'MUG'),
        await desk.reserve(storeId, 'MUG'),
        await desk.reserve(storeId, 'MUG'),
      ];
      await waitFor('the holds the backup lacks at the store', () => lost.every((id) => holdAtStore(store, id)));
      // Their ack recorded before the restore (one still in flight would land after it, past the restored head).
      await waitFor(
        'the hub to record the store at its head',
        async () => (await feedCursorAtHub(storeId)) === (await feedHeadAtHub(storeId)),
      );
      const reconnects = store.sync.status().reconnects;
      store.sync.stop();
      await backup.restore(f.hub);
      expect(await feedHeadAtHub(storeId)).toBeLessThan(store.sync.status().feedCursor);
      const early: string[] = [];
      for (let i = 0; i < written; i++) early.push(await desk.reserve(storeId, 'MUG'));

      store.sync.start();
      await waitFor('the store to hear its feed was rebased', () => store.sync.status().lastFeedRebase, 60_000);
      await waitFor(
        'the holds the restored hub wrote to reach the store',
        () => early.every((id) => holdAtStore(store, id)?.status === 'HELD'),
        60_000,
      );
      const late = await desk.reserve(storeId, 'MUG');
      await waitFor(
        'a hold placed after the store is back to reach it',
        () => holdAtStore(store, late)?.status === 'HELD',
        60_000,
      );
      await waitFor(
        'the lost holds to end at the store',
        () => lost.every((id) => holdAtStore(store, id)?.status === 'RELEASED'),
        60_000,
      );
      for (const id of lost)
        expect(holdAtStore(store, id)).toMatchObject({
          status: 'RELEASED',
          endedReason: 'the hub no longer holds this reservation',
        });
      expect(holdAtStore(store, kept)).toMatchObject({ status: 'HELD', endedReason: null });
      const handOver = await fetch(`${store.url}/api/bopis/pickups/${lost[0]}/hand-over`, { method: 'POST' });
      expect(handOver.status).toBe(409);
      expect(((await handOver.json()) as { detail: string }).detail).toBe(
        `reservation ${lost[0]} was ended: the hub no longer holds this reservation`,
      );

      // Acks are taken: the hub's cursor for the store reaches its head; nothing refused, no reconnect.
      await waitFor(
        'the hub to record the store at its head',
        async () => (await feedCursorAtHub(storeId)) === (await feedHeadAtHub(storeId)),
        60_000,
      );
      expect(store.sync.status()).toMatchObject({
        phase: 'syncing',
        lastError: null,
        reconnects,
        lastFeedRebase: { at: expect.any(Number), moved: written },
      });
      const { rows } = await f.hub.db.query<{ detected_by: string }>(
        'SELECT detected_by FROM sync_feed_rebases WHERE store_id = $1',
        [storeId],
      );
      expect(rows).toEqual([{ detected_by: detectedBy }]);
      const atHub = (await desk.call('GET', `/api/sync/stores/${storeId}`)).body;
      expect(atHub.feedRebase.note).toMatch(
        new RegExp(
          `^feed rebased after a hub restore at \\d{4}-\\d\\d-\\d\\dT.*Z: ${written} entries resent after the store's cursor \\d+$`,
        ),
      );
      expect(atHub).toMatchObject({ feedLag: 0 });
      store.sync.stop();
    },
    300_000,
  );

  it('an older store, which never compares entries, still gets new holds when its cursor is past the hub head', async () => {
    const { storeId, token } = await rawStoreAt('OLDSTORE');
    await f.hub.db.query(
      `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at) VALUES ($1, 'MUG', 100, 1)`,
      [storeId],
    );
    const hello = (feedCursor: number) => ({ type: 'hello', protocol: 2, storeId, outboxHead: 0, feedCursor });

    // Applies three holds and acks them, as an older store node does; the backup was taken after the first.
    let old = await RawStore.open(f.hubUrl, token);
    old.send(hello(0));
    await old.next('welcome');
    await desk.reserve(storeId, 'MUG');
    expect((await old.next('feed-page')).entries.map((e: { seq: number }) => e.seq)).toEqual([1]);
    old.send({ type: 'feed-ack', seq: 1 });
    await waitFor('the ack recorded', async () => (await feedCursorAtHub(storeId)) === 1);
    const backup = await HubTablesBackup.take(f.hub);
    await desk.reserve(storeId, 'MUG');
    await desk.reserve(storeId, 'MUG');
    const seen = [...(await old.next('feed-page')).entries];
    if (seen.length < 2) seen.push(...(await old.next('feed-page')).entries);
    old.send({ type: 'feed-ack', seq: 3 });
    old.ws.close();
    await backup.restore(f.hub);

    old = await RawStore.open(f.hubUrl, token);
    old.send(hello(3));
    const welcome = await old.next('welcome');
    expect(welcome).toMatchObject({
      feedRebased: { moved: 0 },
      feedHead: 4,
      features: expect.arrayContaining(['feed-rebase']),
    });
    const snapshot = await old.next('feed-page');
    expect(snapshot.entries).toEqual([expect.objectContaining({ seq: 4, type: 'reservation.snapshot' })]); // an older store parks it
    old.send({ type: 'feed-ack', seq: 4 });
    const fresh = await desk.reserve(storeId, 'MUG');
    const page = await old.next('feed-page');
    expect(page.entries).toEqual([
      expect.objectContaining({ seq: 5, type: 'reservation.changed', payload: expect.objectContaining({ id: fresh }) }),
    ]);
    old.send({ type: 'feed-ack', seq: 5 });
    await waitFor('the ack recorded', async () => (await feedCursorAtHub(storeId)) === 5);
    expect(old.closed).toBeUndefined();
    expect(old.received.filter((m) => m.type === 'error')).toEqual([]);
    old.ws.close();
  }, 120_000);

  it('refuses a feed-rebase that names another entry than the cursor, or is malformed', async () => {
    const { storeId, token } = await rawStoreAt('HOSTILE');
    for (const [frame, reason] of [
      [{ type: 'feed-rebase', cursor: 3, at: { seq: 2, createdAt: 1 } }, 'feed-rebase names entry 2, not the cursor 3'],
      [{ type: 'feed-rebase', cursor: -1, at: null }, 'invalid feed-rebase: cursor'],
      [{ type: 'feed-rebase', cursor: 3, at: { seq: 3, createdAt: 1.5 } }, 'invalid feed-rebase: at.createdAt'],
    ] as const) {
      const raw = await RawStore.open(f.hubUrl, token);
      raw.send({ type: 'hello', protocol: 2, storeId, outboxHead: 0, feedCursor: 0 });
      await raw.next('welcome');
      raw.send(frame);
      expect((await raw.next('error')).message).toContain(reason);
      expect((await raw.waitClosed()).code).toBe(1002);
    }
    const { rows } = await f.hub.db.query('SELECT 1 FROM sync_feed_rebases WHERE store_id = $1', [storeId]);
    expect(rows).toEqual([]);
  });
});
