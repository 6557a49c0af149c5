import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_RETRY, feedRetryDelayMs } from '@storefleet/sync';
import {
  asUnreachable,
  DATABASE_BUSY,
  DatabaseBusyError,
  DatabaseUnreachableError,
  isConnectionError,
} from '../src/db/db-unreachable.js';
import { hubConfigFromEnv } from '../src/config.js';
import { isTransientDbError } from '../src/sync/transient-errors.js';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait-for.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');

/** A seeded generator (mulberry32): the same draws on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The fleet trial (5,000 stores on one replica): pg-pool's "timeout exceeded when trying to connect" — a wait for one
// of the pool's own connections — was called "database unreachable" and put the hub in degraded mode, Postgres up.
describe('a full pool is overload, not an unreachable database', () => {
  it('classifies the pool wait as busy (503, retried by sync, no outage) and a failed connection as unreachable', () => {
    const wait = asUnreachable(new Error('timeout exceeded when trying to connect'));
    expect(wait).toBeInstanceOf(DatabaseBusyError);
    expect(wait).toMatchObject({ status: 503, message: DATABASE_BUSY, retryAfterSeconds: 1 });
    expect(isConnectionError(wait)).toBe(false);
    expect(isTransientDbError(wait)).toBe(true); // a store's batch waits it out; no event is parked for it

    const refused = asUnreachable(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    );
    expect(refused).toBeInstanceOf(DatabaseUnreachableError);
    const slow = asUnreachable(new Error('Connection terminated due to connection timeout'));
    expect(slow).toBeInstanceOf(DatabaseUnreachableError);
    expect(slow).toMatchObject({ reason: 'no connection to the database could be made in time' });
  });

  it("backs a failed feed read's retry off from 1 s to 30 s with ±50 % jitter (seeded)", () => {
    const random = seeded(27);
    const delays = Array.from({ length: 9 }, (_, failures) => feedRetryDelayMs(failures, random));
    delays.forEach((d, failures) => {
      const nominal = Math.min(FEED_RETRY.capMs, FEED_RETRY.firstMs * 2 ** failures);
      expect(d).toBeGreaterThanOrEqual(nominal * 0.5);
      expect(d).toBeLessThanOrEqual(nominal * 1.5);
    });
    // the old pump waited 1 s every time; from the 4th failure on it waits at least 4 s, and never more than 45 s
    expect(delays.slice(3).every((d) => d >= 4_000)).toBe(true);
    expect(Math.max(...delays)).toBeLessThanOrEqual(45_000);
    // jitter: sessions that failed together do not retry together
    const spread = new Set(Array.from({ length: 20 }, () => feedRetryDelayMs(5, random)));
    expect(spread.size).toBeGreaterThan(10);
  });

  it('DB_POOL_SIZE sizes the pool; a bad one is refused by name', () => {
    expect(hubConfigFromEnv({ DB_POOL_SIZE: '40' }).poolSize).toBe(40);
    expect(hubConfigFromEnv({}).poolSize).toBeUndefined();
    expect(() => hubConfigFromEnv({ DB_POOL_SIZE: '0' })).toThrow(/DB_POOL_SIZE must be a whole number/);
    expect(() => hubConfigFromEnv({ DB_POOL_SIZE: 'ten' })).toThrow(/DB_POOL_SIZE/);
  });
});

describe.skipIf(!postgres)(
  postgres
    ? 'a hub whose pool is held by long work'
    : 'a hub whose pool is held by long work — skipped: PGlite has no pool; set DATABASE_URL',
  { timeout: 60_000 },
  () => {
    let t: TestHub;
    let release: () => void = () => undefined;
    let holders: Promise<unknown>[] = [];

    beforeAll(async () => {
      t = await TestHub.start(postgres!, { poolSize: 2, dbConnectTimeoutMs: 500 });
    });

    afterAll(async () => {
      release();
      await Promise.allSettled(holders);
      await t?.stop();
    });

    it('answers a request that waited for the pool 503 busy with Retry-After; the degraded mode stays off', async () => {
      const admin = await t.login();
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      release = open;
      let holding = 0;
      // Both of the pool's connections held by long transactions, as 5,000 sessions' reads held them in the trial.
      holders = [0, 1].map(() =>
        t.hub.db.transaction(async (tx) => {
          await tx.query('SELECT 1');
          holding++;
          await gate;
        }),
      );
      await waitFor('both connections to be held', () => holding === 2);

      const write = await t.call('POST', '/api/auth/login', { email: 'nobody@example.test', password: 'x'.repeat(20) });
      expect(write.status).toBe(503);
      expect(write.headers.get('content-type')).toContain('application/problem+json');
      expect(write.headers.get('retry-after')).toBe('1');
      expect(write.body).toMatchObject({ status: 503, detail: DATABASE_BUSY });
      expect(String(write.body.detail)).not.toMatch(/unreachable/);

      const read = await t.call('GET', '/api/auth/me', undefined, { cookie: admin });
      expect(read.status).toBe(503);
      expect(read.body).toMatchObject({ detail: DATABASE_BUSY });

      // Postgres answers: /healthz (its own connection) says so, and the degraded mode never turned on
      const health = await t.call('GET', '/healthz');
      expect(health.status).toBe(200);
      expect(health.body.degraded).toMatchObject({ degraded: false, reason: null });

      // a second busy write is still "busy", not the degraded mode's "writes are refused"
      const again = await t.call('POST', '/api/auth/login', { email: 'nobody@example.test', password: 'x'.repeat(20) });
      expect(again.body).toMatchObject({ detail: DATABASE_BUSY });

      release();
      await Promise.all(holders);
      const after = await t.call('GET', '/api/auth/me', undefined, { cookie: admin });
      expect(after.status).toBe(200);
      expect((await t.call('GET', '/healthz')).body.degraded).toMatchObject({ degraded: false });
    });
  },
);
