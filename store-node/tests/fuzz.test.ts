import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverRoutes } from '../../central/tests/support/express-routes.js';
import { rawCall } from '../../central/tests/support/raw-http.js';
import { describeRequest, Findings, FUZZ_RUNS, fuzzedRequest } from '../../central/tests/support/fuzz-requests.js';
import { LAN_ADDRESS, SCREEN_ADDRESS, storeAccessFixture } from './support/store-access-fixture.js';
import { storeFingerprint } from './support/sqlite-fingerprint.js';

/**
 * Fuzzing the store node (issue #13): random requests to every API route and its `/v2/` registry cache (found by
 * walking its routers) from its own screens and from LAN devices. A refused request is a 4xx problem+json and changes nothing in its SQLite file;
 * nothing answers 500; the node stays up. (Stock at nearby stores answers 503 "unavailable" here: no hub is linked.)
 * `FUZZ_RUNS` sets the runs (default in central/tests/support/fuzz-requests.ts).
 */
describe('fuzzing the store node', () => {
  let fx: Awaited<ReturnType<typeof storeAccessFixture>>;
  beforeAll(async () => {
    fx = await storeAccessFixture();
  });
  afterAll(() => fx?.node.stop());

  it('answers random requests to every API route with a 4xx problem+json that changes nothing, never a 500', async () => {
    const url = fx.node.url!;
    // the API, and the read-only OCI pull-through cache for devices (`/v2/…`, its `*name` filled like a parameter)
    const routes = discoverRoutes(fx.node.app as never)
      .routes.filter((r) => r.path.startsWith('/api/') || r.path === '/v2' || r.path.startsWith('/v2/'))
      .map((r) => ({ ...r, path: r.path.replace('*name', ':name') }));
    const [lane, kioskScreen, pairedKiosk, handheld] = fx.callers.map((c) => c.headers);
    const ctx = {
      routes,
      ids: [
        fx.sales.open,
        fx.sales.paid,
        fx.pickups.toHandOver,
        fx.deliveries.toDriver,
        fx.spareDeviceId,
        fx.customerId,
        fx.booking.showId,
        'MUG',
      ],
      callers: [lane!, kioskScreen!, pairedKiosk!, handheld!],
      cookieNames: ['sf_device', 'sf_screen'],
    };
    const findings = new Findings();
    let before = storeFingerprint(fx.node.db);
    await fc.assert(
      fc.asyncProperty(fuzzedRequest(ctx), fc.boolean(), async (req, fromLan) => {
        let res: Awaited<ReturnType<typeof rawCall>>;
        try {
          res = await rawCall(url, { ...req, localAddress: fromLan ? LAN_ADDRESS : SCREEN_ADDRESS });
        } catch (err) {
          findings.add(`${req.method} on ${req.route}: no answer (${(err as Error).message})`, describeRequest(req));
          return;
        }
        const unavailable = res.status === 503 && String(res.json?.type ?? '').includes('unavailable');
        if (res.status >= 500 && !unavailable)
          findings.add(
            `${req.method} on ${req.route} → ${res.status} ${res.json?.detail ?? res.text.slice(0, 100)}`,
            describeRequest(req),
          );
        if (res.status < 400) {
          before = storeFingerprint(fx.node.db); // a random request that was valid: its change is legitimate
          return;
        }
        if (!res.contentType.includes('application/problem+json'))
          findings.add(
            `${res.status} not as problem+json (${res.contentType || 'no content type'})`,
            describeRequest(req),
          );
        const after = storeFingerprint(fx.node.db);
        if (after !== before && res.status < 500)
          findings.add(`${req.method} on ${req.route} → ${res.status} changed the database`, describeRequest(req));
        before = after;
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect((await rawCall(url, { method: 'GET', path: '/healthz' })).status).toBe(200);
    expect(findings.list).toEqual([]);
  });
});
