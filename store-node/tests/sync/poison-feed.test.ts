import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

/**
 * A malformed entry in a store's feed (appended at the hub directly, with a payload the store's handler refuses) is
 * parked at the store; the entries around it apply, the feed goes on, the store keeps its one connection, and the
 * store's status and the hub's view of the store both show the parked entry and why.
 */
describe.each(dbTargets)('a poison feed entry on $name', (target) => {
  let f: SyncFixture;
  const hold = (id: string, updatedAt: number) => ({
    id,
    status: 'CONFIRMED',
    customerRef: `cust-${id}`,
    lines: [{ sku: 'MUG', qty: 1 }],
    expiresAt: 4_102_444_800_000,
    updatedAt,
  });

  beforeAll(async () => {
    f = await SyncFixture.start(target);
  }, 120_000);
  afterAll(() => f?.stop());

  const appendFeed = (storeId: string, items: { type: string; payload: unknown }[]) =>
    f.hub.db.transaction((tx) => f.hub.sync.feed.append(tx, storeId, items));
  const holdsAtStore = (store: { db: { prepare(sql: string): { all(): unknown[] } } }) =>
    (store.db.prepare('SELECT id FROM bopis_reservations ORDER BY id').all() as { id: string }[]).map((r) => r.id);

  it('parks the entry its handler refuses, applies the rest, and shows it at the store and the hub', async () => {
    const store = await f.store('POISON');
    const { storeId, secret } = f.credentials.get('POISON')!;
    await waitFor('the store to connect', () => store.sync.status().phase === 'syncing');

    // entry 1 good, 2 a hold with only its id (refused by the shared schema), 3 a curbside arrival with no payload, 4 good
    const head = await appendFeed(storeId, [
      { type: 'reservation.changed', payload: hold('r-1', 1) },
      { type: 'reservation.changed', payload: { id: 'r-bad' } },
      { type: 'order.checked-in', payload: null },
      { type: 'reservation.changed', payload: hold('r-2', 2) },
    ]);
    expect(head).toBe(4);
    await waitFor('the store to pass the poison entries', () => store.sync.status().feedCursor === 4, 60_000);
    expect(holdsAtStore(store)).toEqual(['r-1', 'r-2']);

    const status = (await (await fetch(`${store.url}/api/sync/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      phase: 'syncing',
      feedCursor: 4,
      parkedFeed: 2,
      lastParkedFeed: {
        seq: 3,
        type: 'order.checked-in',
        reason:
          'the order.checked-in handler refused entry 3: invalid order.checked-in payload: (root): Invalid input: expected object, received null',
      },
      reconnects: 0,
      lastError: null,
    });
    expect(store.sync.storage.parkedFeed()).toEqual([
      {
        seq: 2,
        type: 'reservation.changed',
        reason:
          'the reservation.changed handler refused entry 2: invalid reservation.changed payload: customerRef: Invalid input: expected string, received undefined (+4 more)',
      },
      {
        seq: 3,
        type: 'order.checked-in',
        reason: expect.stringContaining('the order.checked-in handler refused entry 3: '),
      },
    ]);

    // The hub's view of the store says so too.
    const { token } = await f.hub.auth.storeToken(storeId, secret);
    const atHub = async () =>
      (await (
        await fetch(`${f.hubUrl}/api/sync/stores/${storeId}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as Record<string, unknown>;
    // the store reports what it parked and what it acknowledged in separate messages: wait until the hub has both
    const seen = await waitFor(
      'the hub to show the parked entries and the acknowledged feed',
      async () => {
        const s = await atHub();
        return s.feedParked === 2 && s.feedAcked === 4 ? s : undefined;
      },
      30_000,
    );
    expect(seen).toMatchObject({
      feedParked: 2,
      feedParkedReason: expect.stringContaining('the order.checked-in handler refused entry 3: '),
      feedAcked: 4,
      feedLag: 0,
    });

    // The feed goes on after the poison: a later hold arrives, on the same connection.
    await appendFeed(storeId, [{ type: 'reservation.changed', payload: hold('r-3', 3) }]);
    await waitFor('the next hold', () => store.sync.status().feedCursor === 5, 60_000);
    expect(holdsAtStore(store)).toEqual(['r-1', 'r-2', 'r-3']);
    expect(store.sync.status()).toMatchObject({ reconnects: 0, parkedFeed: 2 });
  }, 300_000);
});
