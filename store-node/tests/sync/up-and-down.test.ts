import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

describe.each(dbTargets)('sync up and down on $name', (target) => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(target);
  });
  afterAll(() => f?.stop());

  it('delivers a 10,000-event offline shift exactly once', async () => {
    const store = await f.store('SHIFT', {}, false); // not started: the store is offline
    let expectedTotal = 0;
    for (let i = 0; i < 10_000; i += 500) {
      store.sync.write((emit) => {
        for (let j = 0; j < 500; j++) {
          const qty = ((i + j) % 7) + 1;
          expectedTotal += qty;
          emit('test.sale', { qty });
        }
      });
    }
    expect(store.sync.status()).toMatchObject({ outboxHead: 10_000, pendingUp: 10_000 });
    await store.start();
    const storeId = f.credentials.get('SHIFT')!.storeId;
    await waitFor('the store to see every event acknowledged', () => store.sync.status().pendingUp === 0);
    expect(await f.ledger(storeId)).toEqual({ count: 10_000, total: expectedTotal, maxSeq: 10_000 });
    const state = await waitFor('hub status', async () => {
      const [s] = (
        await f.hub.sync.repo.db.query<{ acked_seq: number }>(
          'SELECT acked_seq FROM sync_origins WHERE store_id = $1',
          [storeId],
        )
      ).rows;
      return s;
    });
    expect(state.acked_seq).toBe(10_000);
  });

  it('sends a store only its own feed, applied once, and resumes it after a restart', async () => {
    const seen: { store: string; seq: number; note: string }[] = [];
    const open = async (code: string) => {
      const node = await f.store(code, {}, false);
      node.sync.feedHandlers.register(
        'test.note',
        (_db, e) => void seen.push({ store: code, seq: e.seq, note: (e.payload as { note: string }).note }),
      );
      await node.start();
      return node;
    };
    let a = await open('FEEDA');
    const b = await open('FEEDB');
    const idA = f.credentials.get('FEEDA')!.storeId;
    const notes = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({ type: 'test.note', payload: { note: `for A #${from + i}` } }));
    await f.hub.db.transaction((tx) => f.hub.sync.feed.append(tx, idA, notes(1, 3)));
    await waitFor('store A to apply its feed', () => a.sync.status().feedCursor === 3);
    expect(seen).toEqual([1, 2, 3].map((n) => ({ store: 'FEEDA', seq: n, note: `for A #${n}` })));
    expect(b.sync.status().feedCursor).toBe(0);

    await a.stop();
    await f.hub.db.transaction((tx) => f.hub.sync.feed.append(tx, idA, notes(4, 5)));
    a = await open('FEEDA'); // the same SQLite file: resumes from cursor 3
    await waitFor('store A to catch up after its restart', () => a.sync.status().feedCursor === 5);
    expect(seen.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
    await waitFor('the hub to record the feed cursor', async () => {
      const r = await f.hub.db.query<{ acked: number }>('SELECT acked FROM sync_feed_cursors WHERE store_id = $1', [
        idA,
      ]);
      return r.rows[0]?.acked === 5;
    });
  });

  it('parks events no module handles and keeps the stream going', async () => {
    const store = await f.store('PARK');
    const storeId = f.credentials.get('PARK')!.storeId;
    store.sync.write((emit) => {
      emit('test.sale', { qty: 1 });
      emit('test.unknown-kind', { what: 'future event' });
      emit('test.poison', { bad: true });
      emit('test.sale', { qty: 2 });
    });
    await waitFor('all four acknowledged', () => store.sync.status().pendingUp === 0);
    expect(await f.ledger(storeId)).toMatchObject({ count: 2, total: 3 });
    const parked = (
      await f.hub.sync.repo.db.query<{ seq: number; reason: string }>(
        'SELECT seq, reason FROM sync_parked WHERE origin = $1 ORDER BY seq',
        [storeId],
      )
    ).rows;
    expect(parked).toEqual([
      { seq: 2, reason: 'no module handles event type test.unknown-kind' },
      { seq: 3, reason: 'handler failed: poisoned payload' },
    ]);
  });
});

describe('a lost change notification', () => {
  it('is made good by the periodic feed check', async () => {
    const f = await SyncFixture.start(dbTargets[0]!);
    try {
      const store = await f.store('LOST');
      const storeId = f.credentials.get('LOST')!.storeId;
      await waitFor('online', () => store.sync.status().phase === 'syncing');
      // Write to the feed the way a replica whose publish failed would: the rows commit, no notification goes out.
      await f.hub.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO sync_feed_heads (store_id, head) VALUES ($1, 1) ON CONFLICT (store_id) DO UPDATE SET head = sync_feed_heads.head + 1`,
          [storeId],
        );
        await tx.query(
          `INSERT INTO sync_feed (store_id, seq, type, payload, created_at) VALUES ($1, 1, 'test.note', '{}', $2)`,
          [storeId, Date.now()],
        );
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(store.sync.status().feedCursor).toBe(0); // nobody told the store
      expect(await f.hub.sync.server!.checkFeeds()).toBe(1);
      await waitFor('the entry to arrive', () => store.sync.status().feedCursor === 1);
    } finally {
      await f.stop();
    }
  });
});
