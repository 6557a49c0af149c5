import { createHub } from '@storefleet/central';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { adminSession, HubApi } from '../support/hub-http-caller.js';
import { drive, type LoadPlan, type LoadResult, type Operation, quantile } from './graphql-load.js';
import { seedShop, type Shop } from './graphql-seed.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** GraphQL and REST take turns this many times; each turn times SECONDS / ROUNDS, so each side gets SECONDS in all. */
const ROUNDS = 2;
const WARMUP_SECONDS = Math.max(0.5, SECONDS / 10);
const MAX_OPS = Number(process.env.GRAPHQL_BENCH_OPS ?? 200_000);
const CLIENTS = Number(process.env.GRAPHQL_BENCH_CLIENTS ?? 16);
const SOCKETS = 64;
const PAGE = 20;
const PAGES = 50;
const CARTS = 20;
const LINES_PER_CART = 10;
/** The issue's goal: GraphQL within 20 % of REST, in rate and in p95, on the same information. */
const GOAL = 0.2;

const PRODUCTS_QUERY = `query ProductList($after: String, $storeId: ID!) {
  products(first: ${PAGE}, after: $after) {
    items { sku name price { amountMinor currency } availability(storeId: $storeId) { available level } }
    next
  }
}`;
const CART_QUERY = `query Cart($customerId: ID!) {
  cart(customerId: $customerId) {
    customerId
    lines { sku name qty unitPriceMinor lineTotalMinor }
    totalMinor
    currency
  }
}`;

interface GqlProducts {
  data: {
    products: {
      items: {
        sku: string;
        name: string;
        price: { amountMinor: number; currency: string } | null;
        availability: { available: number } | null;
      }[];
    };
  };
}
interface GqlCart {
  data: {
    cart: {
      lines: { sku: string; name: string; qty: number; unitPriceMinor: number; lineTotalMinor: number }[];
      totalMinor: number;
      currency: string;
    };
  };
}
interface RestCart {
  lines: { sku: string; name: string; qty: number; unitPriceMinor: number; totalMinor: number; currency: string }[];
  subtotalMinor: number;
  priced: { totalMinor: number; currency: string } | null;
}

const gqlBody = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

