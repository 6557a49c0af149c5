import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE, hlcEncode, uuidv7 } from '@storefleet/shared';
import { dbTargets } from './support/db-targets.js';
import { rawExchange } from './support/raw-socket.js';
import { watchServerSockets } from './support/server-sockets.js';
import { TestHub } from './support/test-hub.js';

const upgrade = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: hub\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

/** `p`, or a rejection naming `what` when it takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Status line and problem body of a raw answer. */
function answer(text: string): { status: number; contentType: string | undefined; body: any } {
  const [head, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /^content-type: *(.*)$/im.exec(head)?.[1]?.trim();
  return { status, contentType, body: body ? JSON.parse(body) : undefined };
}

describe.each(dbTargets)('hostile input to the hub on $name', (target) => {
  let t: TestHub;
  let admin: string;
  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
  });
  afterAll(() => t?.stop());

  const healthy = async () => expect((await t.call('GET', '/healthz')).status).toBe(200);
  const count = async (table: string) =>
    (await t.hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

  describe('WebSocket upgrades', () => {
    it('answers a malformed session cookie on /api/console/live and /api/carts/…/live with 400 problem+json, and keeps serving', async () => {
      for (const path of ['/api/console/live', `/api/carts/${uuidv7()}/live`]) {
        const a = answer(await rawExchange(t.url, upgrade(path, 'Cookie: sf_session=%E0%A4%A\r\n')));
        expect(a.status).toBe(400);
        expect(a.contentType).toBe('application/problem+json; charset=utf-8');
        expect(a.body).toMatchObject({
          type: 'urn:storefleet:problem:validation',
          status: 400,
          detail: 'malformed cookie sf_session: its value is not valid percent-encoding',
        });
      }
      await healthy();
    });

    it('answers a request target that is not a URL with 400, on /sync and the module sockets alike', async () => {
      for (const target of ['//', '//[', 'http://[']) {
        const a = answer(await rawExchange(t.url, upgrade(target, 'Authorization: Bearer x.y.z\r\n')));
        expect(a.status).toBe(400);
        expect(a.body.detail).toMatch(/^not a valid request target/);
      }
      await healthy();
    });

    it('answers an upgrade to no socket with 404, and an unsigned one with 401, each as problem+json', async () => {
      const nowhere = answer(await rawExchange(t.url, upgrade('/api/no-such-socket', `Cookie: ${admin}\r\n`)));
      expect(nowhere).toMatchObject({
        status: 404,
        body: { status: 404, detail: 'no WebSocket endpoint at /api/no-such-socket' },
      });
      const anonymous = answer(await rawExchange(t.url, upgrade('/api/console/live')));
      expect(anonymous).toMatchObject({
        status: 401,
        body: { type: 'urn:storefleet:problem:unauthorized', status: 401 },
      });
      const noToken = answer(await rawExchange(t.url, upgrade('/sync')));
      expect(noToken).toMatchObject({
        status: 401,
        body: { detail: 'a store token is required (Authorization: Bearer …)' },
      });
    });

    it('survives a signed-in client that sends an invalid WebSocket frame after the handshake', async () => {
      const { hostname, port } = new URL(t.url);
      const store = await t.store('FRAME-A', admin);
      const customer = await t.call('POST', '/api/customers', { name: 'Frame Tester' }, { cookie: admin }); // a cart socket opens only for a customer that exists
      const sockets: [string, string][] = [
        ['/api/console/live', `Cookie: ${admin}\r\n`],
        [`/api/carts/${customer.body.id}/live`, `Cookie: ${admin}\r\n`],
        ['/sync', `Authorization: Bearer ${store.token}\r\n`],
      ];
      for (const [path, credential] of sockets) {
        const s = connect(Number(port), hostname);
        s.on('error', () => undefined);
        let got = '';
        s.on('data', (d) => (got += d.toString('latin1')));
        const closed = new Promise<void>((r) => s.on('close', () => r()));
        await new Promise<void>((r) => s.once('connect', r));
        const head = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`${path}: no answer to the upgrade within 10 s; got ${JSON.stringify(got)}`)),
            10_000,
          );
          const check = () => {
            if (!got.includes('\r\n\r\n')) return;
            clearTimeout(timer);
            resolve();
          };
          s.on('data', check);
          s.once('close', () => {
            clearTimeout(timer);
            if (!got.includes('\r\n\r\n'))
              reject(new Error(`${path}: closed before answering the upgrade; got ${JSON.stringify(got)}`));
          });
        });
        s.write(upgrade(path, credential));
        await head.catch((err: Error) => {
          s.destroy();
          throw err;
        });
        expect(got).toMatch(/^HTTP\/1\.1 101 /);
        s.write(Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f])); // a text frame without the mask every client frame needs
        await within(closed, 10_000, `${path}: the hub to close the socket after an unmasked frame`).finally(() =>
          s.destroy(),
        );
      }
      await healthy();
    });

    it('survives clients that reset the connection while their credential is being checked', async () => {
      const { hostname, port } = new URL(t.url);
      const server = watchServerSockets(Number(port));
      for (let i = 0; i < 20; i++) {
        for (const path of ['/api/console/live', '/sync']) {
          const s = connect(Number(port), hostname);
          s.on('error', () => undefined);
          await new Promise<void>((r) => s.once('connect', r));
          s.write(upgrade(path, `Authorization: Bearer ${i % 2 ? 'a.b.c' : 'session-token-that-is-looked-up'}\r\n`));
          s.resetAndDestroy();
        }
      }
      // every upgrade handler is done with its socket once the server has closed them all (a reset one included)
      await server.allClosed(40).finally(() => server.stop());
      await healthy();
    });
  });

  describe('HTTP requests', () => {
    it('answers a malformed session cookie on an API route with 401 (sign in again), not 500', async () => {
      for (const cookie of ['sf_session=%%%', 'sf_session=%E0%A4%A']) {
        const res = await t.call('GET', '/api/auth/me', undefined, { cookie });
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
        expect(res.body.detail).toBe('session cookie unreadable; sign in again');
      }
    });

    it('answers a path that is not valid percent-encoding, and a body nested half a million deep, with 4xx problem+json', async () => {
      for (const path of ['/api/locations/%E0%A4%A', '/api/customers/%']) {
        const res = await t.call('GET', path, undefined, { cookie: admin });
        expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({
          path,
          status: 400,
          type: 'application/problem+json; charset=utf-8',
        });
      }
      const page = await t.call('GET', '/console/%E0%A4%A', undefined, { cookie: admin });
      expect(page).toMatchObject({ status: 404, body: { status: 404 } }); // a static file that cannot exist
      const deep = '['.repeat(400_000) + ']'.repeat(400_000);
      const res = await t.call('POST', '/api/customers', undefined, { cookie: admin, rawBody: deep });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:storefleet:problem:validation');
      await healthy();
    });

    it('answers an oversized header with 431 problem+json, and a request it cannot parse with 400', async () => {
      const big = answer(
        await rawExchange(t.url, `GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      );
      expect(big).toMatchObject({
        status: 431,
        contentType: 'application/problem+json; charset=utf-8',
        body: { type: 'urn:storefleet:problem:header-too-large', status: 431 },
      });
      const garbage = answer(await rawExchange(t.url, 'NOT HTTP AT ALL\r\n\r\n'));
      expect(garbage).toMatchObject({ status: 400, body: { type: 'urn:storefleet:problem:validation', status: 400 } });
      await healthy();
    });

    it('answers a bad job-runner query or run id with 400 problem+json, and an unknown run with 404', async () => {
      const bad = [
        '/api/jobs?state=EXPLODED',
        '/api/jobs?limit=0',
        '/api/jobs?limit=1e9',
        '/api/jobs?name=..%2F..%2Fetc',
        '/api/jobs?name=a.b&name=c.d',
        '/api/jobs?before=1',
        '/api/jobs?orderBy=id',
        '/api/jobs?name=a%00b',
        '/api/jobs/not-a-uuid',
        `/api/jobs/${'9'.repeat(5000)}`,
      ];
      for (const path of bad) {
        const res = await t.call('GET', path, undefined, { cookie: admin });
        expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({
          path,
          status: 400,
          type: 'application/problem+json; charset=utf-8',
        });
      }
      const unknown = await t.call('GET', `/api/jobs/${uuidv7()}`, undefined, { cookie: admin });
      expect(unknown).toMatchObject({ status: 404, body: { status: 404 } });
      await healthy();
    });

    it('refuses U+0000 in body strings and keys, query values and the path with 400, storing nothing', async () => {
      const customers = await count('customers');
      const products = await count('catalog_products');
      const reservations = await count('reservations');
      const store = await t.store('NUL-A', admin);
      const cases: [string, string, unknown, RegExp][] = [
        ['POST', '/api/customers', { name: 'a\u0000b' }, /^name: text may not contain U\+0000/],
        ['POST', '/api/customers', { 'na\u0000me': 'x' }, /\(a key\): text may not contain U\+0000/],
        ['PUT', '/api/catalog/products/NUL-SKU', { name: 'Tea\u0000', category: 'Drinks', priceMinor: 100 }, /^name: /],
        [
          'POST',
          '/api/reservations',
          { storeId: store.id, customerRef: 'c\u0000', lines: [{ sku: 'NUL-SKU', qty: 1 }] },
          /^customerRef: /,
        ],
        ['POST', '/api/customers', { name: 'ok', nested: [{ deep: ['x', 'y\u0000'] }] }, /^nested\.0\.deep\.1: /],
        ['POST', `/api/workflows/incidents/${uuidv7()}/resolve`, { note: 'done\u0000' }, /^note: /],
        [
          'POST',
          `/api/workflows/incidents/${uuidv7()}/resolve`,
          { note: 'x'.repeat(10_000) },
          /^invalid resolution \(note: /,
        ],
        ['GET', '/api/customers?name=a%00b', undefined, /NUL/],
        ['GET', '/api/customers/%00', undefined, /NUL/],
        ['GET', '/api/catalog/products/A%00B', undefined, /NUL/],
      ];
      for (const [method, path, body, detail] of cases) {
        const res = await t.call(method, path, body, { cookie: admin });
        expect({ path, status: res.status, type: res.body.type }).toEqual({
          path,
          status: 400,
          type: 'urn:storefleet:problem:validation',
        });
        expect(res.body.detail).toMatch(detail);
      }
      expect(await count('customers')).toBe(customers);
      expect(await count('catalog_products')).toBe(products);
      expect(await count('reservations')).toBe(reservations);
    });
  });

  describe('the sync socket', () => {
    const open = async (token: string, storeId: string) => {
      const ws = new WebSocket(`${t.url.replace('http', 'ws')}/sync`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const frames: any[] = [];
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const next = async (type: string) => {
        for (let i = 0; i < 200; i++) {
          const at = frames.findIndex((f) => f.type === type);
          if (at >= 0) return frames.splice(at, 1)[0];
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error(`no ${type} frame; got ${JSON.stringify(frames)}`);
      };
      const hello = () =>
        ws.send(JSON.stringify({ type: 'hello', protocol: 2, storeId, outboxHead: 0, feedCursor: 0 }));
      return { ws, frames, closed, next, hello };
    };

    it('closes a store whose hello names another store in a non-Latin script, with a reason that fits a close frame', async () => {
      const a = await t.store('SCRIPT-A', admin);
      const script = await open(a.token, a.id);
      script.ws.send(
        JSON.stringify({ type: 'hello', protocol: 2, storeId: 'é'.repeat(200), outboxHead: 0, feedCursor: 0 }),
      );
      expect(await script.next('error')).toMatchObject({ code: 'forbidden', message: expect.stringContaining('éééé') });
      const closed = await script.closed;
      expect(closed.code).toBe(CLOSE.unauthorized);
      expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
      expect(closed.reason).toMatch(/^hello names store é+…$/);
    });

    it('refuses an event whose payload carries U+0000 as a bad message naming it, applying nothing of the batch', async () => {
      const a = await t.store('NULEV-A', admin);
      const s = await open(a.token, a.id);
      s.hello();
      await s.next('welcome');
      const event = (seq: number, sku: string) => ({
        origin: a.id,
        seq,
        hlc: hlcEncode({ wallMs: Date.now(), counter: seq, node: a.id }),
        type: 'stock.moved',
        payload: { sku, delta: 1, kind: 'RECEIVE' },
      });
      s.ws.send(JSON.stringify({ type: 'event-batch', events: [event(1, 'NUL-OK'), event(2, 'NUL\u0000SKU')] }));
      expect(await s.next('error')).toEqual({
        type: 'error',
        code: 'bad-message',
        message: 'event 2 payload.sku contains U+0000 (NUL), which the hub cannot store',
      });
      expect((await s.closed).code).toBe(CLOSE.protocolError);
      expect((await t.hub.db.query('SELECT 1 FROM inventory_stock WHERE store_id = $1', [a.id])).rows).toEqual([]);
    });

    it('answers a refused doc-sync with a doc-error frame and keeps the connection', async () => {
      const a = await t.store('DOC-A', admin);
      const s = await open(a.token, a.id);
      s.hello();
      await s.next('welcome');
      s.ws.send(JSON.stringify({ type: 'doc-sync', docId: 'secret:plans', data: 'AAAA' }));
      expect(await s.next('doc-error')).toEqual({
        type: 'doc-error',
        docId: 'secret:plans',
        detail: 'no read access to document secret:plans',
      });
      s.ws.send(JSON.stringify({ type: 'doc-sync', docId: 'no-namespace', data: 'AAAA' }));
      expect(await s.next('doc-error')).toEqual({
        type: 'doc-error',
        docId: 'no-namespace',
        detail: 'not a document id: no-namespace (expected namespace:key)',
      });
      const cart = `cart:${uuidv7()}`;
      s.ws.send(
        JSON.stringify({
          type: 'doc-sync',
          docId: cart,
          data: Buffer.from('garbage, not automerge').toString('base64'),
        }),
      );
      expect(await s.next('doc-error')).toMatchObject({
        type: 'doc-error',
        docId: cart,
        detail: expect.stringMatching(new RegExp(`^doc-sync for ${cart} is not a sync message`)),
      });
      expect(t.hub.sync.server!.connectedStores).toContain(a.id);
      s.ws.close();
    });

    it('closes on a binary frame (1003) or a frame of the wrong shape, and serves other stores meanwhile', async () => {
      const bystander = await t.store('BYST', admin);
      const b = await open(bystander.token, bystander.id);
      b.hello();
      await b.next('welcome');

      const a = await t.store('WIRE-A', admin);
      const binary = await open(a.token, a.id);
      binary.hello();
      await binary.next('welcome');
      binary.ws.send(Buffer.from([0, 1, 2, 3]));
      expect(await binary.closed).toEqual({
        code: 1003,
        reason: 'binary frame refused: the sync protocol uses JSON text frames only',
      });

      const shape = await open(a.token, a.id);
      shape.ws.send(JSON.stringify({ type: 'hello', protocol: 'two', storeId: 5 }));
      expect(await shape.next('error')).toMatchObject({ code: 'bad-message' });
      expect((await shape.closed).code).toBe(CLOSE.protocolError);

      b.ws.send(JSON.stringify({ type: 'doc-sync', docId: 'secret:still-here', data: 'AAAA' }));
      expect(await b.next('doc-error')).toMatchObject({ docId: 'secret:still-here' });
      expect(t.hub.sync.server!.connectedStores).toContain(bystander.id);
      b.ws.close();
      await healthy();
    });
  });
});
