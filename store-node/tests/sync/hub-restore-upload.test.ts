import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { hubLosesEventsAfter } from '../support/hub-restore.js';

/**
 * A hub restored from a dump that lacks the last 8,625 of a store's acknowledged events (more than the upload window
 * of 4 batches × 2,000 can carry at once): the store resends what the hub lacks and the hub ends with every event,
 * each counted once.
 */
describe.each(dbTargets)('uploads after a hub restore on $name', (target) => {
  let f: SyncFixture;
  const SALES = 10_000;
  const KEPT = 1_375;
  const qty = (seq: number) => (seq % 9) + 1;
  const total = (n: number) => Array.from({ length: n }, (_, i) => qty(i + 1)).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    f = await SyncFixture.start(target);
  }, 120_000);
  afterAll(() => f?.stop());

  it('resends every acknowledged event the hub lost, and the hub counts each once', async () => {
    const store = await f.store('RESTORED');
    const storeId = f.credentials.get('RESTORED')!.storeId;
    store.sync.write((emit) =>
      emit.all(Array.from({ length: SALES }, (_, i) => ({ type: 'test.sale', payload: { qty: qty(i + 1) } }))),
    );
    await waitFor(
      'the hub to acknowledge every sale',
      () => store.sync.status().ackedSeq === SALES && store.sync.status().pendingUp === 0,
      120_000,
    );
    expect(await f.ledger(storeId)).toEqual({ count: SALES, total: total(SALES), maxSeq: SALES });

    // The restore: the hub's sync tables and the ledger lose the store's last 8,625 events, while the store is away.
    store.sync.stop();
    await hubLosesEventsAfter(f.hub, storeId, KEPT);
    expect(await f.ledger(storeId)).toEqual({ count: KEPT, total: total(KEPT), maxSeq: KEPT });

    store.sync.start();
    // While it resends, the store's status says what the hub lacks (not 0 pending).
    await waitFor('the store to hear what the hub holds', () => store.sync.status().phase === 'syncing', 60_000);
    const ledger = await waitFor(
      'the hub to hold every sale again',
      async () => {
        const l = await f.ledger(storeId);
        return l.count === SALES ? l : undefined;
      },
      120_000,
    );
    expect(ledger).toEqual({ count: SALES, total: total(SALES), maxSeq: SALES });
    const { rows } = await f.hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sync_events WHERE origin = $1',
      [storeId],
    );
    expect(rows[0]!.n).toBe(SALES);
    await waitFor(
      'the store to show nothing pending',
      () => store.sync.status().pendingUp === 0 && store.sync.status().ackedSeq === SALES,
      60_000,
    );

    // The window is not left full: a sale made now still goes up.
    store.sync.write((emit) => emit('test.sale', { qty: 5 }));
    expect(
      await waitFor(
        'the next sale to arrive',
        async () => {
          const l = await f.ledger(storeId);
          return l.count === SALES + 1 ? l : undefined;
        },
        60_000,
      ),
    ).toEqual({ count: SALES + 1, total: total(SALES) + 5, maxSeq: SALES + 1 });
    // The hub commits before its ack reaches the store: wait for the ack rather than read the status at once.
    await waitFor('the store to hear the ack', () => store.sync.status().pendingUp === 0, 60_000);
    expect(store.sync.status()).toMatchObject({ phase: 'syncing', pendingUp: 0, lastError: null });
  }, 600_000);
});
