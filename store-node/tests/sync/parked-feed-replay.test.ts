import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { FeedEntry } from '@storefleet/shared';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

/**
 * Feed entries a store parked (an older node without a handler for their type, or a handler that refused them) are
 * replayed at the next start and on demand, once a handler exists; a resolved one stays listed as an audit, and the
 * store's and the hub's parked counts fall. A replayed entry older than what the store applied since leaves it be.
 */
const hold = (id: string, status: string, updatedAt: number) => ({
  id,
  status,
  customerRef: `cust-${id}`,
  lines: [{ sku: 'MUG', qty: 1 }],
  expiresAt: 4_102_444_800_000,
  updatedAt,
});
const savePromo = (db: StoreNode['db'], e: FeedEntry) =>
  void db
    .prepare("INSERT INTO node_meta (key, value, updated_at) VALUES ('promo', ?, ?)")
    .run((e.payload as { promo: string }).promo, e.createdAt);

describe.each(dbTargets)('replaying parked feed entries on $name', (target) => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(target);
  }, 120_000);
  afterAll(() => f?.stop());

  /** Appends to the feed of the store registered as `code`. */
  const appendFeed = (code: string, items: { type: string; payload: unknown }[]) =>
    f.hub.db.transaction((tx) => f.hub.sync.feed.append(tx, f.credentials.get(code)!.storeId, items));
  /** A connected store that parked a `promo.changed` entry: it has no handler for the type. */
  const storeWithParkedPromo = async (code: string, promo: string) => {
    const store = await f.store(code);
    await waitFor('the store to connect', () => store.sync.status().phase === 'syncing');
    await appendFeed(code, [{ type: 'promo.changed', payload: { promo } }]);
    await waitFor('the entry to be parked', () => store.sync.status().parkedFeed === 1, 60_000);
    return store;
  };
  const feedParkedAtHub = async (code: string) => {
    const { storeId, secret } = f.credentials.get(code)!;
    const { token } = await f.hub.auth.storeToken(storeId, secret);
    const res = await fetch(`${f.hubUrl}/api/sync/stores/${storeId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return (await res.json()) as { feedParked: number; feedParkedReason: string | null };
  };
  const getJson = async (store: StoreNode, path: string) =>
    (await fetch(`${store.url}${path}`)).json() as Promise<Record<string, any>>;
  /** The node again on its file, with `register` run before it starts (an upgraded node brings new handlers). */
  const restart = async (store: StoreNode, code: string, register: (node: StoreNode) => void = () => {}) => {
    await store.stop();
    const next = await f.store(code, {}, false);
    register(next);
    await next.start();
    return next;
  };
  const promoRow = (store: StoreNode) =>
    store.db.prepare("SELECT value FROM node_meta WHERE key = 'promo'").pluck().get();

  it('applies an entry parked for want of a handler once the node restarts with one, and both counts fall to 0', async () => {
    let store = await storeWithParkedPromo('REPLAY1', 'mugs-2-for-1');
    expect(store.sync.storage.parkedFeed()).toEqual([
      { seq: 1, type: 'promo.changed', reason: 'no handler for feed type promo.changed' },
    ]);
    await waitFor('the hub to show it', async () => (await feedParkedAtHub('REPLAY1')).feedParked === 1, 30_000);

    store = await restart(store, 'REPLAY1', (node) => node.sync.feedHandlers.register('promo.changed', savePromo));
    expect(promoRow(store)).toBe('mugs-2-for-1');
    expect(await getJson(store, '/api/sync/status')).toMatchObject({ parkedFeed: 0, lastParkedFeed: null });
    const resolved = await getJson(store, '/api/sync/parked-feed?state=resolved');
    expect(resolved.items).toEqual([
      expect.objectContaining({
        seq: 1,
        type: 'promo.changed',
        payload: { promo: 'mugs-2-for-1' },
        reason: 'no handler for feed type promo.changed',
        replays: 1,
        resolvedBy: 'start-up',
        outcome: 'applied',
        resolvedAt: expect.any(Number),
      }),
    ]);
    expect((await getJson(store, '/api/sync/parked-feed')).items).toEqual([]);
    const atHub = await waitFor(
      'the hub’s count to fall',
      async () => {
        const s = await feedParkedAtHub('REPLAY1');
        return s.feedParked === 0 ? s : undefined;
      },
      30_000,
    );
    expect(atHub).toMatchObject({ feedParked: 0, feedParkedReason: null });
  }, 300_000);

  it('keeps an entry refused again parked with its new reason, and a manager’s replay applies it once the cause is fixed', async () => {
    let store = await storeWithParkedPromo('REPLAY2', 'socks-half-price');

    let refuse = true;
    store = await restart(store, 'REPLAY2', (node) =>
      node.sync.feedHandlers.register('promo.changed', (db, e) => {
        if (refuse) throw new Error('promotions need a start date');
        savePromo(db, e);
      }),
    );
    const newReason = 'the promo.changed handler refused entry 1: promotions need a start date';
    expect(store.sync.storage.parkedFeed()).toEqual([{ seq: 1, type: 'promo.changed', reason: newReason }]);
    expect(await getJson(store, '/api/sync/status')).toMatchObject({
      parkedFeed: 1,
      lastParkedFeed: { seq: 1, reason: newReason },
    });
    await waitFor(
      'the hub to show the new reason',
      async () => (await feedParkedAtHub('REPLAY2')).feedParkedReason === newReason,
      30_000,
    );

    // The fix is deployed; the manager replays from the back office. A retry with the same key gets the same answer.
    refuse = false;
    const replay = () =>
      fetch(`${store.url}/api/sync/parked-feed/replay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'replay-promo-1' },
        body: JSON.stringify({ type: 'promo.changed' }),
      });
    const first = await replay();
    expect(first.status).toBe(200);
    const answer = await first.json();
    expect(answer).toEqual({ tried: 1, applied: 1, refused: [], parked: 0 });
    expect(await (await replay()).json()).toEqual(answer);
    expect(promoRow(store)).toBe('socks-half-price');
    expect((await getJson(store, '/api/sync/parked-feed?state=all')).items).toEqual([
      expect.objectContaining({ seq: 1, reason: newReason, replays: 2, resolvedBy: 'lane', outcome: 'applied' }),
    ]);
    expect(await getJson(store, '/api/sync/status')).toMatchObject({ parkedFeed: 0 });
    // The hub hears it with the store's next feed-ack.
    await appendFeed('REPLAY2', [{ type: 'catalog.changed', payload: { version: 1 } }]);
    await waitFor('the hub’s count to fall', async () => (await feedParkedAtHub('REPLAY2')).feedParked === 0, 30_000);
  }, 300_000);

  it('never lets a replayed entry overwrite what newer entries wrote', async () => {
    let store = await f.store('REPLAY3');
    await waitFor('the store to connect', () => store.sync.status().phase === 'syncing');
    const cursor = () => store.sync.status().feedCursor;
    // A store-side bug refuses some entries (a trigger stands in for it); the entries after them apply.
    store.db.exec(`
      CREATE TRIGGER refuse_old_hold BEFORE INSERT ON bopis_reservations WHEN NEW.id = 'r-1' AND NEW.updated_at = 1
        BEGIN SELECT RAISE(ABORT, 'the store refused this hold'); END;
      CREATE TRIGGER refuse_spot BEFORE UPDATE OF parking_spot ON bopis_reservations WHEN NEW.parking_spot = 'P1'
        BEGIN SELECT RAISE(ABORT, 'the store refused this arrival'); END;
      CREATE TRIGGER refuse_ending BEFORE UPDATE OF ended_reason ON bopis_reservations WHEN NEW.ended_reason IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'the store refused this snapshot'); END;`);

    await appendFeed('REPLAY3', [
      { type: 'reservation.changed', payload: hold('r-0', 'CONFIRMED', 1) }, // 1: a hold the hub will lose
      { type: 'reservation.changed', payload: hold('r-1', 'CONFIRMED', 1) }, // 2: refused
      { type: 'reservation.changed', payload: hold('r-1', 'RELEASED', 2) }, // 3: the customer cancelled
      { type: 'order.checked-in', payload: { orderId: 'o-1', reservationId: 'r-0', parkingSpot: 'P1', at: 100 } }, // 4: refused
      { type: 'order.checked-in', payload: { orderId: 'o-1', reservationId: 'r-0', parkingSpot: 'P7', at: 200 } }, // 5: moved spot
      { type: 'reservation.snapshot', payload: { from: null, to: null, ids: [] } }, // 6: refused (it would end r-0)
    ]);
    await waitFor('the first six entries', () => cursor() === 6, 60_000);
    // A hold made after the snapshot: the snapshot does not list it, and must not end it when replayed.
    await appendFeed('REPLAY3', [{ type: 'reservation.changed', payload: hold('r-2', 'CONFIRMED', Date.now() + 1) }]);
    await waitFor('the new hold', () => cursor() === 7, 60_000);
    expect(store.sync.storage.parkedFeed().map((p) => p.seq)).toEqual([2, 4, 6]);

    // The bug is fixed (the node upgraded): the refused entries replay at start, in seq order.
    store.db.exec('DROP TRIGGER refuse_old_hold; DROP TRIGGER refuse_spot; DROP TRIGGER refuse_ending;');
    store = await restart(store, 'REPLAY3');
    expect(store.sync.storage.parkedFeed()).toEqual([]);
    const holds = store.db
      .prepare(
        'SELECT id, status, parking_spot AS spot, arrived_at AS arrivedAt, ended_reason IS NOT NULL AS ended FROM bopis_reservations ORDER BY id',
      )
      .all();
    expect(holds).toEqual([
      { id: 'r-0', status: 'RELEASED', spot: 'P7', arrivedAt: 200, ended: 1 }, // the snapshot ended it; the later arrival stands
      { id: 'r-1', status: 'RELEASED', spot: null, arrivedAt: null, ended: 0 }, // the cancellation stands
      { id: 'r-2', status: 'CONFIRMED', spot: null, arrivedAt: null, ended: 0 }, // newer than the snapshot
    ]);
  }, 300_000);
});
