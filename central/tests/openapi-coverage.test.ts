import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenApiDocument, operationsOf } from '@storefleet/shared/testing/openapi-check';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { discoverRoutes } from './support/express-routes.js';

/**
 * The hub's OpenAPI document covers the hub (issue #26): every route the running hub answers has its own `apiDoc`
 * (summary, schemas) in `/openapi.json`, the document reads as OpenAPI 3.1, and the docs page loads only the hub's own
 * files. The walk is the authorization matrix's (`discoverRoutes`), so a route added anywhere is a route checked here.
 */
describe.each(dbTargets)('the hub’s OpenAPI document, on $name', (target) => {
  let t: TestHub;
  let doc: Record<string, unknown>;

  beforeAll(async () => {
    t = await TestHub.start(target);
    const answer = await t.call('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    doc = answer.body as Record<string, unknown>;
  }, 120_000);
  afterAll(() => t?.stop());

  it('documents every route the hub answers with the route’s own apiDoc', () => {
    const { routes } = discoverRoutes(t.hub.app as never);
    const missing = new OpenApiDocument(doc).undocumented(routes);
    expect(
      missing,
      `${missing.length} of ${routes.length} routes have no apiDoc (add apiDoc({...}) as the route's first handler):\n  ${missing.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('reads as OpenAPI 3.1: path parameters declared, every $ref resolves, every schema compiles', () => {
    const problems = new OpenApiDocument(doc).problems();
    expect(problems, `the document has ${problems.length} problems:\n  ${problems.join('\n  ')}\n`).toEqual([]);
  });

  it('describes the GraphQL endpoint, errors as problem+json and Idempotency-Key on writes', () => {
    const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(paths['/graphql'] ?? {})).toEqual(expect.arrayContaining(['post']));
    const writes = operationsOf(doc).filter((o) => ['post', 'put', 'patch', 'delete'].includes(o.method));
    expect(writes.length).toBeGreaterThan(10);
    const withoutKey = writes
      .filter((o) => !JSON.stringify(o.op.parameters ?? []).includes('#/components/parameters/IdempotencyKey'))
      .map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(withoutKey).toEqual([]);
    const login = paths['/api/auth/login']?.post as { responses: Record<string, Record<string, unknown>> };
    expect(JSON.stringify(login.responses['400'])).toContain('application/problem+json');
  });

  it('serves the docs page from the hub’s own files, pointed at /openapi.json', async () => {
    const page = await fetch(`${t.url}/api-docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    expect(refs.filter((r) => !r.startsWith('/'))).toEqual([]);
    for (const ref of refs) {
      const file = await fetch(t.url + ref);
      expect(file.status, ref).toBe(200);
      if (ref.endsWith('-init.js')) {
        const js = await file.text();
        expect(js).toContain("'/openapi.json'");
        expect(js).not.toMatch(/https?:\/\//);
      } else await file.arrayBuffer();
    }
    const other = await t.call('GET', '/api-docs/package.json');
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
