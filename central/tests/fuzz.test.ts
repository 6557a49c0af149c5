import { connect } from 'node:net';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@storefleet/shared';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { discoverRoutes } from './support/express-routes.js';
import { rawCall } from './support/raw-http.js';
import { describeRequest, Findings, FUZZ_RUNS, fuzzedRequest, ODD_STRINGS } from './support/fuzz-requests.js';
import { changedTables, hubFingerprint } from './support/db-fingerprint.js';
import { hubAccessFixture, type HubAccessFixture } from './support/hub-access-fixture.js';
import { registryHostileRequest } from './support/registry-fuzz.js';
import { reviewsFirstModelNow } from './support/reviews-access.js';
import { modulesKeepingRegistry, registryFolderFingerprint, registrySettled } from './support/registry-access.js';

/**
 * Fuzzing the hub (issue #13): random requests to every JSON route it has (found by walking its routers), and random
 * frames on its WebSockets. A refused request is a 4xx problem+json and changes nothing in the database (nor, under
 * `/v2/`, in the registry's folder); nothing answers 5xx; the hub stays up. `FUZZ_RUNS` sets the runs per property (default in fuzz-requests.ts).
 */
describe.each(dbTargets)('fuzzing the hub, on $name', (target) => {
  let t: TestHub;
  let fx: HubAccessFixture;
  let registryDir: () => string;
  const alive = async () => expect((await rawCall(t.url, { method: 'GET', path: '/healthz' })).status).toBe(200);

  beforeAll(async () => {
    const kept = await modulesKeepingRegistry();
    registryDir = kept.registryDir;
    t = await TestHub.start(target, { modules: kept.modules });
    fx = await hubAccessFixture(t);
    await reviewsFirstModelNow(t);
  }, 300_000); // every module's fixture over HTTP: minutes on a loaded machine
  // A socket the hub leaves hanging also holds its graceful stop: say so instead of waiting out the hook's timeout.
  afterAll(async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the hub did not stop within 15 s: a connection it left open holds it')),
        15_000,
      );
    });
    try {
      await Promise.race([t?.stop(), late]);
    } finally {
      clearTimeout(timer);
    }
  });

  it('answers random requests to every API route with a 4xx problem+json that changes nothing, never a 5xx', async () => {
    const routes = discoverRoutes(t.hub.app as never).routes.filter((r) => r.path.startsWith('/api/'));
    const ids = [
      fx.a.id,
      fx.b.id,
      fx.customer.id,
      fx.order.id,
      fx.reservation.id,
      fx.cartCustomer.id,
      fx.spare.id,
      'MATRIX-MUG',
      'catalog',
      fx.sale.saleId,
      fx.incident.id,
      fx.delivery.carrierId,
      fx.delivery.deliveryId,
      fx.tracking.linkDelivery,
      fx.tracking.token,
      fx.booking.venueId,
      fx.booking.showId,
      fx.booking.holdId,
      fx.booking.sales.bookingId,
      fx.booking.sales.cancelBookingId,
      fx.booking.sales.soldOutShowId,
      fx.booking.sales.entryId,
      fx.tagsCore.tagId,
      fx.tagsBulk.readId,
      fx.recs.impressionId,
      fx.recs.stopVariant,
      fx.recs.startVariant,
      fx.recs.sessionId,
      ...fx.vault.ids,
      ...fx.reviews.ids,
      ...fx.pricing.ids,
    ];
    const { admin, managerA, storeA, storeB, customerA } = fx.credentials;
    const ctx = {
      routes,
      ids,
      // customer A's session reaches the customer's own routes (issue #26) past their 401
      callers: [admin, managerA, storeA, storeB, customerA],
      cookieNames: ['sf_session', 'sf_customer'],
      pricing: { sku: fx.pricing.sku, storeAId: fx.a.id },
    };
    const findings = new Findings();
    let before = await hubFingerprint(t.hub.db);
    await fc.assert(
      fc.asyncProperty(fuzzedRequest(ctx), async (req) => {
        let res: Awaited<ReturnType<typeof rawCall>>;
        try {
          res = await rawCall(t.url, req);
        } catch (err) {
          findings.add(`${req.method} on ${req.route}: no answer (${(err as Error).message})`, describeRequest(req));
          return;
        }
        if (res.status >= 500)
          findings.add(
            `${req.method} on ${req.route} → ${res.status} ${res.json?.detail ?? res.text.slice(0, 100)}`,
            describeRequest(req),
          );
        if (res.status < 400) {
          // a random request that was valid: its change is legitimate, and so is the background work it started
          await fx.settled(res.json);
          before = await hubFingerprint(t.hub.db);
          return;
        }
        if (!res.contentType.includes('application/problem+json'))
          findings.add(
            `${res.status} not as problem+json (${res.contentType || 'no content type'})`,
            describeRequest(req),
          );
        const after = await hubFingerprint(t.hub.db);
        if (after !== before && res.status < 500)
          findings.add(
            `${req.method} on ${req.route} → ${res.status} changed the database (${changedTables(before, after).join(', ')})`,
            describeRequest(req),
          );
        before = after;
      }),
      { numRuns: FUZZ_RUNS },
    );
    await alive();
    expect(findings.list).toEqual([]);
  }, 300_000); // each valid request waits for the work it started: over a minute on a loaded machine

  it("answers random and hostile requests to the registry's /v2/ routes with a 4xx problem+json that changes nothing, never a 5xx", async () => {
    const { admin, managerA, storeA, storeB } = fx.credentials;
    const findings = new Findings();
    // the database and the registry's files (a refused PATCH must not leave bytes in an upload, nor a PUT a blob)
    const state = async () => ({
      db: await hubFingerprint(t.hub.db),
      files: await registryFolderFingerprint(registryDir()),
    });
    await registrySettled(t);
    let before = await state();
    await fc.assert(
      fc.asyncProperty(registryHostileRequest(fx.registry, [admin, managerA, storeA, storeB]), async (req) => {
        let res: Awaited<ReturnType<typeof rawCall>>;
        try {
          res = await rawCall(t.url, req);
        } catch (err) {
          findings.add(`${req.route}: no answer (${(err as Error).message})`, describeRequest(req));
          return;
        }
        if (res.status >= 500)
          findings.add(
            `${req.route} → ${res.status} ${res.json?.detail ?? res.text.slice(0, 100)}`,
            describeRequest(req),
          );
        if (res.status < 400) {
          // a valid request (a pull, an upload to a real session): its change is legitimate, and so is its scan
          await registrySettled(t);
          before = await state();
          return;
        }
        if (!res.contentType.includes('application/problem+json'))
          findings.add(
            `${req.route} → ${res.status} not as problem+json (${res.contentType || 'none'})`,
            describeRequest(req),
          );
        // answered by the registry (not by the hub before routing: a path it cannot decode, headers too large)
        else if (
          req.method !== 'HEAD' &&
          res.headers['docker-distribution-api-version'] &&
          !Array.isArray(res.json?.errors)
        )
          findings.add(`${req.route} → ${res.status} without the OCI errors array`, describeRequest(req));
        const after = await state();
        if (after.db !== before.db && res.status < 500)
          findings.add(
            `${req.route} → ${res.status} changed the database (${changedTables(before.db, after.db).join(', ')})`,
            describeRequest(req),
          );
        if (after.files !== before.files && res.status < 500)
          findings.add(`${req.route} → ${res.status} changed the registry's files`, describeRequest(req));
        before = after;
      }),
      { numRuns: FUZZ_RUNS },
    );
    await alive();
    expect(findings.list).toEqual([]);
  }, 300_000);

  it('answers garbage WebSocket handshakes with a 4xx (or a close) at once, and stays up', async () => {
    // Each handshake gets two seconds: a socket left hanging is a finding too (it holds a connection open for nothing).
    const handshake = (path: string, extra: string) =>
      new Promise<string | 'hung'>((resolve) => {
        const s = connect(Number(new URL(t.url).port), '127.0.0.1');
        let got = '';
        s.on('data', (d) => (got += d.toString('latin1')));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(got));
        s.setTimeout(2000, () => {
          resolve(got || 'hung');
          s.destroy();
        });
        s.write(
          `GET ${path} HTTP/1.1\r\nHost: hub\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
        );
      });
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const paths = [
      '/sync',
      '/sync?%E0%A4%A',
      '/%%%',
      '/api/console/live',
      '/api/carts/%E0%A4%A/live',
      '/api/carts/x/live',
      `/api/carts/${fx.cartCustomer.id}/live`,
      '/api/carts/',
      '/api/delivery/drivers',
      '/sync/../sync',
    ];
    const extras = [
      '',
      `${key}Cookie: sf_session=%E0%A4%A\r\n`,
      `${key}Cookie: sf_session=%%%\r\n`,
      `${key}Authorization: Bearer %E0%A4%A\r\n`,
      `Sec-WebSocket-Key: !!\r\nCookie: ${fx.credentials.admin.cookie}\r\n`,
      `${key}Sec-WebSocket-Version: 99\r\nAuthorization: ${fx.credentials.storeA.authorization}\r\n`,
      `${key}X-Fill: ${'a'.repeat(70_000)}\r\n`,
    ];
    const findings = new Findings();
    await Promise.all(
      paths.flatMap((path) =>
        extras.map(async (extra) => {
          const answer = await handshake(path, extra);
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
          const what = `${path} with ${extra.replace(/\r\n/g, ' ').slice(0, 90) || 'no key'}`;
          if (answer === 'hung') findings.add(`upgrade ${path.split('?')[0]} left hanging`, what);
          else if (status >= 500) findings.add(`upgrade ${path.split('?')[0]} → ${status}`, what);
          else if (status !== 0 && status !== 101 && status < 400)
            findings.add(`upgrade ${path.split('?')[0]} → ${status}`, what);
        }),
      ),
    );
    await alive();
    expect(findings.list).toEqual([]);
  });

  it('survives random frames after a valid handshake on /sync and the module sockets: an error frame or a close code, never an internal error', async () => {
    const frame = fc.oneof(
      fc.constantFrom(...ODD_STRINGS),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            type: fc.constantFrom('hello', 'event-batch', 'feed-ack', 'doc-sync', 'nope', ''),
            seq: fc.oneof(fc.integer(), fc.constant(-1)),
            events: fc.anything({ maxDepth: 2 }),
            docId: fc.constantFrom('cart:x', 'nope:1', '', '\u0000'),
            data: fc.string({ maxLength: 50 }),
            protocol: fc.integer({ min: -5, max: 9 }),
            storeId: fc.constantFrom(fx.a.id, fx.b.id, ''),
            outboxHead: fc.integer(),
            feedCursor: fc.integer(),
          },
          { requiredKeys: ['type'] },
        )
        .map((v) => JSON.stringify(v)),
      fc.constantFrom(
        '['.repeat(10_000),
        `{"type":"doc-sync","docId":"cart:${'x'.repeat(300)}","data":"AAAA"}`,
        `{"type":"event-batch","events":[{"origin":"x","seq":1,"hlc":"${'0'.repeat(25)}","type":"a","payload":"\\u0000"}]}`,
      ),
    );
    const sockets = [
      { path: '/sync', headers: { authorization: fx.credentials.storeA.authorization! }, hello: true },
      { path: '/api/console/live', headers: { cookie: fx.credentials.admin.cookie! }, hello: false },
      {
        path: `/api/carts/${fx.cartCustomer.id}/live`,
        headers: { cookie: fx.credentials.admin.cookie! },
        hello: false,
      },
      { path: '/api/delivery/drivers', headers: { authorization: `Bearer ${fx.tracking.driverToken}` }, hello: false },
    ];
    const wsUrl = t.url.replace('http', 'ws');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sockets),
        fc.array(
          fc.oneof(
            frame,
            frame.map((f) => Buffer.from(f)),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        async (s, frames) => {
          const ws = new WebSocket(wsUrl + s.path, { headers: s.headers });
          const received: string[] = [];
          const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
          ws.on('message', (d) => received.push(d.toString()));
          let code: number;
          try {
            // bounded, and failing with what went wrong: a refusal, a socket error, or no answer at all
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () => reject(new Error(`${s.path}: no answer to a valid handshake within 10 s`)),
                10_000,
              );
              const fail = (err: Error) => {
                clearTimeout(timer);
                reject(err);
              };
              ws.once('open', () => {
                clearTimeout(timer);
                resolve();
              });
              ws.once('unexpected-response', (_req, res) =>
                fail(new Error(`${s.path} refused a valid handshake: ${res.statusCode}`)),
              );
              ws.once('error', (err) => fail(new Error(`${s.path}: the handshake failed: ${err.message}`)));
            });
            ws.on('error', () => undefined); // after the handshake, what counts is how the hub closes
            if (s.hello)
              ws.send(
                JSON.stringify({
                  type: 'hello',
                  protocol: PROTOCOL_VERSION,
                  storeId: fx.a.id,
                  outboxHead: 1,
                  feedCursor: 0,
                }),
              );
            for (const f of frames) if (ws.readyState === ws.OPEN) ws.send(f);
            if (ws.readyState === ws.OPEN) ws.close(1000);
            let timer: NodeJS.Timeout | undefined;
            code = await Promise.race([
              closed,
              new Promise<never>((_, reject) => {
                timer = setTimeout(
                  () => reject(new Error(`${s.path}: the socket did not close within 10 s of our close`)),
                  10_000,
                );
              }),
            ]).finally(() => clearTimeout(timer));
          } finally {
            ws.on('error', () => undefined);
            if (ws.readyState !== ws.CLOSED) ws.terminate();
          }
          const errors = received
            .map((m) => {
              try {
                return JSON.parse(m) as { type?: string; code?: string };
              } catch {
                return {};
              }
            })
            .filter((m) => m.type === 'error');
          expect(
            errors.filter((e) => e.code === 'internal'),
            `${s.path}: the hub failed on a frame`,
          ).toEqual([]);
          expect(code, `${s.path}: closed with ${code}`).not.toBe(1011);
          await alive();
        },
      ),
      { numRuns: Math.max(10, Math.round(FUZZ_RUNS / 3)), endOnFailure: true },
    );
  });
});
