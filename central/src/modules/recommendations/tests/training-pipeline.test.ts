import { type RecsStoreTop, recsStoreTopSchema } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TrainingHub } from './training-hub.js';

/**
 * A training run end to end: interactions recorded through the port, the models trained on a worker, the candidates
 * written, the model made ACTIVE, and every store fed its own top list.
 *
 * The shoppers: 12 buy milk with bread, 10 apples with bananas, 6 cheese with bagels; `solo` bought milk only. Stores:
 * north sells apples, south cheese, east nothing yet.
 */
describe.each(dbTargets)('a training run ($name)', (target) => {
  let h: TrainingHub;
  const stores: Record<'north' | 'south' | 'east', string> = { north: '', south: '', east: '' };
  let version = 0;

  beforeAll(async () => {
    h = await TrainingHub.start(target);
    const cookie = await h.t.login();
    for (const name of ['north', 'south', 'east'] as const)
      stores[name] = (await h.t.store(name.toUpperCase(), cookie)).id;
    await h.products([
      { sku: 'MILK', name: 'Whole milk 1 l', category: 'Dairy', brand: 'Meadow' },
      { sku: 'OAT-MILK', name: 'Oat milk 1 l', category: 'Dairy', brand: 'Meadow' },
      { sku: 'CHEESE', name: 'Cheddar 200 g', category: 'Dairy' },
      { sku: 'BREAD', name: 'Sourdough bread', category: 'Bakery' },
      { sku: 'BAGEL', name: 'Sesame bagels', category: 'Bakery' },
      { sku: 'APPLE', name: 'Apples 1 kg', category: 'Produce' },
      { sku: 'BANANA', name: 'Bananas', category: 'Produce' },
    ]);
    const bought = (customer: string, storeId: string | null, ...skus: string[]) =>
      skus.map((sku) => ({ customerId: customer, sku, kind: 'PURCHASE' as const, storeId }));
    await h.record([
      ...Array.from({ length: 12 }, (_, k) => bought(`milk-${k}`, null, 'MILK', 'BREAD')).flat(),
      ...Array.from({ length: 10 }, (_, k) => bought(`fruit-${k}`, stores.north, 'APPLE', 'BANANA')).flat(),
      ...Array.from({ length: 6 }, (_, k) => bought(`cheese-${k}`, stores.south, 'CHEESE', 'BAGEL')).flat(),
      ...bought('solo', null, 'MILK'),
      // anonymous views count for popularity only; an unknown sku is left out
      { customerId: null, sku: 'APPLE', kind: 'VIEW', storeId: stores.north },
      { customerId: 'solo', sku: 'NOT-IN-CATALOG', kind: 'VIEW', storeId: null },
    ]);
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('activates a model whose candidates give a milk buyer the bread others bought with milk', async () => {
    const run = await h.parts.training.train();
    version = run.version;
    expect(run.state).toBe('ACTIVE');
    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ customers: 29, products: 7, unknownSkus: 1, interactions: 58 });
    expect(run.summary.trainMs).toEqual(expect.any(Number));
    expect(run.summary.writeMs).toEqual(expect.any(Number));

    const solo = (await h.candidates(version, 'solo'))!;
    expect(solo[0]).toMatchObject({ sku: 'BREAD', score: 1, why: 'MILK' });
    expect(solo.map((c) => c.sku)).not.toContain('MILK'); // already bought
    for (const c of solo) expect(c.score).toBeGreaterThanOrEqual(0);
    for (const c of solo) expect(c.score).toBeLessThanOrEqual(1);

    expect((await h.neighbours(version, 'MILK', 'BOUGHT_WITH'))![0]).toMatchObject({ sku: 'BREAD', score: 1 });
    // a product nobody has bought yet still has content neighbours (a cold start)
    expect((await h.neighbours(version, 'OAT-MILK', 'BOUGHT_WITH')) ?? []).toEqual([]);
    expect((await h.neighbours(version, 'OAT-MILK', 'SIMILAR'))![0]!.sku).toBe('MILK');

    // 13 milk buyers outweigh 10 apple buyers and a view
    expect((await h.popular(version, 'all'))![0]).toMatchObject({ sku: 'MILK', score: 1 });
    expect((await h.popular(version, 'category:Bakery'))!.map((c) => c.sku)).toEqual(['BREAD', 'BAGEL']);
    expect((await h.popular(version, `store:${stores.south}`))!.map((c) => c.sku).sort()).toEqual(['BAGEL', 'CHEESE']);
    expect((await h.parts.training.runs(10))[0]).toMatchObject({ version, state: 'ACTIVE' });
  });

  it('feeds every store its own popular list with bought-together pairs, as the route gives it', async () => {
    const fed = async (storeId: string): Promise<RecsStoreTop[]> => {
      const { rows } = await h.t.hub.db.query<{ payload: RecsStoreTop }>(
        `SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'recs.store-top' ORDER BY seq`,
        [storeId],
      );
      return rows.map((r) => recsStoreTopSchema.parse(r.payload));
    };
    const north = (await fed(stores.north)).at(-1)!;
    expect(north.modelVersion).toBe(version);
    expect(north.items[0]).toMatchObject({ sku: 'APPLE', category: 'Produce', reason: 'Popular at this store' });
    expect(north.items.map((i) => i.sku).sort()).toEqual(['APPLE', 'BANANA']);
    expect(north.pairs.find((p) => p.sku === 'APPLE')!.with[0]).toMatchObject({
      sku: 'BANANA',
      reason: 'Customers who bought Apples 1 kg also bought this',
    });
    const south = (await fed(stores.south)).at(-1)!;
    expect(south.items.map((i) => i.sku).sort()).toEqual(['BAGEL', 'CHEESE']);
    // a store with no sales of its own yet gets the overall list, said to be popular across the stores
    const east = (await fed(stores.east)).at(-1)!;
    expect(east.items[0]).toMatchObject({ sku: 'MILK', reason: 'Popular across our stores' });
    expect(east.items[1]).toMatchObject({ sku: 'BREAD', reason: 'Popular across our stores' });
    expect(east.items).toHaveLength(7 - 1); // every product with interactions (OAT-MILK has none)

    expect(await h.parts.training.storeTop(stores.north)).toEqual(north);
    expect(await h.parts.training.storeTop('00000000-0000-7000-8000-000000000000')).toBeNull();
  });

  it('a second run retires the first; only the newest three models keep their rows', async () => {
    const second = await h.parts.training.train();
    expect(second.version).toBeGreaterThan(version);
    let states = await h.states();
    expect(states.get(version)).toBe('RETIRED');
    expect(states.get(second.version)).toBe('ACTIVE');
    expect(await h.rowsOf(version)).toBeGreaterThan(0);

    const third = await h.parts.training.train();
    const fourth = await h.parts.training.train();
    states = await h.states();
    expect([...states.values()].filter((s) => s === 'ACTIVE')).toHaveLength(1);
    expect(states.get(fourth.version)).toBe('ACTIVE');
    expect(await h.rowsOf(version)).toBe(0);
    for (const v of [second.version, third.version, fourth.version]) expect(await h.rowsOf(v)).toBeGreaterThan(0);
    version = fourth.version;
  });

  it('a run that fails is FAILED with its error, leaves no rows, and the old model keeps serving', async () => {
    const training = h.parts.training;
    training.fault = (phase) => {
      if (phase === 'activate') throw new Error('disk full (forced by the test)');
    };
    try {
      await expect(training.train()).rejects.toThrow('disk full');
    } finally {
      training.fault = null;
    }
    const [failed] = await training.runs(1);
    expect(failed).toMatchObject({ state: 'FAILED', error: 'activate: disk full (forced by the test)' });
    expect(failed!.finishedAt).toEqual(expect.any(Number));
    expect(await h.rowsOf(failed!.version)).toBe(0);
    expect((await h.states()).get(version)).toBe('ACTIVE');
    expect((await h.candidates(version, 'solo'))![0]!.sku).toBe('BREAD');
  });
});
