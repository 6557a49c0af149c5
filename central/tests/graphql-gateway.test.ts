import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/**
 * The GraphQL gateway at /graphql (issue #26): anonymous reads of the catalog with prices, stock and ratings; the
 * number of SQL statements a product list costs (bounded: it must not grow with the list); depth and cost refusals
 * before anything runs; error codes; bad input answered 4xx, never 500.
 */
describe.each(dbTargets)('GraphQL gateway on $name', (target) => {
  let t: TestHub;
  let stores: { a: string; b: string; c: string };
  const skus = Array.from({ length: 60 }, (_, i) => `GQ-${String(i).padStart(3, '0')}`);

  beforeAll(async () => {
    t = await TestHub.start(target);
    const admin = await t.login();
    const place = async (code: string, lat: number, lon: number) => {
      const reg = await t.call(
        'POST',
        '/api/locations',
        { code, name: `Store ${code}`, kind: 'STORE', lat, lon },
        {
          cookie: admin,
        },
      );
      return reg.body.credential.storeId as string;
    };
    // A in Manhattan, B in Brooklyn (about 8 km), C in Boston (about 300 km)
    stores = {
      a: await place('GQA', 40.758, -73.9855),
      b: await place('GQB', 40.6782, -73.9442),
      c: await place('GQC', 42.3601, -71.0589),
    };
    await t.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       SELECT s, 'Product ' || s, 'Pantry', 1000 + i, 'USD', 'ZERO', 1 FROM unnest($1::text[]) WITH ORDINALITY AS x(s, i)`,
      [skus],
    );
    // stock: A has 3 of each (LOW), B 40 (IN_STOCK), C 7; nothing of the last sku anywhere
    for (const [store, qty] of [
      [stores.a, 3],
      [stores.b, 40],
      [stores.c, 7],
    ] as const) {
      await t.hub.db.query(
        `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at) SELECT $1::uuid, s, $2, 1 FROM unnest($3::text[]) AS s`,
        [store, qty, skus.slice(0, -1)],
      );
    }
    // GQ-000 has two published ratings (5 and 3) and one held for moderation (1), which must not count or show
    await t.hub.db.query(`INSERT INTO review_summaries (sku, n3, n5, updated_at) VALUES ('GQ-000', 1, 1, 1)`);
    const review = (id: string, rating: number, status: string, at: number) =>
      t.hub.db.query(
        `INSERT INTO reviews (id, sku, customer_id, rating, title, body, author_name, status, created_at, updated_at)
         VALUES ($1, 'GQ-000', gen_random_uuid(), $2::int, 'T' || $2::text, 'Body ' || $2::text, 'Ana P.', $3, $4, $4)`,
        [id, rating, status, at],
      );
    await review('00000000-0000-4000-8000-000000000001', 5, 'APPROVED', 1_700_000_000_000);
    await review('00000000-0000-4000-8000-000000000002', 3, 'APPROVED', 1_700_000_100_000);
    await review('00000000-0000-4000-8000-000000000003', 1, 'MANUAL_REVIEW', 1_700_000_200_000);
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  const gql = (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as any,
      type: res.headers.get('content-type'),
    }));

  /**
   * Runs `fn` (a read) counting the SQL statements the hub's database is asked to run meanwhile. The hub has work of its
   * own on timers (housekeeping, the edge's shared counts, audit writes), and on a loaded machine one of them can fall
   * inside a slow request: the read runs three times and the fewest statements seen is its count. (This holds while
   * the gateway's loaders live for one request; a cache kept across requests would hide a query that grows here.)
   */
  async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const db = t.hub.db as { query: (...args: unknown[]) => Promise<unknown> };
    const original = db.query;
    let statements = 0;
    db.query = function (this: unknown, ...args: unknown[]) {
      statements++;
      return original.apply(this, args);
    };
    try {
      const result = await fn();
      let fewest = statements;
      for (let i = 0; i < 2; i++) {
        statements = 0;
        await fn();
        fewest = Math.min(fewest, statements);
      }
      return { result, statements: fewest };
    } finally {
      db.query = original;
    }
  }

  const listQuery = `query List($first: Int, $store: ID!) {
    products(first: $first) { next items { sku name price { amountMinor currency formatted memberAmountMinor }
      availability(storeId: $store) { available level store { code } } rating { average count } } } }`;

  it('lets anybody read products with their price, stock at a store and rating', async () => {
    const { status, body } = await gql(listQuery, { first: 2, store: stores.a });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.products).toEqual({
      next: 'GQ-001',
      items: [
        {
          sku: 'GQ-000',
          name: 'Product GQ-000',
          price: { amountMinor: 1001, currency: 'USD', formatted: '$10.01', memberAmountMinor: 1001 },
          availability: { available: 3, level: 'LOW', store: { code: 'GQA' } },
          rating: { average: 4, count: 2 },
        },
        {
          sku: 'GQ-001',
          name: 'Product GQ-001',
          price: { amountMinor: 1002, currency: 'USD', formatted: '$10.02', memberAmountMinor: 1002 },
          availability: { available: 3, level: 'LOW', store: { code: 'GQA' } },
          rating: null,
        },
      ],
    });
  });

  it('shows published reviews only, newest first, and stock at the nearest other stores', async () => {
    const { body } = await gql(`{ product(sku: "GQ-000") { reviews { rating title author createdAt }
      nearby(storeId: "${stores.a}", first: 5) { available level store { code } } } missing: product(sku: "NOPE") { sku } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.product.reviews).toEqual([
      { rating: 3, title: 'T3', author: 'Ana P.', createdAt: new Date(1_700_000_100_000).toISOString() },
      { rating: 5, title: 'T5', author: 'Ana P.', createdAt: new Date(1_700_000_000_000).toISOString() },
    ]);
    expect(body.data.product.nearby).toEqual([
      { available: 40, level: 'IN_STOCK', store: { code: 'GQB' } },
      { available: 7, level: 'IN_STOCK', store: { code: 'GQC' } },
    ]);
    expect(body.data.missing).toBeNull();
  });

  it('prices for the caller: a customer holding a loyalty card sees the member price', async () => {
    const admin = await t.login();
    const book = await t.call(
      'POST',
      '/api/pricing/books',
      { name: 'GraphQL chain', scope: 'CHAIN' },
      { cookie: admin },
    );
    expect(book.status).toBe(201);
    const entries = await t.call(
      'POST',
      `/api/pricing/books/${book.body.id}/entries`,
      { entries: [{ sku: 'GQ-002', priceMinor: 1_250, memberPriceMinor: 990 }] },
      { cookie: admin },
    );
    expect(entries.status).toBeLessThan(300);
    const signUp = await t.call('POST', '/api/account/sign-up', {
      email: 'gql-member@example.test',
      password: 'long enough password',
      name: 'Mia Member',
    });
    expect(signUp.status).toBe(201);
    const customer = { authorization: `Bearer ${signUp.body.token}` };
    const q = '{ product(sku: "GQ-002") { price { amountMinor formatted memberAmountMinor } } }';
    const regular = { amountMinor: 1_250, formatted: '$12.50', memberAmountMinor: 990 };
    const card = (value: string | null) =>
      t.hub.db.query('UPDATE customers SET loyalty_card = $2 WHERE id = $1', [signUp.body.account.customerId, value]);
    expect((await gql(q)).body.data.product.price).toEqual(regular);
    await card(null); // a customer without a card pays what anybody pays
    expect((await gql(q, undefined, customer)).body.data.product.price).toEqual(regular);
    await card('6000000000000017');
    expect((await gql(q, undefined, customer)).body.data.product.price).toEqual({
      amountMinor: 990,
      formatted: '$9.90',
      memberAmountMinor: 990,
    });
  });

  it('lists stores nearest a store first, with their distance', async () => {
    const { body } = await gql(
      `{ stores(nearStoreId: "${stores.c}") { code distanceKm } all: stores { code distanceKm } }`,
    );
    expect(body.data.stores.map((s: any) => s.code)).toEqual(['GQC', 'GQA', 'GQB']);
    expect(body.data.stores[0].distanceKm).toBe(0);
    expect(body.data.stores[1].distanceKm).toBeGreaterThan(250);
    expect(body.data.all).toEqual([
      { code: 'GQA', distanceKm: null },
      { code: 'GQB', distanceKm: null },
      { code: 'GQC', distanceKm: null },
    ]);
  });

  it('reads 50 products with price, stock, nearby stock and rating in as many statements as 10', async () => {
    const q = `query List($first: Int, $store: ID!) { products(first: $first) { items { sku
      price { amountMinor } availability(storeId: $store) { available store { name } }
      nearby(storeId: $store, first: 2) { available } rating { average } reviews(first: 2) { rating } } } }`;
    // the hub's background jobs share the database: stopped, so what is counted is this request's
    await t.hub.jobs.stop();
    await gql(q, { first: 5, store: stores.a }); // the pricer's rules cache and the like, filled once per hub
    const ten = await counting(() => gql(q, { first: 10, store: stores.a }));
    const fifty = await counting(() => gql(q, { first: 50, store: stores.a }));
    expect(ten.result.body.data.products.items).toHaveLength(10);
    expect(fifty.result.body.data.products.items).toHaveLength(50);
    expect(fifty.result.body.errors).toBeUndefined();
    expect(fifty.statements).toBe(ten.statements);
    expect(fifty.statements).toBeLessThanOrEqual(20);
  });

  /** A customer signed up on the web, for the reads of their own orders and cart. */
  async function customer(email: string): Promise<{ id: string; auth: Record<string, string> }> {
    const up = await t.call('POST', '/api/account/sign-up', {
      email,
      password: 'long enough password',
      name: 'Ana P.',
    });
    expect(up.status).toBe(201);
    return { id: up.body.account.customerId, auth: { authorization: `Bearer ${up.body.token}` } };
  }

  /** `n` confirmed pickup orders of `customerId` at store A, each with a three-step timeline and two catalog lines. */
  async function seedOrders(customerId: string, n: number): Promise<void> {
    await t.hub.db.query(
      `INSERT INTO orders (id, customer_id, place_key, status, step, fulfilment, lines, from_cart, subtotal_minor,
                           tax_minor, total_minor, currency, created_at, updated_at, event_seq)
       SELECT gen_random_uuid(), $1::uuid, $1::text || '-' || i, 'CONFIRMED', 'DONE',
              jsonb_build_object('type', 'PICKUP', 'storeId', $2::text),
              jsonb_build_array(
                jsonb_build_object('sku', ($3::text[])[1 + i % 50], 'name', 'x', 'qty', 1, 'unitPriceMinor', 100, 'taxClass', 'ZERO'),
                jsonb_build_object('sku', ($3::text[])[1 + (i + 7) % 50], 'name', 'y', 'qty', 2, 'unitPriceMinor', 100, 'taxClass', 'ZERO')),
              true, 300, 0, 300, 'USD', 1700000000000 + i, 1700000000000 + i, 3
         FROM generate_series(1, $4::int) AS i`,
      [customerId, stores.a, skus, n],
    );
    await t.hub.db.query(
      `INSERT INTO order_events (order_id, seq, at, kind, detail)
       SELECT o.id, k.seq, o.created_at + k.seq, k.kind, NULL
         FROM orders o CROSS JOIN (VALUES (1, 'PLACED'), (2, 'RESERVED'), (3, 'CONFIRMED')) AS k(seq, kind)
        WHERE o.customer_id = $1::uuid`,
      [customerId],
    );
  }

  it('reads 50 orders with their timelines and products, and a 50-line priced cart, in as many statements as 10', async () => {
    const few = await customer('gql-ten@example.test');
    const many = await customer('gql-fifty@example.test');
    await seedOrders(few.id, 10);
    await seedOrders(many.id, 50);
    for (const [who, lines] of [
      [few, 10],
      [many, 50],
    ] as const) {
      const pickup = await gql(
        'mutation($store: ID!) { setFulfilment(type: PICKUP, storeId: $store) { customerId } }',
        { store: stores.a },
        who.auth,
      );
      expect(pickup.body.errors).toBeUndefined();
      for (const sku of skus.slice(0, lines)) {
        const added = await gql(
          'mutation($sku: ID!) { addToCart(sku: $sku, qty: 2) { customerId } }',
          { sku },
          who.auth,
        );
        expect(added.body.errors).toBeUndefined();
      }
    }
    // `first` literal, as an app writes it: a variable costs the largest page (100) in the cost limit
    const ordersQ = (first: number) => `query Mine { orders(first: ${first}) { items { number
      timeline { status } lines { product { name } } } } }`;
    const cartQ = '{ cart { lines { qty product { name price { amountMinor } } } } }';
    await t.hub.jobs.stop();
    await gql(ordersQ(5), undefined, few.auth);
    await gql(cartQ, undefined, few.auth);
    const tenOrders = await counting(() => gql(ordersQ(10), undefined, few.auth));
    const fiftyOrders = await counting(() => gql(ordersQ(50), undefined, many.auth));
    const tenLines = await counting(() => gql(cartQ, undefined, few.auth));
    const fiftyLines = await counting(() => gql(cartQ, undefined, many.auth));

    const fifty = fiftyOrders.result.body;
    expect(fifty.errors).toBeUndefined();
    expect(tenOrders.result.body.data.orders.items).toHaveLength(10);
    expect(fifty.data.orders.items).toHaveLength(50);
    // each order its own timeline, oldest first, and its lines' products (not another order's)
    for (const order of fifty.data.orders.items) {
      expect(order.timeline).toEqual([{ status: 'PLACED' }, { status: 'RESERVED' }, { status: 'CONFIRMED' }]);
      expect(order.lines.map((l: any) => l.product.name)).toHaveLength(2);
    }
    const newest = fifty.data.orders.items[0].lines.map((l: any) => l.product.name);
    expect(newest).toEqual([`Product ${skus[50 % 50]}`, `Product ${skus[57 % 50]}`]);
    expect(fiftyOrders.statements).toBe(tenOrders.statements);
    expect(fiftyOrders.statements).toBeLessThanOrEqual(12);

    const cart = fiftyLines.result.body;
    expect(cart.errors).toBeUndefined();
    expect(tenLines.result.body.data.cart.lines).toHaveLength(10);
    expect(cart.data.cart.lines).toHaveLength(50);
    expect(cart.data.cart.lines[0]).toEqual({
      qty: 2,
      product: { name: 'Product GQ-000', price: { amountMinor: 1001 } },
    });
    expect(fiftyLines.statements).toBe(tenLines.statements);
    expect(fiftyLines.statements).toBeLessThanOrEqual(20);
  });

  it('refuses a query nested too deep before running anything (QUERY_TOO_DEEP, 400)', async () => {
    let nested = 'sku';
    for (let i = 0; i < 10; i++) nested = `recommendations(first: 1) { ${nested} }`;
    const { result, statements } = await counting(() => gql(`{ product(sku: "GQ-000") { ${nested} } }`));
    expect(result.status).toBe(400);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors.map((e: any) => e.extensions.code)).toEqual(['QUERY_TOO_DEEP']);
    expect(statements).toBe(0);
  });

  it('refuses a query that would cost too much before running anything (QUERY_TOO_COSTLY, 400)', async () => {
    const q = `query Big($n: Int) { products(first: 100) { items { reviews(first: 50) { id body } nearby(storeId: "${stores.a}", first: $n) { available } } } }`;
    const { result, statements } = await counting(() => gql(q, { n: 1 }));
    expect(result.status).toBe(400);
    expect(result.body.errors.map((e: any) => e.extensions.code)).toEqual(['QUERY_TOO_COSTLY']);
    expect(result.body.errors[0].message).toMatch(/operation Big costs \d+/);
    expect(statements).toBe(0);
  });

  it('codes errors: bad arguments BAD_USER_INPUT, an unknown field refused as invalid', async () => {
    const bad = await gql('{ products(first: 0) { next } }');
    expect(bad.status).toBe(200);
    expect(bad.body.errors.map((e: any) => [e.extensions.code, e.message])).toEqual([
      ['BAD_USER_INPUT', 'first must be 1 to 100, not 0'],
    ]);
    const unknown = await gql('{ products { nope } }');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(unknown.body.errors[0].message).toMatch(/Cannot query field "nope"/);
  });

  it('answers bad requests with 4xx and never 500', async () => {
    const raw = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      fetch(`${t.url}/graphql`, { method: 'POST', headers, body }).then(async (r) => ({
        status: r.status,
        type: r.headers.get('content-type') ?? '',
        text: await r.text(),
      }));
    const malformed = await raw('{"query": "{ categories }"');
    expect(malformed.status).toBe(400);
    expect(malformed.type).toContain('application/problem+json');
    const notString = await raw(JSON.stringify({ query: 42 }));
    expect(notString.status).toBe(400);
    expect(notString.type).toContain('application/problem+json');
    const huge = await raw(JSON.stringify({ query: `{ categories ${' '.repeat(1_000_000)}}` }));
    expect(huge.status).toBe(413);
    const nul = await raw(JSON.stringify({ query: '{ product(sku: "a\u0000b") { sku } }' }));
    expect(nul.status).toBe(400);
    const batch = await raw(JSON.stringify([{ query: '{ categories }' }, { query: '{ categories }' }]));
    expect(batch.status).toBe(400);
    const notJson = await raw('{ categories }', { 'content-type': 'text/plain' });
    expect(notJson.status).toBe(415);
    const garbage = await raw(JSON.stringify({ query: '{{{{' }));
    expect(garbage.status).toBe(400);
    const getMutation = await fetch(`${t.url}/graphql?query=${encodeURIComponent('mutation { _hub }')}`);
    expect(getMutation.status).toBeGreaterThanOrEqual(400);
    expect(getMutation.status).toBeLessThan(500);
  });

  it('answers random requests with 4xx or a GraphQL answer, never 5xx (seeded)', async () => {
    const fields = ['products', 'product(sku: "GQ-000")', 'categories', 'stores', 'items', 'price', '__schema', '...'];
    const query = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc
        .array(fc.oneof(fc.constantFrom(...fields, '{', '}', '(', ')', ':', '$x', 'first: -1', 'first: 99999999999')), {
          maxLength: 30,
        })
        .map((parts) => parts.join(' ')),
    );
    const body = fc.oneof(
      fc.record({ query, variables: fc.option(fc.dictionary(fc.string(), fc.jsonValue())) }),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await fetch(`${t.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(b),
        });
        await res.text();
        expect(res.status, JSON.stringify(b)).toBeLessThan(500);
      }),
      { seed: 2026, numRuns: 150 },
    );
  });

  it('never keeps a sign-in token for a retried mutation: the retry is told the first succeeded, as REST tells it', async () => {
    const guest = '{"query":"mutation { startGuestSession { token account { customerId guest } } }"}';
    const send = (key: string) =>
      fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: guest,
      }).then(async (r) => ({
        status: r.status,
        type: r.headers.get('content-type'),
        replayed: r.headers.get('idempotent-replayed'),
        text: await r.text(),
      }));
    const first = await send('gql-guest-1');
    const again = await send('gql-guest-1');
    const other = await send('gql-guest-2');
    const token = JSON.parse(first.text).data.startGuestSession.token as string;
    expect(token).toMatch(/^sfc_/);
    // The retry does not run the mutation again and never sees the token: a problem saying it was shown once.
    expect(again.replayed).toBe('true');
    expect(again.status).toBe(409);
    expect(again.type).toContain('application/problem+json');
    expect(JSON.parse(again.text).detail).toMatch(/gql-guest-1 succeeded \(200\).*one-time secret/);
    expect(again.text).not.toContain('sfc_');
    expect(JSON.parse(other.text).data.startGuestSession.token).not.toBe(token);
    // REST's sign-in retry answers the same way: one behaviour for one secret, whichever door it came through.
    const rest = (key: string) =>
      fetch(`${t.url}/api/account/guest`, { method: 'POST', headers: { 'idempotency-key': key } });
    await rest('rest-guest-1');
    const restAgain = await rest('rest-guest-1');
    expect(restAgain.status).toBe(again.status);
    expect(restAgain.headers.get('idempotent-replayed')).toBe('true');
    // Nothing kept for any Idempotency-Key holds a live customer token.
    const { rows } = await t.hub.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM idempotency_keys WHERE strpos(body, 'sfc_') > 0",
    );
    expect(Number(rows[0]!.n)).toBe(0);
    const kept = await t.hub.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM idempotency_keys WHERE key IN ('gql-guest-1', 'gql-guest-2', 'rest-guest-1')",
    );
    expect(Number(kept.rows[0]!.n)).toBe(3);
  });

  it('answers a GET query (reads) and counts operations by outcome', async () => {
    const res = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ categories }')}`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { categories: ['Pantry'] } });
    const metrics = await t.hub.metrics.getSingleMetricAsString('storefleet_hub_graphql_operations_total');
    expect(metrics).toMatch(/outcome="ok"} [1-9]/);
    expect(metrics).toMatch(/outcome="refused"} [1-9]/);
  });
});
