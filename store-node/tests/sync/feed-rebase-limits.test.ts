import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { RawStore } from '../support/raw-store.js';

/** Feed entries the hostile store's feed holds, acknowledged (FEED_REBASE_LIMITS_N; the review measured 20,000). */
const N = Number(process.env.FEED_REBASE_LIMITS_N ?? 2000);

/**
 * What a stolen credential can make the hub do with `feed-rebase` (issue #14, review): before, every frame renumbered
 * the store's whole feed, acknowledged entries included, and appended a snapshot, with no limit. Now entries at or
 * below the acknowledged cursor never move, a connection gets one rebase, a store six an hour. And a forged huge acked
 * seq at the hub does not make the real store renumber its unsent events out of range.
 */
describe.each(dbTargets)('limits on what a store can make the hub rebase, on $name', (target) => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(target);
  }, 120_000);
  afterAll(() => f?.stop());

  const feedRows = async (storeId: string) =>
    (
      await f.hub.db.query<{ seq: number; created_at: number }>(
        'SELECT seq, created_at FROM sync_feed WHERE store_id = $1 AND seq <= $2 ORDER BY seq',
        [storeId, N],
      )
    ).rows.map((r) => `${r.seq}@${r.created_at}`);

  it('moves no acknowledged entry, takes one rebase per connection and six an hour', async () => {
    const { storeId, secret } = (
      await f.hub.fleet.register({ code: 'AMP', name: 'Store AMP', kind: 'STORE', lat: 40, lon: -74 })
    ).credential!;
    const t0 = Date.now() - 86_400_000;
    await f.hub.db.query(
      `INSERT INTO sync_feed (store_id, seq, type, payload, created_at)
       SELECT $1, g, 'reorder.suggested', '{"sku":"X"}'::jsonb, $2::bigint + g FROM generate_series(1, $3::int) g`,
      [storeId, t0, N],
    );
    await f.hub.db.query(
      'INSERT INTO sync_feed_heads (store_id, head) VALUES ($1, $2) ON CONFLICT (store_id) DO UPDATE SET head = $2',
      [storeId, N],
    );
    await f.hub.db.query(
      'INSERT INTO sync_feed_cursors (store_id, acked, acked_at) VALUES ($1, $2, $3) ON CONFLICT (store_id) DO UPDATE SET acked = $2',
      [storeId, N, Date.now()],
    );
    const acknowledged = await feedRows(storeId);
    const token = (await f.hub.auth.storeToken(storeId, secret)).token;
    const connect = async () => {
      const raw = await RawStore.open(f.hubUrl, token);
      raw.send({ type: 'hello', protocol: 2, storeId, outboxHead: 0, feedCursor: N });
      await raw.next('welcome');
      return raw;
    };
    const claim = { type: 'feed-rebase', cursor: N, at: { seq: N, createdAt: 0 } }; // "I applied another entry there"

    const first = await connect();
    first.send(claim);
    expect(await first.next('feed-rebased', 60_000)).toMatchObject({
      cursor: N,
      moved: 0,
      rebasedAt: expect.any(Number),
    });
    first.send(claim);
    expect((await first.next('error')).message).toBe(
      'feed-rebase after this connection already rebased the feed (one per connection)',
    );
    expect((await first.waitClosed()).code).toBe(1008);

    for (let i = 1; i < 6; i++) {
      const raw = await connect();
      raw.send(claim);
      expect(await raw.next('feed-rebased', 60_000)).toMatchObject({ moved: 0 });
      raw.ws.close();
    }
    const seventh = await connect();
    seventh.send(claim);
    expect((await seventh.next('error')).message).toMatch(
      /^this store's feed was rebased 6 times in the last hour \(at most 6\): the hub refuses another until \d{4}-\d\d-\d\dT/,
    );
    expect((await seventh.waitClosed()).code).toBe(1008);

    expect(await feedRows(storeId)).toEqual(acknowledged); // not one acknowledged entry moved
    const { rows } = await f.hub.db.query<{ n: number; moved: number }>(
      'SELECT count(*)::int AS n, sum(moved)::int AS moved FROM sync_feed_rebases WHERE store_id = $1',
      [storeId],
    );
    expect(rows[0]).toEqual({ n: 6, moved: 0 });
  }, 300_000);

  it('a store does not renumber its unsent events after a hub acked seq far past its own head', async () => {
    const store = await f.store('FORGED');
    const storeId = f.credentials.get('FORGED')!.storeId;
    store.sync.write((emit) => emit('test.sale', { qty: 1 }));
    await waitFor('the first sale at the hub', async () => (await f.ledger(storeId)).count === 1);
    store.sync.stop();
    // What a forged report (or a hub without the cap) leaves: the hub says it holds events far past what the store made.
    await f.hub.db.query('UPDATE sync_origins SET acked_seq = 300000000 WHERE store_id = $1', [storeId]);
    for (let i = 0; i < 2; i++) store.sync.write((emit) => emit('test.sale', { qty: 1 }));

    store.sync.start();
    await waitFor('the refusal in the status', () => store.sync.status().lastError?.includes('not renumbering'));
    expect(store.sync.status().lastError).toBe(
      "sync step failed: the hub says it holds this store's events up to 300000000, 299999997 past this store's outbox head 3 (more than 100000000 events a store could have lost): not renumbering this store's unsent events to follow it; the hub's record for this store needs an operator",
    );
    expect(store.db.prepare('SELECT seq FROM sync_outbox ORDER BY seq').pluck().all()).toEqual([1, 2, 3]);
    expect(await f.ledger(storeId)).toMatchObject({ count: 1, maxSeq: 1 });
    store.sync.stop();
  }, 120_000);
});
