import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { hlcCompare, hlcDecode } from '@storefleet/shared';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

const DAY = 86_400_000;

describe.each(dbTargets)('stores whose clocks are a day off, on $name', (target) => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await SyncFixture.start(target);
  });
  afterAll(() => f?.stop());

  const hlcsInSeqOrder = async (storeId: string) =>
    (
      await f.hub.db.query<{ hlc: string }>('SELECT hlc FROM test_ledger WHERE origin = $1 ORDER BY seq', [storeId])
    ).rows.map((r) => r.hlc);

  for (const [label, skew] of [
    ['ahead', DAY],
    ['behind', -DAY],
  ] as const) {
    it(`applies every event once with causal HLCs when the store is 24 h ${label}`, async () => {
      const code = `SKEW-${label}`;
      const store = await f.store(code, { now: () => Date.now() + skew }, false);
      store.sync.feedHandlers.register('test.note', () => {});
      store.sync.write((emit) => {
        for (let i = 0; i < 300; i++) emit('test.sale', { qty: 1 });
      });
      await store.start();
      const storeId = f.credentials.get(code)!.storeId;
      await waitFor('the offline events to land', () => store.sync.status().pendingUp === 0);

      // The hub writes to the store's feed; whatever the store does after applying it must order after it.
      const hubWroteAt = Date.now();
      await f.hub.db.transaction((tx) => f.hub.sync.feed.append(tx, storeId, [{ type: 'test.note', payload: {} }]));
      await waitFor('the feed entry', () => store.sync.status().feedCursor === 1);
      store.sync.write((emit) => emit('test.sale', { qty: 1 }));
      await waitFor('the reaction to land', () => store.sync.status().pendingUp === 0);

      expect(await f.ledger(storeId)).toEqual({ count: 301, total: 301, maxSeq: 301 });
      const stamps = (await hlcsInSeqOrder(storeId)).map(hlcDecode);
      for (let i = 1; i < stamps.length; i++) expect(hlcCompare(stamps[i]!, stamps[i - 1]!)).toBe(1);
      expect(stamps.at(-1)!.wallMs).toBeGreaterThanOrEqual(hubWroteAt);
    });
  }
});
