import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/**
 * Review finding 15 of #27: the token exchange told anyone, before checking the secret, that a store exists and must
 * present its client certificate. The policy is the row an ADMIN's PATCH certificate-policy writes (made directly here:
 * that route needs a hub with mutual TLS, tls-store-certificates.test.ts, and the order of the checks does not).
 */
describe.each(dbTargets)("a store's secret is checked before its certificate policy on $name", (target) => {
  let t: TestHub;
  let must: { storeId: string; secret: string };
  let may: { storeId: string; secret: string };

  beforeAll(async () => {
    t = await TestHub.start(target);
    must = (await t.hub.fleet.register({ code: 'SFA', name: 'A', kind: 'STORE', lat: 40, lon: -74 })).credential!;
    may = (await t.hub.fleet.register({ code: 'SFB', name: 'B', kind: 'STORE', lat: 40, lon: -74 })).credential!;
    await t.hub.db.query('INSERT INTO store_certificate_policy (store_id, required, updated_at) VALUES ($1, true, 0)', [
      must.storeId,
    ]);
  }, 240_000);
  afterAll(() => t?.stop());

  it('a wrong secret gets the usual 401 whatever the policy; the right one of a store that must use its certificate is refused saying so', {
    timeout: 120_000,
  }, async () => {
    const exchange = (storeId: string, secret: string) => t.call('POST', '/api/auth/store-token', { storeId, secret });
    const wrongMust = await exchange(must.storeId, `${must.secret}x`);
    const wrongMay = await exchange(may.storeId, `${may.secret}x`);
    expect([wrongMust.status, wrongMay.status]).toEqual([401, 401]);
    expect(wrongMust.headers.get('content-type')).toContain('application/problem+json');
    expect(wrongMust.body.detail).toBe('store id or secret is wrong');
    expect(wrongMay.body.detail).toBe('store id or secret is wrong');

    const right = await exchange(must.storeId, must.secret);
    expect(right.status).toBe(401);
    expect(right.body.detail).toBe(
      `store ${must.storeId} must present its client certificate (its certificate policy is required); the secret is refused`,
    );
    expect((await exchange(may.storeId, may.secret)).status).toBe(200);

    // the registry's HTTP Basic check refuses a required store's secret the same way, and in the same order
    await expect(t.hub.auth.checkCredentials(must.storeId, `${must.secret}x`, '127.0.0.1')).rejects.toThrow(
      /^store id or secret is wrong$/,
    );
    await expect(t.hub.auth.checkCredentials(must.storeId, must.secret, '127.0.0.1')).rejects.toThrow(
      /must present its client certificate/,
    );
  });
});
