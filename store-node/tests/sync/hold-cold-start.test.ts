import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { HoldDesk, holdAtStore } from '../support/hub-restore.js';

const DAY = 86_400_000;

/**
 * A hold placed more than a week ago and still waiting for pickup, whose feed entries the hub's retention removed
 * (issue #14): a brand-new store disk gets it in its cold start, and a disk restored from a backup taken before the
 * hold existed gets it after the hub says `feed-skip`; either can then hand it over offline.
 */
describe.each(dbTargets)('holds retention removed from the feed reach a new or restored disk, on $name', (target) => {
  let f: SyncFixture;
  let desk: HoldDesk;
  const clock = { offsetMs: 0 };
  beforeAll(async () => {
    f = await SyncFixture.start(target, { now: () => Date.now() + clock.offsetMs, retention: { everyMinutes: 0 } });
    desk = await HoldDesk.open(f, ['MUG']);
  }, 120_000);
  afterAll(() => f?.stop());

  const fileOf = (code: string) => join(f.dir, `${code}.sqlite`);

  /** A paid hold at the store, acknowledged, with a later feed entry after it; then the store stops. Returns the hold. */
  async function paidHoldAt(store: StoreNode, storeId: string): Promise<{ id: string; pickupCode: string }> {
    await f.hub.db.query(
      `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at) VALUES ($1, 'MUG', 100, 1) ON CONFLICT DO NOTHING`,
      [storeId],
    );
    const id = await desk.reserve(storeId, 'MUG');
    const confirmed = await desk.call('POST', `/api/reservations/${id}/confirm`);
    expect(confirmed.status).toBe(200);
    await f.hub.db.transaction((tx) =>
      f.hub.sync.feed.append(tx, storeId, [{ type: 'test.note', payload: { after: id } }]),
    );
    const head = Number(
      (await f.hub.db.query<{ head: number }>('SELECT max(seq) AS head FROM sync_feed WHERE store_id = $1', [storeId]))
        .rows[0]!.head,
    );
    await waitFor(
      'the paid hold and the entry after it at the store',
      () => holdAtStore(store, id)?.status === 'CONFIRMED' && store.sync.status().feedCursor === head,
    );
    const cursor = head;
    await waitFor(
      'the feed acknowledged',
      async () =>
        (await f.hub.db.query('SELECT 1 FROM sync_feed_cursors WHERE store_id = $1 AND acked >= $2', [storeId, cursor]))
          .rowCount === 1,
    );
    await store.stop();
    return { id, pickupCode: (await desk.call('GET', `/api/reservations/${id}`)).body.pickupCode as string };
  }

  /** Eight days on, the hub's retention removes the acknowledged feed entries (the hold's among them). */
  async function retentionSweeps(): Promise<void> {
    clock.offsetMs = 8 * DAY + 3_600_000;
    const sweep = await f.hub.retention.run('test');
    clock.offsetMs = 0;
    expect(sweep).toMatchObject({ state: 'done' });
    expect((sweep as { moved: Record<string, number> }).moved.sync_feed).toBeGreaterThanOrEqual(2);
  }

  /** The associate, offline, scans the customer's code and hands the hold over. */
  async function handedOverOffline(store: StoreNode, hold: { id: string; pickupCode: string }): Promise<void> {
    await waitFor('the pickup-code key', () => store.bopis.publicKey());
    store.sync.stop();
    expect(store.bopis.search('Dana', 10).map((r) => r.id)).toContain(hold.id); // on the pickup list before any scan
    expect(store.bopis.verify(hold.pickupCode)).toMatchObject({
      id: hold.id,
      status: 'CONFIRMED',
      customerRef: 'Dana Smith',
    });
    expect(store.bopis.handOver(hold.id)).toMatchObject({ id: hold.id, status: 'FULFILLED' });
  }

  it('a brand-new disk gets the week-old paid hold in its cold start', async () => {
    const first = await f.store('COLD');
    const storeId = f.credentials.get('COLD')!.storeId;
    const hold = await paidHoldAt(first, storeId);
    await retentionSweeps();

    const fresh = await f.store('COLD', { dbPath: join(f.dir, 'COLD-new.sqlite') });
    await waitFor('the bootstrap', () => fresh.sync.bootstrap!.progress().state === 'done', 60_000);
    expect(fresh.sync.bootstrap!.progress().sections).toContainEqual({ name: 'holds', rows: 1, total: 1, done: true });
    expect(holdAtStore(fresh, hold.id)).toMatchObject({ status: 'CONFIRMED', customerRef: 'Dana Smith' });
    await waitFor('the new disk past the gap', () => fresh.sync.status().lastFeedSkip);
    await handedOverOffline(fresh, hold);
    await fresh.stop();
  }, 120_000);

  it('a disk restored from a backup taken before the hold gets it after the feed skip', async () => {
    const before = await f.store('BACK');
    const storeId = f.credentials.get('BACK')!.storeId;
    await waitFor('the first bootstrap', () => before.sync.bootstrap!.progress().state === 'done');
    await before.stop();
    copyFileSync(fileOf('BACK'), `${fileOf('BACK')}.bak`);

    const hold = await paidHoldAt(await f.store('BACK'), storeId);
    await retentionSweeps();
    copyFileSync(`${fileOf('BACK')}.bak`, fileOf('BACK'));

    const restored = await f.store('BACK');
    await waitFor('the feed skip', () => restored.sync.status().lastFeedSkip);
    await waitFor('the hold pulled again', () => holdAtStore(restored, hold.id), 30_000);
    await waitFor('the holds section pulled again', () => restored.sync.bootstrap!.progress().refreshing.length === 0);
    expect(holdAtStore(restored, hold.id)).toMatchObject({ status: 'CONFIRMED', customerRef: 'Dana Smith' });
    expect(restored.sync.bootstrap!.progress()).toMatchObject({ state: 'done', lastError: null });
    await handedOverOffline(restored, hold);
    await restored.stop();
  }, 120_000);

  it('a holds page with rows that are not holds applies the rest and refuses those alone', async () => {
    const store = await f.store('ODD', {}, false);
    const hold = {
      id: '01a22000-0000-7000-8000-000000000001',
      customerRef: 'Ali Khan',
      status: 'CONFIRMED',
      lines: [{ sku: 'MUG', qty: 2 }],
      expiresAt: Date.now() + DAY,
      updatedAt: 5,
    };
    const sink = store.sync.bootstrap!.sinks.get('holds')!;
    sink(store.db, [
      { id: 'not-an-id' },
      null,
      'HELD',
      { ...hold, status: 'STOLEN' },
      hold,
      { ...hold, updatedAt: 4, status: 'HELD' },
    ]);
    expect(holdAtStore(store, hold.id)).toMatchObject({
      status: 'CONFIRMED',
      customerRef: 'Ali Khan',
      lines: [{ sku: 'MUG', qty: 2 }],
    }); // the older copy did not win
    expect(store.db.prepare('SELECT count(*) AS n FROM bopis_reservations').get()).toEqual({ n: 1 });
    await store.stop();
  });
});
