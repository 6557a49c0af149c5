import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserId } from '@storefleet/shared';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

type TaskList = { items: Record<string, { text: string }> };
const admin = {
  kind: 'user',
  userId: '0190f0f0-0000-7000-8000-000000000001' as UserId,
  role: 'ADMIN',
  storeId: null,
} as const;
const texts = (doc: TaskList | undefined) =>
  Object.values(doc?.items ?? {})
    .map((i) => i.text)
    .sort();

/**
 * A document changed at the store while the hub was out of reach, then the node restarted before it reconnected: the
 * change reaches the hub on connect, though nobody opens the document again (the mark of what the hub lacks is in
 * SQLite, not only in memory).
 */
describe.each(dbTargets)('documents changed offline across a restart on $name', (target) => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(target);
  }, 120_000);
  afterAll(() => f?.stop());

  it('syncs every unconfirmed document on connect after a restart, unopened', async () => {
    const docs = ['shared:offline-tasks-1', 'shared:offline-tasks-2'];
    // Never connected: the node is not started, so nothing leaves the store.
    const offline = await f.store('DOCRESTART', {}, false);
    for (const docId of docs)
      offline.sync.docs.change<TaskList>(docId, (d) => {
        d.items = { a: { text: `count ${docId}` } };
      });
    await offline.stop();
    for (const docId of docs) expect(texts(await f.hub.sync.docs.read<TaskList>(admin, docId))).toEqual([]);

    const store = await f.store('DOCRESTART');
    await waitFor('the store to connect', () => store.sync.status().phase === 'syncing');
    await waitFor(
      'the hub to hold both changes',
      async () => {
        for (const docId of docs)
          if (texts(await f.hub.sync.docs.read<TaskList>(admin, docId)).length !== 1) return false;
        return true;
      },
      30_000,
    );
    expect(store.sync.docs.openCount).toBe(2); // loaded to sync them, not opened by anyone
    // Once the hub holds them, the mark is cleared: the next restart has nothing to re-sync.
    await waitFor(
      'the marks to clear',
      () => store.db.prepare('SELECT count(*) FROM sync_docs WHERE unconfirmed = 1').pluck().get() === 0,
      30_000,
    );
  }, 300_000);
});