/** The first `pages` cursors of the catalog in sku order (null: the first page), as REST's `next` gives them. */
async function pageCursors(api: HubApi, admin: string, pages: number): Promise<(string | null)[]> {
  const cursors: (string | null)[] = [null];
  while (cursors.length < pages) {
    const after = cursors.at(-1);
    const page = await api.expect<{ next: string | null }>(
      200,
      'GET',
      `/api/catalog/products?limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      undefined,
      { cookie: admin },
    );
    if (!page.next) break;
    cursors.push(page.next);
  }
  return cursors;
}

/**
 * Outside the timed loop: every page GraphQL answers against REST's calls for it, item by item (the same skus in the
 * same order, names, the price REST's batch pricing gives, the store's available as both REST pages read it: the
 * single stock read and the stock list), and every cart line by line with the cart's total. Answers the items and lines that differ, each said, and how many were compared.
 */
async function compareAnswers(
  api: HubApi,
  admin: string,
  shop: Shop,
  cursors: readonly (string | null)[],
): Promise<{ products: { compared: number; wrong: string[] }; cart: { compared: number; wrong: string[] } }> {
  const who = { cookie: admin };
  const storeId = shop.storeIds[0]!;
  const products = { compared: 0, wrong: [] as string[] };
  for (const after of cursors) {
    const gql = await api.expect<GqlProducts>(
      200,
      'POST',
      '/graphql',
      { query: PRODUCTS_QUERY, variables: { after, storeId } },
      who,
    );
    const list = await api.expect<{ items: { sku: string; name: string }[] }>(
      200,
      'GET',
      `/api/catalog/products?limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      undefined,
      who,
    );
    const skus = list.items.map((p) => p.sku);
    const priced = await api.expect<{ currency: string; lines: { sku: string; unitPriceMinor: number }[] }>(
      200,
      'POST',
      '/api/pricing/price',
      { lines: skus.map((sku) => ({ sku, qty: 1 })) },
      who,
    );
    const levels = await Promise.all(
      skus.map((sku) =>
        api.expect<{ available: number }>(200, 'GET', `/api/inventory/stores/${storeId}/stock/${sku}`, undefined, who),
      ),
    );
    // the 3-call page's stock: the store's list over the same sku range, joined to the page by sku
    const stockList = await api.expect<{ items: { sku: string; available: number }[] }>(
      200,
      'GET',
      `/api/inventory/stores/${storeId}/stock?limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      undefined,
      who,
    );
    const listed = new Map(stockList.items.map((l) => [l.sku, l.available]));
    const items = gql.data.products.items;
    if (items.length !== skus.length)
      products.wrong.push(`page after ${after}: GraphQL has ${items.length} products, REST ${skus.length}`);
    for (const [i, rest] of list.items.entries()) {
      products.compared++;
      const g = items[i];
      const price = priced.lines.find((l) => l.sku === rest.sku);
      const problems = [
        g?.sku !== rest.sku && `sku ${g?.sku}`,
        g?.name !== rest.name && `name ${JSON.stringify(g?.name)} vs ${JSON.stringify(rest.name)}`,
        g?.price?.amountMinor !== price?.unitPriceMinor && `price ${g?.price?.amountMinor} vs ${price?.unitPriceMinor}`,
        g?.price?.currency !== priced.currency && `currency ${g?.price?.currency} vs ${priced.currency}`,
        g?.availability?.available !== levels[i]!.available &&
          `available ${g?.availability?.available} vs ${levels[i]!.available}`,
        g?.availability?.available !== listed.get(rest.sku) &&
          `available ${g?.availability?.available} vs the stock list's ${listed.get(rest.sku)}`,
      ].filter(Boolean);
      if (problems.length) products.wrong.push(`${rest.sku}: ${problems.join(', ')}`);
    }
  }
  const cart = { compared: 0, wrong: [] as string[] };
  for (const customerId of shop.customerIds) {
    const g = (
      await api.expect<GqlCart>(200, 'POST', '/graphql', { query: CART_QUERY, variables: { customerId } }, who)
    ).data.cart;
    const rest = await api.expect<RestCart>(200, 'GET', `/api/carts/${customerId}`, undefined, who);
    if (g.lines.length !== rest.lines.length)
      cart.wrong.push(`cart ${customerId}: GraphQL has ${g.lines.length} lines, REST ${rest.lines.length}`);
    for (const [i, r] of rest.lines.entries()) {
      cart.compared++;
      const l = g.lines[i];
      if (
        l?.sku !== r.sku ||
        l.name !== r.name ||
        l.qty !== r.qty ||
        l.unitPriceMinor !== r.unitPriceMinor ||
        l.lineTotalMinor !== r.totalMinor
      )
        cart.wrong.push(`cart ${customerId} line ${i + 1}: GraphQL ${JSON.stringify(l)}, REST ${JSON.stringify(r)}`);
    }
    const restTotal = rest.priced ? rest.priced.totalMinor : rest.subtotalMinor;
    if (g.totalMinor !== restTotal) cart.wrong.push(`cart ${customerId}: total ${g.totalMinor} vs ${restTotal}`);
    if (rest.lines.length !== LINES_PER_CART)
      cart.wrong.push(`cart ${customerId}: ${rest.lines.length} lines, seeded ${LINES_PER_CART}`);
  }
  return { products, cart };
}

interface Measured {
  readonly perS: number;
  readonly p95: number;
  readonly ops: number;
  readonly httpPerOp: number;
}

const pooled = (runs: readonly LoadResult[]): Measured => {
  const ops = runs.reduce((n, r) => n + r.ops, 0);
  return {
    perS: ops / runs.reduce((s, r) => s + r.seconds, 0),
    p95: quantile(
      runs.map((r) => r.latenciesMs),
      0.95,
    ),
    ops,
    httpPerOp: runs.reduce((n, r) => n + r.httpRequests, 0) / ops,
  };
};

