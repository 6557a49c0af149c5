import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

/**
 * A feed read that fails at the hub (the database pool out of connections under load, the database unreachable) is
 * logged and tried again: the store still gets its entries and the hub process goes on. It used to be an unhandled
 * rejection that ended the hub (found by the sync-fleet benchmark at 500 sales/s across 5,000 stores).
 */
describe('a hub feed read that fails', () => {
  let f: SyncFixture;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    f = await SyncFixture.start(dbTargets[0]!);
  }, 120_000);
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await f?.stop();
  });

  it('is tried again, the entry reaches the store, and nothing goes unhandled', async () => {
    const store = await f.store('FEEDFAIL');
    const { storeId } = f.credentials.get('FEEDFAIL')!;
    await waitFor('the store to connect', () => store.sync.status().phase === 'syncing');

    const repo = f.hub.sync.repo as unknown as { readFeed: (...args: unknown[]) => Promise<unknown> };
    const readFeed = repo.readFeed.bind(repo);
    let failures = 0;
    repo.readFeed = async (...args: unknown[]) => {
      if (failures < 2) {
        failures++;
        throw new Error('timeout exceeded when trying to connect');
      }
      return readFeed(...args);
    };
    try {
      await f.hub.db.transaction((tx) =>
        f.hub.sync.feed.append(tx, storeId, [
          {
            type: 'reservation.changed',
            payload: {
              id: 'r-feedfail',
              status: 'CONFIRMED',
              customerRef: 'cust-1',
              lines: [{ sku: 'MUG', qty: 1 }],
              expiresAt: 4_102_444_800_000,
              updatedAt: 1,
            },
          },
        ]),
      );
      await waitFor('the entry to reach the store', () => store.sync.status().feedCursor >= 1, 60_000);
    } finally {
      repo.readFeed = readFeed;
    }
    expect(failures).toBe(2);
    expect(rejections).toEqual([]);
  });
});
