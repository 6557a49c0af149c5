import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenApiDocument } from '@storefleet/shared/testing/openapi-check';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { discoverRoutes } from '../../central/tests/support/express-routes.js';

/**
 * The store node's OpenAPI document covers the node (issue #26): every route its app answers has its own
 * `storeApiDoc` in `/openapi.json`, the document reads as OpenAPI 3.1, and the docs page loads only the node's files.
 */
describe('the store node’s OpenAPI document', () => {
  let dir: string;
  let node: StoreNode;
  let doc: Record<string, unknown>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-openapi-'));
    node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), port: 0, logLevel: 'silent', mode: 'test' });
    await node.start();
    const answer = await fetch(`${node.url}/openapi.json`);
    expect(answer.status).toBe(200);
    doc = (await answer.json()) as Record<string, unknown>;
  });
  afterAll(async () => {
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('documents every route the node answers with the route’s own storeApiDoc', () => {
    const { routes } = discoverRoutes(node.app as never);
    const missing = new OpenApiDocument(doc).undocumented(routes);
    expect(
      missing,
      `${missing.length} of ${routes.length} routes have no storeApiDoc (add it as the route's first handler):\n  ${missing.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('reads as OpenAPI 3.1: path parameters declared, every $ref resolves, every schema compiles', () => {
    const problems = new OpenApiDocument(doc).problems();
    expect(problems, `the document has ${problems.length} problems:\n  ${problems.join('\n  ')}\n`).toEqual([]);
  });

  it('serves the docs page from the node’s own files, pointed at /openapi.json', async () => {
    const page = await fetch(`${node.url}/api-docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !r.startsWith('/'))).toEqual([]);
    for (const ref of refs) {
      const file = await fetch(node.url + ref);
      expect(file.status, ref).toBe(200);
      await file.arrayBuffer();
    }
    expect((await fetch(`${node.url}/api-docs/index.css`)).status).toBe(404);
  });
});
