import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcEncode } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { offlineBuffer } from '../stock-rules.js';
import { ensureMovementPartitions } from '../repository.js';

const STORES = {
  manhattan: { lat: 40.758, lon: -73.9855 },
  brooklyn: { lat: 40.6782, lon: -73.9442 }, // ~9 km from Manhattan
  jersey: { lat: 40.7178, lon: -74.0431 }, // ~6.5 km
  philadelphia: { lat: 39.9526, lon: -75.1652 }, // ~130 km
};

describe('the offline buffer', () => {
  it('grows with the store’s sales pace and its silence, up to 72 hours', () => {
    const hour = 3600_000;
    expect(offlineBuffer(168, 0)).toBe(0); // connected or just heard from
    expect(offlineBuffer(168, 10 * hour)).toBe(10); // 1 an hour, 10 hours
    expect(offlineBuffer(168, 10 * hour + 1)).toBe(11); // rounded up: never promise a unit it may have sold
    expect(offlineBuffer(168, 500 * hour)).toBe(72);
    expect(offlineBuffer(0, 500 * hour)).toBe(0); // nothing sold lately, nothing to hold back
  });
});

describe.each(dbTargets)('inventory on $name', (target) => {
  let t: TestHub;
  let admin: string;
  const ids: Record<string, { id: string; token: string }> = {};
  let seq: Record<string, number> = {};

  /** Sends `stock.moved` events through the real sync apply path, as the store's outbox would. */
  const move = async (store: string, ...moves: unknown[]) => {
    const id = ids[store]!.id;
    const events = moves.map((payload) => {
      seq[id] = (seq[id] ?? 0) + 1;
      return {
        origin: id,
        seq: seq[id]!,
        hlc: hlcEncode({ wallMs: Date.now(), counter: seq[id]!, node: id }),
        type: 'stock.moved',
        payload,
      };
    });
    return t.hub.sync.repo.applyBatch(id, events, 0);
  };

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    // Stores count only what the hub's catalog holds (a sku it does not know is parked: see unknown-sku.test.ts).
    const items = ['MILK-1L', 'CLOCK', 'BREAD', 'EGGS', 'UMBRELLA'].map((sku) => ({
      sku,
      name: sku.toLowerCase(),
      category: 'Grocery',
      priceMinor: 100,
    }));
    expect((await t.call('POST', '/api/catalog/products/import', { items }, { cookie: admin })).status).toBe(200);
    seq = {};
    for (const [name, at] of Object.entries(STORES)) {
      const reg = await t.call(
        'POST',
        '/api/locations',
        { code: name.toUpperCase(), name, kind: 'STORE', ...at },
        { cookie: admin },
      );
      const tok = await t.call('POST', '/api/auth/store-token', reg.body.credential);
      ids[name] = { id: reg.body.location.id, token: tok.body.token };
    }
  });
  afterAll(() => t?.stop());

  it('counts on-hand as the sum of every movement, with its source', async () => {
    await move(
      'manhattan',
      { sku: 'MILK-1L', delta: 24, kind: 'RECEIVE' },
      { sku: 'MILK-1L', delta: -3, kind: 'SALE' },
      { sku: 'MILK-1L', delta: 1, kind: 'RETURN' },
    );
    await move('manhattan', { sku: 'MILK-1L', delta: -2, kind: 'RFID_RECONCILE' });
    const level = await t.call('GET', `/api/inventory/stores/${ids.manhattan!.id}/stock/MILK-1L`, undefined, {
      bearer: ids.manhattan!.token,
    });
    expect(level.body).toMatchObject({ onHand: 20, reserved: 0, safety: 0, available: 20 });
    const history = await t.call(
      'GET',
      `/api/inventory/stores/${ids.manhattan!.id}/stock/MILK-1L/movements`,
      undefined,
      { cookie: admin },
    );
    expect(
      history.body.items
        .map((m: { kind: string; source: string; delta: number }) => `${m.kind}/${m.source}/${m.delta}`)
        .sort(),
    ).toEqual(['RECEIVE/WAREHOUSE/24', 'RETURN/POS/1', 'RFID_RECONCILE/RFID/-2', 'SALE/POS/-3']);
    const partition = await t.hub.db.query<{ part: string }>(
      "SELECT DISTINCT tableoid::regclass::text AS part FROM inventory_movements WHERE sku = 'MILK-1L'",
    );
    expect(partition.rows.map((r) => r.part)).toEqual([
      `inventory_movements_y${new Date().getUTCFullYear()}m${String(new Date().getUTCMonth() + 1).padStart(2, '0')}`,
    ]);
  });

  it('creates a month’s partition even when movements for that month already landed in the default one', async () => {
    const ahead = Date.now() + 200 * 86_400_000; // a store clock far in the future: no partition yet
    await move('jersey', { sku: 'CLOCK', delta: 3, kind: 'RECEIVE', at: ahead });
    const where = async () =>
      (
        await t.hub.db.query<{ part: string }>(
          "SELECT tableoid::regclass::text AS part FROM inventory_movements WHERE sku = 'CLOCK'",
        )
      ).rows.map((r) => r.part);
    expect(await where()).toEqual(['inventory_movements_default']);
    const made = await ensureMovementPartitions(t.hub.db, ahead, 1);
    expect(made).toHaveLength(1);
    expect(await where()).toEqual(made);
  });

  it('applies a thousand sales of a batch as one counter update, exactly', async () => {
    await move('brooklyn', { sku: 'BREAD', delta: 5000, kind: 'RECEIVE' });
    await move(
      'brooklyn',
      ...Array.from({ length: 1000 }, (_, i) => ({ sku: 'BREAD', delta: -((i % 3) + 1), kind: 'SALE' })),
    );
    const level = await t.call('GET', `/api/inventory/stores/${ids.brooklyn!.id}/stock/BREAD`, undefined, {
      cookie: admin,
    });
    expect(level.body.onHand).toBe(5000 - (334 * 1 + 333 * 2 + 333 * 3));
  });

  it('parks a malformed or contradictory movement on its own and applies the rest', async () => {
    const result = await move(
      'jersey',
      { sku: 'EGGS', delta: 12, kind: 'RECEIVE' },
      { sku: 'EGGS', delta: 5, kind: 'SALE' }, // a sale cannot add stock
      { sku: 'EGGS', qty: -1 }, // not a movement
      { sku: 'EGGS', delta: -2, kind: 'SALE' },
    );
    expect(result.ackedSeq).toBe(seq[ids.jersey!.id]);
    const level = await t.call('GET', `/api/inventory/stores/${ids.jersey!.id}/stock/EGGS`, undefined, {
      cookie: admin,
    });
    expect(level.body.onHand).toBe(10);
    const parked = await t.call('GET', `/api/sync/parked?storeId=${ids.jersey!.id}`, undefined, { cookie: admin });
    expect(parked.body.items.map((p: { reason: string }) => p.reason)).toEqual([
      'rejected by stock.moved handler: a SALE cannot move stock by 5',
      expect.stringMatching(/^rejected by stock.moved handler: invalid payload \(/),
    ]);
  });

  it('keeps safety stock out of what can be promised, set only by an admin or manager', async () => {
    const url = `/api/inventory/stores/${ids.manhattan!.id}/stock/MILK-1L/safety`;
    expect((await t.call('PUT', url, { safety: 5 }, { bearer: ids.manhattan!.token })).status).toBe(403);
    const set = await t.call('PUT', url, { safety: 5 }, { cookie: admin });
    expect(set.body).toMatchObject({ onHand: 20, safety: 5, available: 15 });
    expect((await t.call('PUT', url, { safety: -1 }, { cookie: admin })).status).toBe(400);
    expect(
      (
        await t.call('GET', `/api/inventory/stores/${ids.manhattan!.id}/stock/MILK-1L`, undefined, {
          bearer: ids.brooklyn!.token,
        })
      ).status,
    ).toBe(403);
    const unknown = await t.call('GET', `/api/inventory/stores/${ids.manhattan!.id}/stock/NO-SUCH-SKU`, undefined, {
      cookie: admin,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe(`stock record ${ids.manhattan!.id}/NO-SUCH-SKU not found`);
  });

  it('finds the stores near a point with enough available, nearest first', async () => {
    await move('brooklyn', { sku: 'UMBRELLA', delta: 3, kind: 'RECEIVE' });
    await move('jersey', { sku: 'UMBRELLA', delta: 8, kind: 'RECEIVE' });
    await move('philadelphia', { sku: 'UMBRELLA', delta: 50, kind: 'RECEIVE' });
    await move('manhattan', { sku: 'UMBRELLA', delta: 1, kind: 'RECEIVE' });
    const q = (qty: number, radiusKm: number) =>
      t.call(
        'GET',
        `/api/inventory/nearby?sku=UMBRELLA&lat=${STORES.manhattan.lat}&lon=${STORES.manhattan.lon}&radiusKm=${radiusKm}&qty=${qty}`,
        undefined,
        { cookie: admin },
      );
    const near = await q(2, 25);
    expect(near.body.items.map((s: { code: string }) => s.code)).toEqual(['JERSEY', 'BROOKLYN']); // Manhattan has only 1
    expect(near.body.items[0].distanceKm).toBeGreaterThan(5);
    expect(near.body.items[0].distanceKm).toBeLessThan(8);
    expect((await q(1, 200)).body.items.map((s: { code: string }) => s.code)).toEqual([
      'MANHATTAN',
      'JERSEY',
      'BROOKLYN',
      'PHILADELPHIA',
    ]);
    expect(
      (await t.call('GET', '/api/inventory/nearby?sku=UMBRELLA&lat=95&lon=0', undefined, { cookie: admin })).status,
    ).toBe(400);
  });
});
