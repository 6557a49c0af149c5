import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreId, UserId } from '@storefleet/shared';
import { dbTargets } from '@storefleet/central/testing';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

type TaskList = { items: Record<string, { text: string; by: string }> };
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

describe.each(dbTargets)('Automerge documents on $name', (target) => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(target);
  });
  afterAll(() => f?.stop());

  it('converges when two stores and the hub edit one document while partitioned', async () => {
    const storeA = await f.store('DOCA');
    const storeB = await f.store('DOCB');
    const docId = 'shared:aisle-5-tasks';
    await waitFor(
      'both stores online',
      () => storeA.sync.status().phase === 'syncing' && storeB.sync.status().phase === 'syncing',
    );

    storeA.sync.docs.change<TaskList>(docId, (d) => {
      d.items = {};
      d.items.a1 = { text: 'face the shelves', by: 'A' };
    });
    storeB.sync.docs.open<TaskList>(docId);
    await waitFor('store B to see A’s task', () =>
      texts(storeB.sync.docs.open<TaskList>(docId)).includes('face the shelves'),
    );

    // Partition: both stores lose the hub; everyone keeps editing.
    storeA.sync.client!.stop();
    storeB.sync.client!.stop();
    storeA.sync.docs.change<TaskList>(docId, (d) => {
      d.items.a2 = { text: 'restock milk', by: 'A' };
    });
    storeB.sync.docs.change<TaskList>(docId, (d) => {
      d.items.b1 = { text: 'count batteries', by: 'B' };
      d.items.a1!.text = 'face the shelves (done)';
    });
    await f.hub.sync.docs.change<TaskList>(admin, docId, (d) => {
      d.items.h1 = { text: 'price check aisle 5', by: 'hub' };
    });

    storeA.sync.client!.start();
    storeB.sync.client!.start();
    const expected = ['count batteries', 'face the shelves (done)', 'price check aisle 5', 'restock milk'];
    await waitFor('all three to converge', async () => {
      const hub = texts(await f.hub.sync.docs.read<TaskList>(admin, docId));
      const a = texts(storeA.sync.docs.open<TaskList>(docId));
      const b = texts(storeB.sync.docs.open<TaskList>(docId));
      return (
        JSON.stringify(hub) === JSON.stringify(expected) &&
        JSON.stringify(a) === JSON.stringify(expected) &&
        JSON.stringify(b) === JSON.stringify(expected)
      );
    });
  });

  it('keeps a document across a store restart and tells subscribers of remote changes', async () => {
    const docId = 'shared:closing-checklist';
    let store = await f.store('DOCC');
    store.sync.docs.change<TaskList>(docId, (d) => {
      d.items = { c1: { text: 'lock the back door', by: 'C' } };
    });
    await store.stop();
    store = await f.store('DOCC');
    expect(texts(store.sync.docs.open<TaskList>(docId))).toEqual(['lock the back door']);
    const seen: string[][] = [];
    store.sync.docs.subscribe<TaskList>(docId, (d) => seen.push(texts(d)));
    await waitFor(
      'the hub to hold the store’s copy',
      async () => texts(await f.hub.sync.docs.read<TaskList>(admin, docId)).length === 1,
    );
    await f.hub.sync.docs.change<TaskList>(admin, docId, (d) => {
      d.items.h = { text: 'cash to safe', by: 'hub' };
    });
    await waitFor('the subscriber to hear of it', () => seen.some((s) => s.includes('cash to safe')));
  });

  it("refuses a store that syncs another store's private document", async () => {
    const owner = await f.store('DOCOWN');
    const other = await f.store('DOCOTH');
    const ownerId = f.credentials.get('DOCOWN')!.storeId;
    const docId = `tasks:${ownerId}`;
    owner.sync.docs.change<TaskList>(docId, (d) => {
      d.items = { o: { text: 'owner only', by: 'owner' } };
    });
    await waitFor(
      'the owner’s copy at the hub',
      async () => texts(await f.hub.sync.docs.read<TaskList>(admin, docId)).length === 1,
    );
    other.sync.docs.change<TaskList>(docId, (d) => {
      d.items = { x: { text: 'intruder', by: 'other' } };
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(texts(await f.hub.sync.docs.read<TaskList>(admin, docId))).toEqual(['owner only']);
    expect(texts(other.sync.docs.open<TaskList>(docId))).toEqual(['intruder']); // it never received the owner's data
    await expect(f.hub.sync.docs.read({ kind: 'store', storeId: 'x' as StoreId }, docId)).rejects.toThrow(
      `no read access to document ${docId}`,
    );
  });
});