/**
 * GraphQL against REST for the two reads the web and app clients make most, on one hub with the real catalog, in the
 * same run, by the same caller (the admin's session: REST's catalog, online prices and carts are staff's, so a web
 * backend calls them with a staff account; customers are anonymous there). Product list: GraphQL `products(first: 20)`
 * with each product's price and availability at store A, against REST's cheapest page of the same information —
 * GET /api/catalog/products?limit=20, then POST /api/pricing/price (the 20 skus, online) and GET
 * /api/inventory/stores/:storeId/stock?after=<the page's cursor>&limit=20 in parallel (3 calls): the goal's anchor.
 * The page with one stock read per product (1 + 1 + 20 calls) is kept as a second, named figure. Cart: GraphQL
 * `cart(customerId)` with its lines' names and prices, against GET /api/carts/:customerId (one call each).
 * Every ratio says 1 for even and more than 1 where GraphQL does better (its rate over REST's; REST's p95 over its);
 * the goal (within 20 % of REST) is met for a query when both are at least 0.8.
 */
export const graphqlBench: Benchmark = {
  name: 'graphql',
  description: `GraphQL vs REST in one run: a 20-product page with price and stock (vs REST's 3-call page, and its 22-call one), a ${LINES_PER_CART}-line cart (vs GET /api/carts/:id); ${CLIENTS} clients, keep-alive, ${SECONDS} s each`,
  async run() {
    return withDb(benchTargets[0]!, async (place) => {
      const hub = await createHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...place });
      const baseUrl = await hub.start();
      const api = new HubApi(baseUrl);
      try {
        const seedStarted = Date.now();
        const admin = await adminSession(hub, api);
        const shop = await seedShop(hub, api, admin, CARTS, LINES_PER_CART);
        const cursors = await pageCursors(api, admin, PAGES);
        const storeId = shop.storeIds[0]!;
        console.error(
          `  seeded ${shop.products} products, ${shop.storeIds.length} stores, ${CARTS} carts of ${LINES_PER_CART} lines; ${cursors.length} pages timed (seeding took ${((Date.now() - seedStarted) / 1000).toFixed(1)} s)`,
        );

        const check = await compareAnswers(api, admin, shop, cursors);
        for (const w of [...check.products.wrong, ...check.cart.wrong].slice(0, 10)) console.error(`  MISMATCH ${w}`);

        const ops = {
          graphqlProducts: {
            kind: 'graphql',
            bodies: cursors.map((after) => gqlBody(PRODUCTS_QUERY, { after, storeId })),
          },
          restProducts: { kind: 'rest-products', first: PAGE, cursors, storeId, stock: 'list' },
          restProducts22: { kind: 'rest-products', first: PAGE, cursors, storeId, stock: 'each' },
          graphqlCart: {
            kind: 'graphql',
            bodies: shop.customerIds.map((customerId) => gqlBody(CART_QUERY, { customerId })),
          },
          restCart: { kind: 'get', paths: shop.customerIds.map((id) => `/api/carts/${id}`) },
        } satisfies Record<string, Operation>;
        type Name = keyof typeof ops;
        const runs = new Map<Name, LoadResult[]>();
        for (let round = 0; round < ROUNDS; round++)
          for (const name of Object.keys(ops) as Name[]) {
            const plan: LoadPlan = {
              baseUrl,
              headers: { cookie: admin },
              clients: CLIENTS,
              sockets: SOCKETS,
              warmupSeconds: WARMUP_SECONDS,
              seconds: SECONDS / ROUNDS,
              maxOps: Math.ceil(MAX_OPS / ROUNDS),
              op: ops[name],
            };
            const r = await drive(plan);
            if (r.failures)
              throw new Error(`${name}: ${r.failures} failed requests in the timed window, first: ${r.firstFailure}`);
            runs.set(name, [...(runs.get(name) ?? []), r]);
          }
        const measured = (name: Name) => pooled(runs.get(name) ?? []);
        const m = {
          graphqlProducts: measured('graphqlProducts'),
          restProducts: measured('restProducts'),
          restProducts22: measured('restProducts22'),
          graphqlCart: measured('graphqlCart'),
          restCart: measured('restCart'),
        };
        const db = hub.db.dialect;
        for (const [what, g, r] of [
          ['product list', m.graphqlProducts, m.restProducts],
          ['product list (22-call REST page)', m.graphqlProducts, m.restProducts22],
          ['cart', m.graphqlCart, m.restCart],
        ] as const)
          console.error(
            `  ${db} ${what}: GraphQL ${g.perS.toFixed(0)}/s (p95 ${g.p95.toFixed(1)} ms), REST ${r.perS.toFixed(0)}/s (p95 ${r.p95.toFixed(1)} ms, ${r.httpPerOp.toFixed(0)} calls each)`,
          );

        const figures: Figure[] = [];
        const wrongTotal = check.products.wrong.length + check.cart.wrong.length;
        for (const [query, g, r, anchor, compared, wrong] of [
          [
            'product_list',
            m.graphqlProducts,
            m.restProducts,
            'rest_3_calls',
            check.products.compared,
            check.products.wrong.length,
          ],
          ['cart', m.graphqlCart, m.restCart, 'rest_1_call', check.cart.compared, check.cart.wrong.length],
        ] as const) {
          const rate = g.perS / r.perS;
          const p95 = r.p95 / g.p95;
          const met = rate >= 1 - GOAL && p95 >= 1 - GOAL;
          console.error(
            `  ${db} ${query}: the goal (GraphQL within ${GOAL * 100} % of REST, here ${anchor.replaceAll('_', ' ')} an answer) is ${met ? 'MET' : 'NOT MET'}: rate ${rate.toFixed(2)} of REST's, p95 ${p95.toFixed(2)} of REST's (both: 1 is even, above 1 GraphQL does better, ${1 - GOAL} is the floor)`,
          );
          figures.push(
            against(
              { bench: 'graphql', metric: `requests_per_s_${query}`, value: g.perS, unit: '1/s', db, n: g.ops },
              `${anchor}_requests_per_s`,
              r.perS,
            ),
            {
              bench: 'graphql',
              metric: `graphql_over_${anchor}_requests_per_s_${query}`,
              value: round(rate, 2),
              unit: 'ratio',
              db,
              n: g.ops + r.ops,
            },
            against(
              { bench: 'graphql', metric: `p95_ms_${query}`, value: round(g.p95, 2), unit: 'ms', db, n: g.ops },
              `${anchor}_p95_ms`,
              round(r.p95, 2),
              false,
            ),
            {
              bench: 'graphql',
              metric: `${anchor}_p95_over_graphql_p95_${query}`,
              value: round(p95, 2),
              unit: 'ratio',
              db,
              n: g.ops + r.ops,
            },
            {
              bench: 'graphql',
              metric: `within_20_percent_of_rest_${query}`,
              value: met ? 1 : 0,
              unit: 'yes=1',
              db,
              n: g.ops + r.ops,
            },
            {
              bench: 'graphql',
              metric: `rest_calls_per_answer_${query}`,
              value: round(r.httpPerOp, 1),
              unit: 'calls',
              db,
              n: r.ops,
            },
            {
              bench: 'graphql',
              metric: `answers_differing_${query}`,
              value: wrong,
              unit: query === 'cart' ? 'lines' : 'products',
              db,
              n: compared,
            },
          );
        }
        // the page as it was first measured (one stock read per product): a second, named figure, not the goal's anchor
        const g = m.graphqlProducts;
        const r22 = m.restProducts22;
        figures.push(
          against(
            {
              bench: 'graphql',
              metric: 'requests_per_s_product_list_vs_22_calls',
              value: g.perS,
              unit: '1/s',
              db,
              n: g.ops,
            },
            'rest_22_calls_requests_per_s',
            r22.perS,
          ),
          against(
            {
              bench: 'graphql',
              metric: 'p95_ms_product_list_vs_22_calls',
              value: round(g.p95, 2),
              unit: 'ms',
              db,
              n: g.ops,
            },
            'rest_22_calls_p95_ms',
            round(r22.p95, 2),
            false,
          ),
        );
        if (wrongTotal) process.exitCode = 1;
        return figures;
      } finally {
        api.close();
        await hub.stop();
      }
    });
  },
};
