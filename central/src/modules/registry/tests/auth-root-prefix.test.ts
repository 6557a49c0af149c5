import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { authWorld, call } from './auth-fixture.js';

// The prefix is matched the same on every database: the last target is enough.
describe.each(dbTargets.slice(-1))('registry root prefix on $name', (target) => {
  const w = authWorld(target);

  it('serves /v2/ at its exact path only: /V2/ is the hub’s 404', async () => {
    expect((await call(`${w.t.url}/v2/`, 'GET', { cookie: w.admin })).status).toBe(200);
    expect((await call(`${w.t.url}/v2`, 'GET', { cookie: w.admin })).status).toBe(200);
    for (const path of ['/V2/', '/V2', '/V2/team/app/tags/list', '/v2x/']) {
      const r = await call(`${w.t.url}${path}`, 'GET', { cookie: w.admin });
      expect(r.status, path).toBe(404);
      expect(r.headers.get('docker-distribution-api-version'), path).toBeNull();
      expect(r.body.errors, path).toBeUndefined();
    }
  });
});
