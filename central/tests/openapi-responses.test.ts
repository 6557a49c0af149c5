import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcEncode } from '@storefleet/shared';
import { OpenApiDocument, operationsOf } from '@storefleet/shared/testing/openapi-check';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

const SKU = 'OPENAPI-MUG';

/** The document's path template that `concrete` (`/api/orders/5e…`) is an instance of, preferring literal segments. */
function templateOf(paths: readonly string[], concrete: string): string | undefined {
  const parts = concrete.split('/');
  const fits = paths.filter((p) => {
    const t = p.split('/');
    return t.length === parts.length && t.every((seg, i) => seg === parts[i] || /^\{[^}]+\}$/.test(seg));
  });
  return fits.sort((x, y) => (x.match(/\{/g)?.length ?? 0) - (y.match(/\{/g)?.length ?? 0))[0];
}

/**
 * The hub answers what its OpenAPI document says it answers (issue #26): real answers of customer-facing and
 * console reads on a seeded hub, validated with ajv (JSON Schema 2020-12) against the response schema the document
 * gives for that route and status. A route whose answer has no schema in the document is listed, not failed: the
 * schemas come from the routes' own `apiDoc` (a string there means "not described").
 */
describe.each(dbTargets)('answers match the hub’s OpenAPI document, on $name', (target) => {
  let t: TestHub;
  let doc: Record<string, unknown>;
  let api: OpenApiDocument;
  let admin: string;
  let store: { id: string; token: string };
  let customerId: string;
  let orderId: string;
  let orderNumber: string;
  let placeKey: string;
  let storeAt: { lat: number; lon: number };
  let shopper: { token: string; account: { customerId: string } };

  beforeAll(async () => {
    t = await TestHub.start(target);
    doc = (await t.call('GET', '/openapi.json')).body;
    api = new OpenApiDocument(doc);
    admin = await t.login();
    store = await t.store('OPENAPI-A', admin);
    const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
      const r = await p;
      if (r.status >= 300) throw new Error(`seed: ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await must(
      'catalog',
      t.call(
        'POST',
        '/api/catalog/products/import',
        { items: [{ sku: SKU, name: 'OpenAPI mug', category: 'Kitchen', priceMinor: 900 }] },
        { cookie: admin },
      ),
    );
    await t.hub.sync.repo.applyBatch(
      store.id,
      [
        {
          origin: store.id,
          seq: 1,
          hlc: hlcEncode({ wallMs: Date.now(), counter: 1, node: store.id }),
          type: 'stock.moved',
          payload: { sku: SKU, delta: 50, kind: 'RECEIVE' },
        },
      ],
      0,
    );
    const bearer = { bearer: store.token };
    placeKey = `openapi-${randomUUID()}`;
    customerId = (await must('customer', t.call('POST', '/api/customers', { name: 'Reads the docs' }, bearer))).id;
    const order = await must(
      'order',
      t.call(
        'POST',
        '/api/orders',
        {
          customerId,
          placeKey,
          lines: [{ sku: SKU, qty: 1 }],
          fulfilment: { type: 'PICKUP', storeId: store.id },
        },
        bearer,
      ),
    );
    orderId = order.id;
    orderNumber = order.orderNumber;
    await must(
      'cart fulfilment',
      t.call('PUT', `/api/carts/${customerId}/fulfilment`, { type: 'PICKUP', storeId: store.id }, { cookie: admin }),
    );
    await must('cart line', t.call('POST', `/api/carts/${customerId}/lines`, { sku: SKU, qty: 2 }, { cookie: admin }));
    storeAt = await must('location', t.call('GET', `/api/locations/${store.id}`, undefined, { cookie: admin }));
    shopper = await must(
      'shopper',
      t.call('POST', '/api/account/sign-up', {
        email: 'openapi-shopper@example.test',
        password: 'reads the document',
        name: 'Shops online',
      }),
    );
  }, 180_000);
  afterAll(() => t?.stop());

  /** A call whose answer is validated: a read (GET) or a write whose answer a client uses (the cart after a change). */
  interface Call {
    readonly method: string;
    readonly path: string;
    readonly body?: unknown;
    readonly who: { cookie?: string; bearer?: string };
    readonly status?: number;
  }

  const reads = (): Call[] =>
    [
      { path: '/api/auth/me', who: { cookie: admin } },
      { path: '/api/auth/me', who: { bearer: store.token } },
      { path: '/api/catalog/products', who: { cookie: admin } },
      { path: '/api/catalog/products?q=mug&limit=1', who: { bearer: store.token } },
      { path: `/api/catalog/products/${SKU}`, who: { cookie: admin } },
      { path: '/api/catalog/categories', who: { cookie: admin } },
      { path: `/api/carts/${customerId}`, who: { cookie: admin } },
      { path: `/api/orders/${orderId}`, who: { cookie: admin } },
      { path: `/api/orders/${orderId}`, who: { bearer: store.token } },
      { path: `/api/orders/by-number/${orderNumber}`, who: { bearer: store.token } },
      { path: '/api/orders?limit=5', who: { cookie: admin } },
      { path: `/api/customers/${customerId}/orders`, who: { cookie: admin } },
      { path: `/api/stores/${store.id}/orders`, who: { bearer: store.token } },
      { path: `/api/customers/${customerId}`, who: { cookie: admin } },
      // to a store: the same shape, the loyalty card masked
      { path: `/api/customers/${customerId}`, who: { bearer: store.token } },
      { path: `/api/locations/${store.id}`, who: { cookie: admin } },
      { path: `/api/locations/${store.id}`, who: { bearer: store.token } },
      { path: `/api/inventory/stores/${store.id}/stock/${SKU}`, who: { bearer: store.token } },
      { path: `/api/inventory/nearby?sku=${SKU}&lat=${storeAt.lat}&lon=${storeAt.lon}`, who: { bearer: store.token } },
      { path: '/api/users', who: { cookie: admin } },
      { path: '/api/account', who: { bearer: shopper.token } },
      { path: '/api/account', who: { cookie: `sf_customer=${shopper.token}` } },
      { path: '/api/accounts?q=openapi', who: { cookie: admin } },
      { path: '/api/accounts/outbox', who: { cookie: admin } },
    ].map((c) => ({ method: 'GET', ...c }));

  const paths = () => Object.keys(doc.paths as object);

  /** Calls `c`, expects its status, and checks the body against the document: 'validated', 'undescribed' or why not. */
  async function check(c: Call): Promise<{ route: string; outcome: 'validated' | 'undescribed' | string }> {
    const answer = await t.call(c.method, c.path, c.body, c.who);
    const status = c.status ?? 200;
    expect(answer.status, `${c.method} ${c.path}: ${JSON.stringify(answer.body)}`).toBe(status);
    const template = templateOf(paths(), c.path.split('?')[0]!);
    expect(template, `${c.method} ${c.path} is in the document`).toBeDefined();
    const route = `${c.method} ${template}`;
    const schema = api.answerSchema(c.method, template!, status);
    if (!schema) return { route, outcome: 'undescribed' };
    const validate = api.compile(schema);
    if (validate(answer.body)) return { route, outcome: 'validated' };
    return { route, outcome: `${c.method} ${c.path}: ${JSON.stringify(validate.errors?.slice(0, 5))}` };
  }

  it('validates every real answer that has a response schema against it', async () => {
    const failures: string[] = [];
    const validated = new Set<string>();
    const undescribed: string[] = [];
    for (const c of reads()) {
      const { route, outcome } = await check(c);
      if (outcome === 'validated') validated.add(route);
      else if (outcome === 'undescribed') undescribed.push(route);
      else failures.push(outcome);
    }
    if (undescribed.length) console.info(`answers without a schema in the document:\n  ${undescribed.join('\n  ')}`);
    expect(failures, failures.join('\n')).toEqual([]);
    // every read the web and app teams use is described
    expect(undescribed).toEqual([]);
    expect([...validated]).toEqual(
      expect.arrayContaining([
        'GET /api/auth/me',
        'GET /api/users',
        'GET /api/catalog/products',
        'GET /api/catalog/products/{sku}',
        'GET /api/catalog/categories',
        'GET /api/carts/{customerId}',
        'GET /api/customers/{id}',
        'GET /api/locations/{id}',
        'GET /api/inventory/stores/{storeId}/stock/{sku}',
        'GET /api/inventory/nearby',
        'GET /api/account',
        'GET /api/accounts',
        'GET /api/accounts/outbox',
        'GET /api/orders/{id}',
        'GET /api/orders/by-number/{number}',
        'GET /api/customers/{id}/orders',
        'GET /api/stores/{storeId}/orders',
      ]),
    );
  });

  it('validates the answers of the cart’s, the customer’s, the account’s and an order’s writes against the document', async () => {
    const cart = `/api/carts/${customerId}`;
    const email = `openapi-${randomUUID()}@example.test`;
    const writes: Call[] = [
      // placing again with the same placeKey answers the order placed before
      {
        method: 'POST',
        path: '/api/orders',
        body: {
          customerId,
          placeKey,
          lines: [{ sku: SKU, qty: 1 }],
          fulfilment: { type: 'PICKUP', storeId: store.id },
        },
        who: { bearer: store.token },
      },
      { method: 'POST', path: `${cart}/lines`, body: { sku: SKU, qty: 1 }, who: { cookie: admin } },
      { method: 'PUT', path: `${cart}/lines/${SKU}`, body: { qty: 4 }, who: { bearer: store.token } },
      {
        method: 'PUT',
        path: `${cart}/fulfilment`,
        body: { type: 'CURBSIDE', storeId: store.id },
        who: { cookie: admin },
      },
      { method: 'DELETE', path: `${cart}/lines/${SKU}`, who: { cookie: admin } },
      {
        method: 'POST',
        path: '/api/customers',
        body: { name: 'Writes the docs' },
        who: { bearer: store.token },
        status: 201,
      },
      {
        method: 'PATCH',
        path: `/api/customers/${customerId}`,
        body: { phone: '+1 212 555 0100' },
        who: { cookie: admin },
      },
      {
        method: 'POST',
        path: '/api/account/sign-up',
        body: { email, password: 'a long enough secret', name: 'Signs up' },
        who: {},
        status: 201,
      },
      {
        method: 'POST',
        path: '/api/account/sign-in',
        body: { email, password: 'a long enough secret' },
        who: {},
      },
      { method: 'POST', path: '/api/account/sign-in/code', body: { email }, who: {}, status: 202 },
      { method: 'POST', path: '/api/account/password-reset', body: { email }, who: {}, status: 202 },
      { method: 'POST', path: '/api/account/guest', who: {}, status: 201 },
      { method: 'PATCH', path: '/api/account', body: { name: 'Renamed shopper' }, who: { bearer: shopper.token } },
      {
        method: 'POST',
        path: `/api/accounts/${shopper.account.customerId}/sign-out-everywhere`,
        who: { cookie: admin },
      },
    ];
    const failures: string[] = [];
    const validated = new Set<string>();
    for (const c of writes) {
      const { route, outcome } = await check(c);
      if (outcome === 'validated') validated.add(route);
      else failures.push(outcome === 'undescribed' ? `${route}: no answer schema in the document` : outcome);
    }
    expect(failures, failures.join('\n')).toEqual([]);
    expect(validated.size).toBe(writes.length);
  });

  it('fails an answer that does not match (so the check above can fail)', async () => {
    const me = (await t.call('GET', '/api/auth/me', undefined, { cookie: admin })).body;
    const validate = api.compile(api.answerSchema('GET', '/api/auth/me', 200));
    expect(validate(me)).toBe(true);
    expect(validate({ ...me, role: 'OWNER' })).toBe(false);
    const { email: _gone, ...withoutEmail } = me;
    expect(validate(withoutEmail)).toBe(false);
    const users = api.compile(api.answerSchema('GET', '/api/users', 200));
    expect(users({ items: [{ id: 'x' }] })).toBe(false);

    // the module answers too: a product without its price, a cart line whose quantity is text, an account with
    // a field it must not have (its password hash), a priced cart whose basket lost its total
    const product = (await t.call('GET', `/api/catalog/products/${SKU}`, undefined, { cookie: admin })).body;
    const products = api.compile(api.answerSchema('GET', '/api/catalog/products/{sku}', 200));
    expect(products(product)).toBe(true);
    const { priceMinor: _price, ...unpriced } = product;
    expect(products(unpriced)).toBe(false);
    expect(products({ ...product, priceMinor: '9.00' })).toBe(false);
    await t.call('POST', `/api/carts/${customerId}/lines`, { sku: SKU, qty: 1 }, { cookie: admin });
    const cart = (await t.call('GET', `/api/carts/${customerId}`, undefined, { cookie: admin })).body;
    const carts = api.compile(api.answerSchema('GET', '/api/carts/{customerId}', 200));
    expect(cart.lines.length, 'the seeded cart has a line').toBeGreaterThan(0);
    expect(cart.priced, 'the seeded hub prices the cart').not.toBeNull();
    expect(carts(cart), JSON.stringify(carts.errors)).toBe(true);
    expect(carts({ ...cart, lines: [{ ...cart.lines[0], qty: '2' }] })).toBe(false);
    const { totalMinor: _total, ...noTotal } = cart.priced;
    expect(carts({ ...cart, priced: noTotal })).toBe(false);
    // a session of its own (the writes' test ends the shopper's sessions)
    const session = (
      await t.call('POST', '/api/account/sign-in', {
        email: 'openapi-shopper@example.test',
        password: 'reads the document',
      })
    ).body;
    const account = (await t.call('GET', '/api/account', undefined, { bearer: session.token })).body;
    const accounts = api.compile(api.answerSchema('GET', '/api/account', 200));
    expect(accounts(account)).toBe(true);
    expect(accounts({ ...account, passwordHash: 'scrypt$…' })).toBe(false);
    const order = (await t.call('GET', `/api/orders/${orderId}`, undefined, { cookie: admin })).body;
    const orders = api.compile(api.answerSchema('GET', '/api/orders/{id}', 200));
    expect(orders(order), JSON.stringify(orders.errors)).toBe(true);
    const { timeline: _timeline, ...withoutTimeline } = order;
    expect(orders(withoutTimeline)).toBe(false);
    expect(orders({ ...order, status: 'SHIPPED' })).toBe(false);
  });

  it('answers a bad request with the problem+json the document promises', async () => {
    const answer = await t.call('PATCH', '/api/users/not-a-uuid', { disabled: true }, { cookie: admin });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const op = operationsOf(doc).find((o) => o.method === 'patch' && o.path === '/api/users/{id}');
    const problem = api.compile({ $ref: '#/components/schemas/Problem' });
    expect(JSON.stringify(op?.op.responses)).toContain('#/components/schemas/Problem');
    expect(problem(answer.body), JSON.stringify(problem.errors)).toBe(true);
  });
});
