import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '@storefleet/shared';
import type { Db } from '../src/db/db.js';
import { DatabaseUnreachableError } from '../src/db/db-unreachable.js';
import { DegradedMode, READ_UNAVAILABLE, STALE_WARNING, WRITES_REFUSED } from '../src/kernel/edge/degraded.js';
import { StaleAnswers } from '../src/kernel/edge/degraded/stale-answers.js';
import { edgeSettings } from '../src/kernel/edge/edge-settings.js';

/**
 * The degraded mode's rules on a real socket, with a database that is away when the test says (this runs everywhere;
 * degraded-outage.test.ts takes a real Postgres away): which reads come back stale and for whom, how old they may be,
 * and what brings the hub in and out of the mode.
 */
describe('degraded mode at the API edge', () => {
  const db = { down: false, pings: 0 };
  const clock = { now: 1_700_000_000_000 };
  const fakeDb = {
    dialect: 'pglite',
    async ping() {
      db.pings++;
      if (db.down) throw new DatabaseUnreachableError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    },
  } as unknown as Db;
  const log = pino({ level: 'silent' });
  const mode = new DegradedMode({
    db: fakeDb,
    edge: edgeSettings({ staleMaxAgeSeconds: 60 }),
    now: () => clock.now,
    log,
  });
  let server: Server;
  let base: string;
  let served = 0;

  const call = async (method: string, path: string, bearer?: string) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
      },
      ...(method === 'GET' ? {} : { body: '{}' }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    const api = express.Router();
    api.use(mode.before);
    api.use(express.json());
    api.use(mode.remember);
    api.get('/inventory/stores/:storeId/stock/:sku', (req, res, next) => {
      if (db.down) return next(new DatabaseUnreachableError(new Error('Connection terminated unexpectedly')));
      served++;
      res.json({ storeId: req.params.storeId, sku: req.params.sku, available: served });
    });
    api.get('/orders', (_req, res) => res.json({ items: [] }));
    api.post('/orders', (_req, _res, next) =>
      next(db.down ? new DatabaseUnreachableError(new Error('Connection terminated unexpectedly')) : undefined),
    );
    const app = express();
    app.use('/api', api);
    app.use(errorHandler(log));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    mode.start();
  });

  afterAll(async () => {
    mode.stop();
    await new Promise((r) => server.close(r));
  });

  it('enters the mode when a request finds the database away and a check confirms it', async () => {
    const first = await call('GET', '/api/inventory/stores/s1/stock/A', 'token-a');
    expect(first).toMatchObject({ status: 200, body: { available: 1 } });
    expect(first.headers.get('storefleet-stale')).toBeNull();
    await call('GET', '/api/inventory/stores/s1/stock/B');
    expect(mode.status()).toMatchObject({ degraded: false, entriesCached: 2 });

    db.down = true;
    const lost = await call('POST', '/api/orders', 'token-a');
    expect(lost.status).toBe(503); // the driver's error, answered by the hub's error handler
    await mode.check(); // the check the 503 started (at most one at a time)
    await expect(mode.probe(1_000)).rejects.toBeInstanceOf(DatabaseUnreachableError);
    expect(mode.status()).toMatchObject({
      degraded: true,
      since: clock.now,
      reason: 'the database refused the connection',
    });
  });

  it('refuses writes with 503 and Retry-After, whatever they are', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await call(method, '/api/orders', 'token-a');
      expect(r.status, method).toBe(503);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.body).toMatchObject({ status: 503, detail: WRITES_REFUSED, instance: '/api/orders' });
    }
  });

  it('answers a read it gave before stale, with its age, to the same credential only', async () => {
    clock.now += 42_000;
    const stale = await call('GET', '/api/inventory/stores/s1/stock/A', 'token-a');
    expect(stale).toMatchObject({ status: 200, body: { sku: 'A', available: 1 } });
    expect(stale.headers.get('storefleet-stale')).toBe('true');
    expect(stale.headers.get('age')).toBe('42');
    expect(stale.headers.get('warning')).toBe(STALE_WARNING);
    // public reads share one scope
    expect((await call('GET', '/api/inventory/stores/s1/stock/B')).status).toBe(200);
    for (const [path, bearer] of [
      ['/api/inventory/stores/s1/stock/A', 'token-b'], // another credential was never answered
      ['/api/inventory/stores/s1/stock/A', undefined],
      ['/api/inventory/stores/s1/stock/A?x=1', 'token-a'], // another URL
      ['/api/inventory/stores/s1/stock/C', 'token-a'], // never read
      ['/api/orders', 'token-a'], // not an availability read, even if answered before
    ] as const) {
      const r = await call('GET', path, bearer);
      expect(r.status, `${path} ${bearer}`).toBe(503);
      expect(r.body.detail).toBe(READ_UNAVAILABLE);
    }
  });

  it('gives no answer older than DEGRADED_STALE_MAX_SECONDS', async () => {
    clock.now += 19_000; // 61 s after the answer
    const r = await call('GET', '/api/inventory/stores/s1/stock/A', 'token-a');
    expect(r.status).toBe(503);
    expect(r.body.detail).toBe(READ_UNAVAILABLE);
  });

  it('leaves the mode at the first check that reaches the database, and reads are live again', async () => {
    db.down = false;
    await mode.probe(1_000); // /healthz's check: the same state as the mode's own checks
    expect(mode.status()).toMatchObject({ degraded: false, reason: null });
    const live = await call('GET', '/api/inventory/stores/s1/stock/A', 'token-a');
    expect(live.status).toBe(200);
    expect(live.headers.get('storefleet-stale')).toBeNull();
    expect(live.body.available).toBeGreaterThan(1);
  });
});

describe('the kept answers are bounded', () => {
  it('drops the least recently used past the count or the bytes, and keeps no body over the size limit', () => {
    const kept = new StaleAnswers({ maxEntries: 2, maxBytes: 1_000, maxEntryBytes: 300 });
    expect(kept.keep('a', 'x'.repeat(100), 'application/json', 1)).toBe(true);
    expect(kept.keep('b', 'x'.repeat(100), 'application/json', 1)).toBe(true);
    kept.get('a'); // a used: b is now the oldest
    kept.keep('c', 'x'.repeat(100), 'application/json', 1);
    expect([kept.get('a') !== undefined, kept.get('b') !== undefined, kept.get('c') !== undefined]).toEqual([
      true,
      false,
      true,
    ]);
    expect(kept.keep('d', 'x'.repeat(400), 'application/json', 1)).toBe(false);
    expect(kept.get('d')).toBeUndefined();
    const bytes = new StaleAnswers({ maxEntries: 100, maxBytes: 500, maxEntryBytes: 300 });
    for (const k of ['p', 'q', 'r']) bytes.keep(k, 'x'.repeat(200), 'application/json', 1);
    expect(bytes.size).toBe(2);
    expect(bytes.bytes).toBeLessThanOrEqual(500);
    expect(bytes.get('p')).toBeUndefined();
  });
});
