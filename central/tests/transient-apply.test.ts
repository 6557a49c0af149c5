import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hlcEncode, type WireEvent } from '@storefleet/shared';
import type { HubModule } from '../src/kernel/module-contract.js';
import type { AppliedEvent } from '../src/kernel/event-handlers.js';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { isTransientDbError } from '../src/sync/transient-errors.js';

/** What the test handler does next; each test sets it. */
const behaviour: { failFor: Set<number>; transientLeft: number; transientCode: string; calls: number } = {
  failFor: new Set(),
  transientLeft: 0,
  transientCode: '40P01',
  calls: 0,
};

const severed = { left: 0 };

/** The error pg (and PGlite) raise for a deadlock or a serialization failure: a DatabaseError carrying its SQLSTATE. */
function dbError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

/**
 * A module whose handler writes a whole run in one statement, as real handlers do, so one bad event fails the
 * statement for all of its run.
 */
const tallyModule: HubModule = {
  name: 'tally',
  eventHandlers: () => ({
    // Ends its own database session once (as a Postgres restart or a failover would), then applies.
    'tally.severed': async (tx, events: readonly AppliedEvent[]) => {
      if (severed.left-- > 0) await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
      await tx.query('INSERT INTO tally (origin, seq) SELECT $1, unnest($2::bigint[])', [
        events[0]!.origin,
        events.map((e) => e.seq),
      ]);
    },
    // Locks two rows in the order the event names, meeting the other store's batch in between: a real deadlock.
    'tally.crossed': async (tx, events: readonly AppliedEvent[]) => {
      for (const e of events) {
        const { first, second } = e.payload as { first: number; second: number };
        await tx.query('UPDATE tally_pair SET n = n + 1 WHERE id = $1', [first]);
        await crossing.meet();
        await tx.query('UPDATE tally_pair SET n = n + 1 WHERE id = $1', [second]);
      }
    },
    'tally.counted': async (tx, events: readonly AppliedEvent[]) => {
      behaviour.calls++;
      if (behaviour.transientLeft > 0) {
        behaviour.transientLeft--;
        throw dbError(
          behaviour.transientCode,
          behaviour.transientCode === '40P01'
            ? 'deadlock detected'
            : 'could not serialize access due to concurrent update',
        );
      }
      const bad = events.find((e) => behaviour.failFor.has(e.seq));
      await tx.query('INSERT INTO tally (origin, seq) SELECT $1, unnest($2::bigint[])', [
        events[0]!.origin,
        events.map((e) => e.seq),
      ]);
      if (bad) throw new Error(`tally ${bad.seq} cannot be counted`);
    },
  }),
};

/**
 * Two handlers each wait here (once) until both hold their first row, so each then asks for the row the other holds.
 * Bounded, so a run where the two never meet goes on instead of hanging.
 */
const crossing = {
  waiting: [] as (() => void)[],
  armed: false,
  async meet(): Promise<void> {
    if (!this.armed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 20_000);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
      if (this.waiting.length === 2) {
        this.armed = false;
        for (const go of this.waiting.splice(0)) go();
      }
    });
  },
};

/** The skip reason a Postgres-only test shows on PGlite: what it needs that PGlite (one in-process connection) lacks. */
const onlyPostgres = (target: { name: string }, because: string) =>
  target.name === 'postgres'
    ? ''
    : ` — skipped: needs a real Postgres because ${because}, and PGlite has one in-process connection; set DATABASE_URL`;

