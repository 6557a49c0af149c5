import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { rawCall, inBatches } from '../../central/tests/support/raw-http.js';
import { traversalLeak, traversalPaths } from '../../central/tests/support/traversal-paths.js';

describe('the store node’s static roots never serve a file outside them', () => {
  let node: StoreNode;
  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-traversal-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    await node.start();
  });
  afterAll(() => node?.stop());

  it('answers every traversal attempt on the pages and /shared/ with a 4xx (or a redirect inside the root) that carries nothing from outside, to a lane and to a kiosk', async () => {
    const attempts = ['/', '/shared/'].flatMap((root) => traversalPaths(root));
    const callers: Record<string, string>[] = [{}, { cookie: 'sf_screen=kiosk' }];
    const leaks = (
      await inBatches(
        attempts.flatMap((path) =>
          callers.map((headers: Record<string, string>) => () => traversalLeak(node.url!, path, headers)),
        ),
        12,
      )
    ).filter(Boolean);
    expect(leaks).toEqual([]);
    expect(attempts.length).toBeGreaterThan(500);
    expect((await rawCall(node.url!, { method: 'GET', path: '/kiosk.html' })).status).toBe(200); // the roots still serve their own files
  });
});
