import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

/**
 * Nearby stock in a fleet of hundreds of stores (issue #26, review finding 13): GraphQL's `Product.nearby` and REST's
 * GET /api/inventory/nearby answer the stores within the radius that have the product, nearest first, the nearest
 * `first` of them; a store past the radius is never answered however few are nearer. The expected answer is worked
 * out here, from the stores' coordinates, by the great-circle distance (an oracle of its own, not the hub's SQL).
 */
describe.each(dbTargets)('nearby stock in a fleet of 300 stores on $name', (target) => {
  let t: TestHub;
  let admin: string;
  const origin = { id: '00000000-0000-4000-8000-00000000a000', code: 'N000', lat: 41.0, lon: -74.0 };
  type Store = { id: string; code: string; lat: number; lon: number; available: number };
  let fleet: Store[];

  const rad = (deg: number) => (deg * Math.PI) / 180;
  const km = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) => {
    const h =
      Math.sin(rad(b.lat - a.lat) / 2) ** 2 +
      Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
    return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
  };
  /** The stores other than `from` with stock, within `radiusKm`, nearest first, at most `first`. */
  const expected = (from: { id: string; lat: number; lon: number }, radiusKm: number, first: number) =>
    fleet
      .filter((s) => s.id !== from.id && s.available > 0 && km(from, s) <= radiusKm)
      .sort((a, b) => km(from, a) - km(from, b))
      .slice(0, first);

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    // 280 stores scattered over about 700 × 500 km around the origin, 20 more 800–1,500 km off; a quarter have none
    const near = fc.sample(
      fc.record({
        lat: fc.double({ min: 38.0, max: 44.0, noNaN: true }),
        lon: fc.double({ min: -78.0, max: -70.0, noNaN: true }),
        available: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 })),
      }),
      { seed: 26, numRuns: 279 },
    );
    const far = fc.sample(
      fc.record({
        lat: fc.double({ min: 48.0, max: 52.0, noNaN: true }),
        lon: fc.double({ min: -90.0, max: -60.0, noNaN: true }),
        available: fc.integer({ min: 1, max: 50 }),
      }),
      { seed: 13, numRuns: 20 },
    );
    fleet = [
      { ...origin, available: 9 },
      ...[...near, ...far].map((s, i) => ({
        ...s,
        id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
        code: `N${String(i + 1).padStart(3, '0')}`,
      })),
    ];
    expect(fleet).toHaveLength(300);
    await t.hub.db.query(
      `INSERT INTO locations (id, code, name, kind, lat, lon, created_at, updated_at)
       SELECT id, code, 'Store ' || code, 'STORE', lat, lon, 1, 1
         FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::float8[]) AS s(id, code, lat, lon)`,
      [fleet.map((s) => s.id), fleet.map((s) => s.code), fleet.map((s) => s.lat), fleet.map((s) => s.lon)],
    );
    await t.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       VALUES ('UMBRELLA', 'Umbrella', 'Rain', 1500, 'USD', 'ZERO', 1)`,
    );
    // on hand 5 more than available, 3 of them reserved and 2 safety stock: "available" is what may be promised
    await t.hub.db.query(
      `INSERT INTO inventory_stock (store_id, sku, on_hand, reserved, safety, updated_at)
       SELECT id, 'UMBRELLA', available + 5, 3, 2, 1 FROM unnest($1::uuid[], $2::int[]) AS s(id, available)`,
      [fleet.map((s) => s.id), fleet.map((s) => s.available)],
    );
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  const nearby = async (args: string) => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ product(sku: "UMBRELLA") { nearby(storeId: "${origin.id}"${args}) { storeId available level } } }`,
      }),
    });
    return (await res.json()) as {
      data?: { product: { nearby: { storeId: string; available: number }[] } };
      errors?: { message: string; extensions: { code: string } }[];
    };
  };

  it('GraphQL answers the nearest stores with stock within the radius, nearest first, the origin left out', async () => {
    for (const [radiusKm, first] of [
      [150, 10],
      [60, 20],
      [40, 20],
      [500, 20],
    ] as const) {
      const want = expected(origin, radiusKm, first);
      const { data, errors } = await nearby(`, first: ${first}, radiusKm: ${radiusKm}`);
      expect(errors).toBeUndefined();
      expect(
        data!.product.nearby.map((s) => s.storeId),
        `${radiusKm} km`,
      ).toEqual(want.map((s) => s.id));
      expect(data!.product.nearby.map((s) => s.available)).toEqual(want.map((s) => s.available));
    }
    // a small radius holds fewer stores than asked for: only those, none from past it
    expect(expected(origin, 40, 20).length).toBeGreaterThan(0);
    expect(expected(origin, 40, 20).length).toBeLessThan(20);
    expect(expected(origin, 60, 20).length).toBeLessThan(20);
    // left out, the radius is the farthest REST allows (500 km): the stores 800 km and more away never show
    const { data } = await nearby(', first: 20');
    expect(data!.product.nearby.map((s) => s.storeId)).toEqual(expected(origin, 500, 20).map((s) => s.id));
    const everyNear = await nearby(', first: 20, radiusKm: 500');
    const far = new Set(fleet.filter((s) => km(origin, s) > 500).map((s) => s.id));
    expect(far.size).toBe(20);
    expect(everyNear.data!.product.nearby.some((s) => far.has(s.storeId))).toBe(false);
  });

  it('REST answers the same stores in the same order for the same point and radius', async () => {
    const rest = await t.call(
      'GET',
      `/api/inventory/nearby?sku=UMBRELLA&lat=${origin.lat}&lon=${origin.lon}&radiusKm=150&limit=10`,
      undefined,
      { cookie: admin },
    );
    expect(rest.status).toBe(200);
    // REST asks from a point, so the store standing on it (0 km) comes first; then GraphQL's nine nearest
    const want = [fleet[0]!, ...expected(origin, 150, 9)];
    expect(rest.body.items.map((s: { storeId: string }) => s.storeId)).toEqual(want.map((s) => s.id));
    for (const [i, s] of (rest.body.items as { distanceKm: number }[]).entries())
      expect(Math.abs(s.distanceKm - km(origin, want[i]!))).toBeLessThan(0.01);
    const gql = await nearby(', first: 9, radiusKm: 150');
    expect(gql.data!.product.nearby.map((s) => s.storeId)).toEqual(want.slice(1).map((s) => s.id));
  });

  it('refuses a radius of 0, a negative one or one past 500 km (BAD_USER_INPUT), answering nothing', async () => {
    for (const radiusKm of [0, -5, 500.5, 20_000]) {
      const { data, errors } = await nearby(`, first: 5, radiusKm: ${radiusKm}`);
      expect(
        errors?.map((e) => e.extensions.code),
        String(radiusKm),
      ).toEqual(['BAD_USER_INPUT']);
      expect(errors![0]!.message).toMatch(/radiusKm must be above 0 and at most 500/);
      expect(data?.product?.nearby ?? null).toBeNull();
    }
  });
});