describe.each(dbTargets)(
  'a transient error at the hub parks nothing; a failing event is parked alone, on $name',
  (target) => {
    let t: TestHub;
    let admin: string;
    let n = 0;

    beforeAll(async () => {
      const { discoverModules } = await import('../src/kernel/discover-modules.js');
      t = await TestHub.start(target, { modules: [...(await discoverModules()), tallyModule] });
      await t.hub.db.exec('CREATE TABLE tally (origin uuid NOT NULL, seq bigint NOT NULL, PRIMARY KEY (origin, seq))');
      await t.hub.db.exec(
        'CREATE TABLE tally_pair (id int PRIMARY KEY, n int NOT NULL); INSERT INTO tally_pair VALUES (1, 0), (2, 0)',
      );
      admin = await t.login();
    });
    beforeEach(() => {
      behaviour.failFor = new Set();
      behaviour.transientLeft = 0;
      behaviour.calls = 0;
      crossing.armed = false;
      for (const go of crossing.waiting.splice(0)) go();
    });
    afterAll(() => t?.stop());

    const newStore = async () => (await t.store(`TALLY-${++n}`, admin)).id;
    const run = (storeId: string, from: number, count: number): WireEvent[] =>
      Array.from({ length: count }, (_, i) => ({
        origin: storeId,
        seq: from + i,
        hlc: hlcEncode({ wallMs: Date.now(), counter: i, node: storeId }),
        type: 'tally.counted',
        payload: { n: from + i },
      }));
    const counted = async (storeId: string) =>
      (
        await t.hub.db.query<{ seq: number }>('SELECT seq FROM tally WHERE origin = $1 ORDER BY seq', [storeId])
      ).rows.map((r) => r.seq);
    /** The retries /metrics reports (monitoring sees transient errors there, not as parked events). */
    const retriesMetric = async () => {
      const text = (await t.call('GET', '/metrics', undefined, { cookie: admin })).body as string;
      return Number(/^storefleet_hub_sync_transient_retries (\d+)/m.exec(text)?.[1] ?? NaN);
    };
    const parked = async (storeId: string) => {
      const r = await t.call('GET', `/api/sync/parked?storeId=${storeId}`, undefined, { cookie: admin });
      expect(r.status).toBe(200);
      return r.body.items.map((p: { seq: number; reason: string }) => [p.seq, p.reason]);
    };

    it('parks the one event of a run of 20 that fails on its own, and applies the other 19', async () => {
      const storeId = await newStore();
      behaviour.failFor = new Set([13]);
      expect(await t.hub.sync.repo.applyBatch(storeId, run(storeId, 1, 20), 0)).toEqual({ ackedSeq: 20 });
      expect(await parked(storeId)).toEqual([[13, 'handler failed: tally 13 cannot be counted']]);
      expect(await counted(storeId)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1).filter((s) => s !== 13));
      const state = await t.call('GET', `/api/sync/stores/${storeId}`, undefined, { cookie: admin });
      expect(state.body).toMatchObject({ ackedSeq: 20, parked: 1 });
    });

    it('parks each of several failing events alone (the first and the last of the run too)', async () => {
      const storeId = await newStore();
      behaviour.failFor = new Set([1, 8, 9, 20]);
      await t.hub.sync.repo.applyBatch(storeId, run(storeId, 1, 20), 0);
      expect((await parked(storeId)).map(([seq]: [number]) => seq)).toEqual([1, 8, 9, 20]);
      expect(await counted(storeId)).toHaveLength(16);
    });

    it('retries a handler that throws a deadlock twice, then applies the whole run and parks nothing', async () => {
      const storeId = await newStore();
      behaviour.transientLeft = 2;
      behaviour.transientCode = '40P01';
      const retriesBefore = await retriesMetric();
      expect(await t.hub.sync.repo.applyBatch(storeId, run(storeId, 1, 20), 0)).toEqual({ ackedSeq: 20 });
      expect(await parked(storeId)).toEqual([]);
      expect(await counted(storeId)).toHaveLength(20);
      expect(behaviour.calls).toBe(3);
      expect((await retriesMetric()) - retriesBefore).toBe(2);
    });

    it('retries a serialization failure the same way', async () => {
      const storeId = await newStore();
      behaviour.transientLeft = 1;
      behaviour.transientCode = '40001';
      await t.hub.sync.repo.applyBatch(storeId, run(storeId, 1, 5), 0);
      expect(await parked(storeId)).toEqual([]);
      expect(await counted(storeId)).toEqual([1, 2, 3, 4, 5]);
    });

    it('parks nothing and acks nothing when the database keeps failing; the resend applies once it recovers', async () => {
      const storeId = await newStore();
      behaviour.transientLeft = 1_000;
      behaviour.transientCode = '40P01';
      await expect(t.hub.sync.repo.applyBatch(storeId, run(storeId, 1, 10), 0)).rejects.toThrow('deadlock detected');
      expect(await parked(storeId)).toEqual([]);
      expect(await counted(storeId)).toEqual([]);
      expect((await t.call('GET', `/api/sync/stores/${storeId}`, undefined, { cookie: admin })).body).toMatchObject({
        ackedSeq: 0,
        parked: 0,
      });
      behaviour.transientLeft = 0;
      expect(await t.hub.sync.repo.applyBatch(storeId, run(storeId, 1, 10), 0)).toEqual({ ackedSeq: 10 });
      expect(await counted(storeId)).toHaveLength(10);
      expect(await parked(storeId)).toEqual([]);
    });

    // A real deadlock needs two connections: PGlite has one, so this runs where a Postgres is reachable (DATABASE_URL).
    it.skipIf(target.name !== 'postgres')(
      `applies both batches of a real deadlock (Postgres aborts one: it is retried, not parked)${onlyPostgres(target, 'a deadlock needs two connections')}`,
      async () => {
        const [a, b] = [await newStore(), await newStore()];
        const crossed = (storeId: string, first: number, second: number): WireEvent[] => [
          {
            origin: storeId,
            seq: 1,
            hlc: hlcEncode({ wallMs: Date.now(), counter: 0, node: storeId }),
            type: 'tally.crossed',
            payload: { first, second },
          },
        ];
        crossing.armed = true;
        const results = await Promise.all([
          t.hub.sync.repo.applyBatch(a, crossed(a, 1, 2), 0),
          t.hub.sync.repo.applyBatch(b, crossed(b, 2, 1), 0),
        ]);
        expect(results).toEqual([{ ackedSeq: 1 }, { ackedSeq: 1 }]);
        expect([...(await parked(a)), ...(await parked(b))]).toEqual([]);
        expect((await t.hub.db.query('SELECT id, n FROM tally_pair ORDER BY id')).rows).toEqual([
          { id: 1, n: 2 },
          { id: 2, n: 2 },
        ]);
      },
    );

    it.skipIf(target.name !== 'postgres')(
      `applies a batch whose database connection is cut mid-transaction (retried on a new one, not parked)${onlyPostgres(target, 'a connection to cut is a socket to a database server')}`,
      async () => {
        const storeId = await newStore();
        severed.left = 1;
        const events = run(storeId, 1, 3).map((e) => ({ ...e, type: 'tally.severed' }));
        expect(await t.hub.sync.repo.applyBatch(storeId, events, 0)).toEqual({ ackedSeq: 3 });
        expect(await parked(storeId)).toEqual([]);
        expect(await counted(storeId)).toEqual([1, 2, 3]);
        expect((await t.call('GET', '/healthz')).status).toBe(200);
      },
    );

    it('tells a transient database error from the event’s own (what is retried, what is isolated and parked)', () => {
      const transient = ['40001', '40P01', '55P03', '08006', '08003', '57P01'].map((code) => dbError(code, code));
      transient.push(
        new Error('Connection terminated unexpectedly'),
        new Error('the hub database is unreachable', {
          cause: Object.assign(new Error('read'), { code: 'ECONNRESET' }),
        }),
      );
      expect(transient.filter((e) => !isTransientDbError(e)).map((e) => e.message)).toEqual([]);
      const own = [
        dbError('23505', 'duplicate key value'),
        dbError('22P02', 'invalid input syntax'),
        new Error('tally 3 cannot be counted'),
        'a string',
        undefined,
      ];
      expect(own.filter((e) => isTransientDbError(e))).toEqual([]);
    });
  },
);
