import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7, type StockCounted } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { parkedOf, StoreOutbox } from '../../../../tests/support/store-outbox.js';

const DAY = 86_400_000;

/** A count summary as a store node sends it after a complete RFID count. */
const counted = (at: number, skusCounted: number, skusMatching: number, unitsCounted: number, unitsOff: number) =>
  ({ countId: uuidv7(at), at, skusCounted, skusMatching, unitsCounted, unitsOff }) satisfies StockCounted;

/**
 * Inventory accuracy from the stores' `stock.counted` summaries (GET /api/inventory/accuracy): skus matching ÷ skus
 * counted over the window. storeA's counts all matched, storeB's found drift, storeC never counted: storeC has no
 * figure (the old reading, 1 − corrections ÷ on-hand, gave it 100 %).
 */
describe.each(dbTargets)('inventory accuracy from RFID counts on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let storeA: { id: string };
  let storeB: { id: string };
  let storeC: { id: string };
  const now = Date.now();
  const accuracy = async (query: string) =>
    t.call('GET', `/api/inventory/accuracy?${query}`, undefined, { cookie: admin });

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    storeA = await t.store('ACC-A', admin);
    storeB = await t.store('ACC-B', admin);
    storeC = await t.store('ACC-C', admin);
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('a store whose counts match reads 100 % with the skus it counted; drift reads less; no count has no figure', async () => {
    const a = new StoreOutbox(t, storeA.id);
    const b = new StoreOutbox(t, storeB.id);
    const c = new StoreOutbox(t, storeC.id);
    const first = a.event('stock.counted', counted(now - 3 * DAY, 12, 12, 338, 0));
    const repeated = a.event('stock.counted', counted(now - 2 * DAY, 12, 12, 340, 0));
    await a.send(first, repeated);
    // the same batch sent again (no ack reached the store), and the same count again under a later seq (a restored
    // store file: same HLC and payload): each counts once, though the day's row is summed, not keyed by count
    await a.send(repeated);
    await a.send({ ...a.event('stock.counted', repeated.payload), hlc: repeated.hlc });
    await b.send(
      b.event('stock.counted', counted(now - 9 * DAY, 10, 10, 200, 0)), // outside the 7 days
      b.event('stock.counted', counted(now - DAY, 10, 9, 198, 2)),
      b.event('stock.counted', counted(now - 3_600_000, 10, 8, 196, 5)),
    );
    // storeC: stock moved (even an RFID correction), but no count summary
    await c.send(c.event('stock.moved', { sku: 'NO-SUCH', delta: 5, kind: 'RECEIVE', at: now - DAY }));

    const r = await accuracy(`storeIds=${storeA.id},${storeB.id},${storeC.id}&days=7`);
    expect(r.status).toBe(200);
    const byStore = new Map(r.body.items.map((x: { storeId: string }) => [x.storeId, x]));
    expect(byStore.get(storeA.id)).toEqual({
      storeId: storeA.id,
      counts: 2,
      skusCounted: 24,
      skusMatching: 24,
      unitsCounted: 678,
      unitsOff: 0,
      lastCountAt: now - 2 * DAY,
      accuracy: 1,
    });
    expect(byStore.get(storeB.id)).toEqual({
      storeId: storeB.id,
      counts: 2,
      skusCounted: 20,
      skusMatching: 17,
      unitsCounted: 394,
      unitsOff: 7,
      lastCountAt: now - 3_600_000,
      accuracy: 0.85,
    });
    expect(byStore.get(storeC.id)).toEqual({
      storeId: storeC.id,
      counts: 0,
      skusCounted: 0,
      skusMatching: 0,
      unitsCounted: 0,
      unitsOff: 0,
      lastCountAt: null,
      accuracy: null,
    });
    // over 10 days storeB's older, clean count is in
    const ten = await accuracy(`storeIds=${storeB.id}&days=10`);
    expect(ten.body.items[0]).toMatchObject({ counts: 3, skusCounted: 30, skusMatching: 27 });
  });

  it('reads exactly the last N whole UTC days, today included: days=7 is today and the six days before', async () => {
    const store = await t.store('ACC-W', admin);
    const w = new StoreOutbox(t, store.id);
    const today = Math.floor(Date.now() / DAY) * DAY; // UTC midnight starting today
    await w.send(
      w.event('stock.counted', counted(today - 7 * DAY + 60_000, 10, 2, 100, 40)), // the 8th day back: outside
      w.event('stock.counted', counted(today - 6 * DAY + 60_000, 10, 10, 100, 0)), // the 7th day back: inside
    );
    const week = await accuracy(`storeIds=${store.id}&days=7`);
    expect(week.status).toBe(200);
    expect(week.body.items[0]).toMatchObject({ counts: 1, skusCounted: 10, skusMatching: 10, accuracy: 1 });
    const one = await accuracy(`storeIds=${store.id}&days=1`);
    expect(one.body.items[0]).toMatchObject({ counts: 0, accuracy: null });
    const eight = await accuracy(`storeIds=${store.id}&days=8`);
    expect(eight.body.items[0]).toMatchObject({ counts: 2, skusCounted: 20, skusMatching: 12 });
  });

  it('keeps one row per store and day however often the reader counts, with the same accuracy', async () => {
    const store = await t.store('ACC-E', admin);
    const e = new StoreOutbox(t, store.id);
    // a day of 60-second count cycles (1,440) at one store, in batches as the sync client sends them, 1 in 10 drifting
    const dayStart = Date.parse('2026-11-20T00:00:00Z');
    const cycles = Array.from({ length: 1440 }, (_, i) =>
      e.event('stock.counted', counted(dayStart + i * 60_000, 50, i % 10 === 0 ? 49 : 50, 1200, i % 10 === 0 ? 1 : 0)),
    );
    for (let i = 0; i < cycles.length; i += 200) await e.send(...cycles.slice(i, i + 200));
    await e.send(e.event('stock.counted', counted(dayStart + DAY + 60_000, 50, 50, 1200, 0))); // the next day
    const { rows } = await t.hub.db.query<{ day: string; counts: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, counts FROM inventory_rfid_count_days WHERE store_id = $1 ORDER BY day`,
      [store.id],
    );
    expect(rows).toEqual([
      { day: '2026-11-20', counts: 1440 },
      { day: '2026-11-21', counts: 1 },
    ]);
    const r = await accuracy(`storeIds=${store.id}&days=30`);
    // 1,441 counts of 50 skus; 144 counts had one sku off: (72,050 − 144) ÷ 72,050
    expect(r.body.items[0]).toEqual({
      storeId: store.id,
      counts: 1441,
      skusCounted: 72_050,
      skusMatching: 72_050 - 144,
      unitsCounted: 1441 * 1200,
      unitsOff: 144,
      lastCountAt: dayStart + DAY + 60_000,
      accuracy: (72_050 - 144) / 72_050,
    });
  }, 120_000);

  it('parks a summary that does not add up and applies its neighbours', async () => {
    const store = await t.store('ACC-D', admin);
    const d = new StoreOutbox(t, store.id);
    await d.send(
      d.event('stock.counted', counted(now - 60_000, 5, 6, 40, 0)),
      d.event('stock.counted', counted(now - 30_000, 5, 5, 40, 0)),
      d.event('stock.counted', { ...counted(now - 20_000, 5, 4, 40, 1), extra: 'field' }),
    );
    expect(await parkedOf(t, admin, store.id)).toEqual([
      { seq: 1, type: 'stock.counted', reason: expect.stringContaining('skusMatching') },
      { seq: 3, type: 'stock.counted', reason: expect.stringMatching(/unrecognized key|extra/i) },
    ]);
    const r = await accuracy(`storeIds=${store.id}`);
    expect(r.body.items[0]).toMatchObject({ counts: 1, skusCounted: 5, skusMatching: 5, accuracy: 1 });
  });

  it('refuses a bad query with problem+json', async () => {
    for (const q of [
      `storeIds=${storeA.id}&days=0`,
      `storeIds=${storeA.id}&days=91`,
      'storeIds=not-a-store',
      'days=7',
    ]) {
      const r = await accuracy(q);
      expect(r.status, q).toBe(400);
      expect(r.headers.get('content-type'), q).toContain('application/problem+json');
    }
  });
});
