import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { catalogRows, seedCatalog } from '../src/demo/demo-seed.js';
import { DEMO_MISSIONS, demoShoppingHistory, seedDemoRecommendations } from '../src/demo/demo-recommendations.js';

/**
 * What `npm start` seeds for recommendations (issue #21): a month of baskets around shopping missions, one training
 * run, and then the lists a shopper sees make sense — spaghetti brings its sauce, a demo shopper's home list is theirs.
 * Started again, it records nothing twice and does not train again.
 */
describe.each(dbTargets)('the demo’s recommendations on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let shopper: string;
  let summary: string;

  const api = async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    // a read or a catalog import (an upsert) is sent again when the connection dropped: the hub in this process may
    // close a kept-alive connection just as it is reused, after a step on PGlite held the event loop
    const again = method === 'GET' || path === '/api/catalog/products/import';
    const r = await t.call(method, path, body, { cookie: admin }).catch((err: Error) => {
      if (!again) throw err;
      return t.call(method, path, body, { cookie: admin });
    });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  const count = async (sql: string) => Number((await t.hub.db.query<{ n: number }>(sql)).rows[0]!.n);

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    await seedCatalog(api, () => {});
    shopper = (await api<{ id: string }>('POST', '/api/customers', { name: 'Maria Gonzalez' })).id;
    ({ summary } = await seedDemoRecommendations({
      hub: t.hub,
      api,
      stores: [],
      customers: [shopper],
      catalog: catalogRows(),
      say: () => {},
      waitMs: 240_000,
    }));
  }, 400_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('builds baskets of the missions: a pasta basket holds a sauce, every shopper bought something', () => {
    const history = demoShoppingHistory(catalogRows(), ['a', 'b'], ['s1'], Date.now());
    const bySku = new Map(catalogRows().map((p) => [p.sku, p.name]));
    const baskets = new Map<string, string[]>();
    for (const h of history.filter((x) => x.kind === 'PURCHASE'))
      baskets.set(h.sourceRef, [...(baskets.get(h.sourceRef) ?? []), bySku.get(h.sku)!]);
    const [pasta, sauce] = DEMO_MISSIONS[0]!.groups;
    const pastaBaskets = [...baskets.values()].filter((names) => names.some((n) => pasta!.test(n)));
    expect(pastaBaskets.length).toBeGreaterThan(20);
    expect(pastaBaskets.filter((names) => names.some((n) => sauce!.test(n))).length).toBeGreaterThan(
      pastaBaskets.length / 2,
    );
    expect(new Set(history.filter((x) => x.kind === 'PURCHASE').map((x) => x.customerId)).size).toBe(242);
    // the same history on every start: each basket under the same reference
    expect(demoShoppingHistory(catalogRows(), ['a', 'b'], ['s1'], 0).map((h) => h.sourceRef)).toEqual(
      history.map((h) => h.sourceRef),
    );
  });

  it('trains a model, and the lists follow the baskets: spaghetti brings a sauce or cheese, the shopper gets a list', async () => {
    expect(summary).toMatch(/^model \d+ from [\d,]+ interactions of 241 shoppers/);
    const models = await api<{ runs: { state: string }[] }>('GET', '/api/recommendations/models');
    expect(models.runs.filter((r) => r.state === 'ACTIVE')).toHaveLength(1);

    // the pasta bought most in the history (the missions' first group: the skewed pick favours it)
    const history = demoShoppingHistory(catalogRows(), [shopper], [], Date.now());
    const bySku = new Map(catalogRows().map((p) => [p.sku, p]));
    const tally = new Map<string, number>();
    for (const h of history)
      if (h.kind === 'PURCHASE' && DEMO_MISSIONS[0]!.groups[0]!.test(bySku.get(h.sku)!.name))
        tally.set(h.sku, (tally.get(h.sku) ?? 0) + 1);
    const pasta = [...tally].sort((x, y) => y[1] - x[1])[0]![0];
    const list = await api<{ items: { sku: string; name: string; reason: string }[] }>(
      'GET',
      `/api/recommendations?surface=product&sku=${pasta}&limit=10`,
    );
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.map((i) => i.sku)).not.toContain(pasta);
    const goesWith = [DEMO_MISSIONS[0]!.groups[1]!, DEMO_MISSIONS[0]!.groups[2]!];
    expect(list.items.some((i) => goesWith.some((g) => g.test(i.name)))).toBe(true);

    const home = await api<{ items: { sku: string }[]; modelVersion: number | null }>(
      'GET',
      `/api/recommendations?surface=home&customerId=${shopper}&limit=10`,
    );
    expect(home.modelVersion).not.toBeNull();
    expect(home.items.length).toBeGreaterThan(0);
  });

  it('records nothing twice and does not train again when started again', async () => {
    const interactions = await count('SELECT count(*)::int AS n FROM recs_interactions');
    const models = await count('SELECT count(*)::int AS n FROM recs_models');
    const again = await seedDemoRecommendations({
      hub: t.hub,
      api,
      stores: [],
      customers: [shopper],
      catalog: catalogRows(),
      say: () => {},
    });
    expect(again.summary).toBe(summary);
    expect(await count('SELECT count(*)::int AS n FROM recs_interactions')).toBe(interactions);
    expect(await count('SELECT count(*)::int AS n FROM recs_models')).toBe(models);
  });
});
