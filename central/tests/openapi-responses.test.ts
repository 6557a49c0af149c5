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
    customerId = (await must('customer', t.call('POST', '/api/customers', { name: 'Reads the docs' }, bearer))).id;
    const order = await must(
      'order',
      t.call(
        'POST',
        '/api/orders',
        {
          customerId,
          placeKey: `openapi-${randomUUID()}`,
          lines: [{ sku: SKU, qty: 1 }],
          fulfilment: { type: 'PICKUP', storeId: store.id },
        },
        bearer,
      ),
    );
    orderId = order.id;
    await must(
      'cart fulfilment',
      t.call('PUT', `/api/carts/${customerId}/fulfilment`, { type: 'PICKUP', storeId: store.id }, { cookie: admin }),
    );
    await must('cart line', t.call('POST', `/api/carts/${customerId}/lines`, { sku: SKU, qty: 2 }, { cookie: admin }));
  }, 180_000);
  afterAll(() => t?.stop());

  const reads = (): { path: string; who: { cookie?: string; bearer?: string } }[] => [
    { path: '/api/auth/me', who: { cookie: admin } },
    { path: '/api/auth/me', who: { bearer: store.token } },
    { path: '/api/catalog/products', who: { cookie: admin } },
    { path: `/api/catalog/products/${SKU}`, who: { cookie: admin } },
    { path: '/api/catalog/categories', who: { cookie: admin } },
    { path: `/api/carts/${customerId}`, who: { cookie: admin } },
    { path: `/api/orders/${orderId}`, who: { cookie: admin } },
    { path: `/api/customers/${customerId}/orders`, who: { cookie: admin } },
    { path: `/api/stores/${store.id}/orders`, who: { bearer: store.token } },
    { path: `/api/customers/${customerId}`, who: { cookie: admin } },
    { path: `/api/locations/${store.id}`, who: { cookie: admin } },
    { path: '/api/users', who: { cookie: admin } },
  ];

  it('validates every real answer that has a response schema against it', async () => {
    const paths = Object.keys(doc.paths as object);
    const failures: string[] = [];
    const validated: string[] = [];
    const undescribed: string[] = [];
    for (const { path, who } of reads()) {
      const answer = await t.call('GET', path, undefined, who);
      expect(answer.status, `GET ${path}: ${JSON.stringify(answer.body)}`).toBe(200);
      const template = templateOf(paths, path);
      expect(template, `GET ${path} is in the document`).toBeDefined();
      const schema = api.answerSchema('GET', template!, answer.status);
      if (!schema) {
        undescribed.push(`GET ${template}`);
        continue;
      }
      const validate = api.compile(schema);
      if (validate(answer.body)) validated.push(`GET ${template}`);
      else failures.push(`GET ${path} (${template}): ${JSON.stringify(validate.errors?.slice(0, 5))}`);
    }
    if (undescribed.length) console.info(`answers without a schema in the document:\n  ${undescribed.join('\n  ')}`);
    expect(failures, failures.join('\n')).toEqual([]);
    // the hub core's own schemas at least (`/api/auth/me`, `/api/users`), whatever the modules describe
    expect(validated).toEqual(expect.arrayContaining(['GET /api/auth/me', 'GET /api/users']));
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
