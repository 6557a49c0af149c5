import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_ACCESS_ROLES, type HubAccessRole } from '../../../kernel/access-matrix.js';
import { accessMismatch, successMismatch } from '../../../../tests/support/access-verdict.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { inBatches, rawCall } from '../../../../tests/support/raw-http.js';
import { reviewsProbe } from '../../../../tests/support/reviews-access.js';
import { accessMatrix } from '../access-matrix.js';
import { type ReviewsHub, startReviewsHub } from './hostile-hub.js';

/** Roles from the most to the least privileged: the first allowed one of a row must get a real answer (2xx). */
const BY_PRIVILEGE: readonly HubAccessRole[] = [...HUB_ACCESS_ROLES.filter((r) => r !== 'anonymous'), 'anonymous'];

/**
 * The reviews rows of the authorization matrix on a hub with the reviews fixture alone (the hub's matrix test runs the
 * same probes with every module's fixture): each route as each role answers as access-matrix.ts says, and the most
 * privileged allowed caller's valid call succeeds.
 */
describe.each(dbTargets)('the reviews routes as every role, on $name', (target) => {
  let h: ReviewsHub;
  beforeAll(async () => {
    h = await startReviewsHub(target);
  }, 300_000);
  afterAll(async () => {
    await h?.t.stop();
  });

  it('serves the console page’s files to anyone (they hold no data)', async () => {
    const res = await rawCall(h.t.url, { method: 'GET', path: '/console/modules/reviews/reviews.js' });
    expect(res.status).toBe(200);
  });

  it('answers every reviews route, as every role, as the table says', async () => {
    const first: (() => Promise<string | undefined>)[] = [];
    const rest: (() => Promise<string | undefined>)[] = [];
    for (const row of accessMatrix.filter((r) => !r.path.endsWith('/*'))) {
      const privileged = BY_PRIVILEGE.find((r) => row.cells[r] === 'allow');
      for (const role of HUB_ACCESS_ROLES) {
        const task = async () => {
          const probe = reviewsProbe(h.fx, row, role)!;
          const call = (path: string) =>
            rawCall(h.t.url, {
              method: row.method,
              path,
              headers: {
                ...h.credentials[role],
                ...(probe.body === undefined ? {} : { 'content-type': 'application/json' }),
                ...probe.headers,
              },
              ...(probe.body === undefined ? {} : { body: JSON.stringify(probe.body) }),
              ...(probe.rawBody === undefined ? {} : { body: probe.rawBody }),
            });
          const res = await call(probe.path);
          if (res.status >= 500)
            return `${role.padEnd(10)} ${row.method} ${probe.path} → ${res.status}: ${res.text.slice(0, 200)}`;
          // the missing-id call only for a refused caller: an allowed one would write twice
          const missing = probe.missing && row.cells[role] === 'deny' ? (await call(probe.missing)).status : undefined;
          return (
            accessMismatch(row, role, res.status, missing) ??
            (role === privileged ? successMismatch(row, role, res.status, res.text.slice(0, 200)) : undefined)
          );
        };
        (role === privileged ? first : rest).push(task);
      }
    }
    const mismatches = [...(await inBatches(first, 1)), ...(await inBatches(rest, 6))].filter((m): m is string => !!m);
    expect(mismatches).toEqual([]);
  }, 300_000);

  it('a store acts only for a customer it deals with: store B is answered as for a customer that does not exist', async () => {
    const storeB = { authorization: h.credentials.storeB.authorization! };
    const call = (path: string) => rawCall(h.t.url, { method: 'GET', path, headers: storeB });
    const known = await call(`/api/reviews/customers/${h.fx.customerId}`);
    const nobody = await call('/api/reviews/customers/00000000-0000-4000-8000-000000000000');
    expect(known.status).toBe(nobody.status);
    expect(known.contentType).toContain('application/problem+json');
    // store A's kiosk reads the same list
    const storeA = await rawCall(h.t.url, {
      method: 'GET',
      path: `/api/reviews/customers/${h.fx.customerId}`,
      headers: h.credentials.storeA,
    });
    expect(storeA.status).toBe(200);
  });
});
