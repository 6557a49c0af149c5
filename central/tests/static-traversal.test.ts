import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { rawCall, inBatches } from './support/raw-http.js';
import { hubStaticRoots } from './support/hub-static-roots.js';
import { traversalLeak, traversalPaths } from './support/traversal-paths.js';

// Static files do not depend on the database: one target is enough.
describe.each(dbTargets.slice(0, 1))('the hub’s static roots never serve a file outside them, on $name', (target) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start(target);
  });
  afterAll(() => t?.stop());

  it('has the roots this test walks (the console, shared helpers, each module’s console pages)', () => {
    expect([...hubStaticRoots(t.hub.modules).keys()]).toEqual(
      expect.arrayContaining(['/console', '/shared', '/console/modules/inventory']),
    );
  });

  it('answers every traversal attempt on every root with a 4xx that carries nothing from outside the root', async () => {
    const admin = await t.login(); // a signed-in browser gets nothing more
    const attempts = [...hubStaticRoots(t.hub.modules).keys()].flatMap((root) => traversalPaths(`${root}/`));
    const leaks = (
      await inBatches(
        attempts.flatMap((path) =>
          ([{}, { cookie: admin }] as Record<string, string>[]).map(
            (headers: Record<string, string>) => () => traversalLeak(t.url, path, headers),
          ),
        ),
        12,
      )
    ).filter(Boolean);
    expect(leaks).toEqual([]);
    expect(attempts.length).toBeGreaterThan(500);
    // and the roots still serve what is theirs
    expect((await rawCall(t.url, { method: 'GET', path: '/console/' })).status).toBe(200);
  });
});
