import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { Db } from '../../../db/db.js';
import { openDb } from '../../../db/open-db.js';
import { loadMigrations } from '../../../migrations/load-migrations.js';
import { migrate } from '../../../migrations/migrate.js';
import { JobRunner } from '../job-runner.js';

const coreSchema = new URL('../../../core/schema/', import.meta.url);
const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 2, 1, 9, 0);

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

/** Waits (on the real clock, up to `ms`) for `check` to hold; returns whether it did. */
const until = async (check: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
};

/** Issue #15, second review: hung jobs, racing claims, unrecordable errors, clock steps, slots and sizes. */
describe.each(dbTargets)('the job runner’s limits on $name', (target) => {
  let db: Db;
  let databaseUrl: string | undefined;
  let drop: () => Promise<void>;
  const clock = { ms: T0 };
  const runners: JobRunner[] = [];
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const runner = (owner: string, pollMs = 1_000) => {
    const r = new JobRunner({ db, now: () => clock.ms, log, owner, pollMs, random: () => 0.5 });
    runners.push(r);
    return r;
  };

  beforeEach(async () => {
    clock.ms = T0;
    const opened = await target.open();
    drop = opened.drop;
    databaseUrl = opened.databaseUrl;
    db = await openDb(opened);
    await migrate(db, loadMigrations([{ module: 'core', dir: coreSchema }]), { log });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
    for (const r of runners.splice(0)) await r.stop({ graceMs: 0 });
    await db.close();
    await drop();
  });

  it('a scheduled job that hangs is failed at its time limit, and the next period runs', async () => {
    const hub = runner('hub-a');
    let calls = 0;
    let abortedWith: unknown;
    hub.define({
      name: 'm.sweep',
      timeoutMs: 200,
      run: async (job) => {
        calls++;
        job.signal.addEventListener('abort', () => (abortedWith = job.signal.reason), { once: true });
        if (calls === 1) await new Promise(() => undefined); // a fetch with no timeout, ignoring its signal
      },
    });
    await hub.schedule('m.sweep', { everyMs: 1_000, firstAfterMs: 0 });
    expect(await hub.runDue()).toBe(1);
    const [hung] = await hub.repo.recent({ name: 'm.sweep', limit: 1 });
    expect(hung).toMatchObject({
      state: 'FAILED',
      leaseOwner: null,
      lastError: expect.stringContaining('did not finish within 200 ms'),
    });
    expect(String(abortedWith)).toContain('did not finish within 200 ms');
    expect(hub.running).toEqual([]);
    clock.ms += 1_000;
    expect(await hub.runDue()).toBe(1);
    expect(calls).toBe(2);
    expect((await hub.repo.recent({ name: 'm.sweep', limit: 2 })).map((r) => r.state)).toEqual(['DONE', 'FAILED']);
  });

  it.skipIf(target.name === 'pglite')(
    'a claim that commits while another hub waits on the schedule row leaves one open run (Postgres only: PGlite has one connection, so claims never interleave)',
    async () => {
      let sweepsOnB = 0;
      const hubB = runner('hub-b');
      hubB.define({ name: 'm.sweep', run: async () => void sweepsOnB++ });
      await hubB.schedule('m.sweep', { everyMs: 1_000, firstAfterMs: 0 });
      // hub-a's claim of the period at T0, slow to commit (a loaded database): the same two writes, held open
      const slow = new pg.Client({ connectionString: databaseUrl });
      await slow.connect();
      cleanups.push(() => slow.end());
      await slow.query('BEGIN');
      await slow.query(`UPDATE job_schedules SET next_run_at = $2 WHERE name = 'm.sweep' AND next_run_at <= $1`, [
        T0,
        T0 + 1_000,
      ]);
      await slow.query(
        `INSERT INTO job_runs (id, name, schedule, state, run_at, attempts, max_attempts, lease_ms, lease_owner,
           lease_epoch, lease_until, created_at, started_at)
         VALUES ('01a20000-0000-7000-8000-000000000001', 'm.sweep', 'm.sweep', 'RUNNING', $1, 1, 1, 60000, 'hub-a', 1,
           $1::bigint + 60000, $1, $1)`,
        [T0],
      );
      clock.ms = T0 + 1_200; // hub-b looks 1.2 s later, while hub-a's claim is still committing
      const looked = hubB.runDue();
      const waiting = await until(async () => {
        const { rows } = await slow.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].n > 0;
      });
      expect(waiting).toBe(true);
      await slow.query('COMMIT');
      await looked;
      expect(sweepsOnB).toBe(0); // hub-a's run of the period is still open: hub-b must not sweep beside it
      const { rows } = await db.query<{ lease_owner: string }>(
        `SELECT lease_owner FROM job_runs WHERE schedule = 'm.sweep' AND state IN ('QUEUED', 'RUNNING')`,
      );
      expect(rows.map((r) => r.lease_owner)).toEqual(['hub-a']);
    },
  );

  it('a job that throws something with no readable message, or with U+0000, is FAILED with a message', async () => {
    const hub = runner('hub-a');
    const throws: Record<string, () => unknown> = {
      'm.null-proto': () => Object.create(null),
      'm.bad-tostring': () => ({
        toString() {
          throw new Error('no');
        },
      }),
      'm.nul': () => new Error('bad byte \u0000 here'),
    };
    const ids: Record<string, string> = {};
    for (const [name, make] of Object.entries(throws)) {
      hub.define({
        name,
        maxAttempts: 1,
        run: async () => {
          throw make();
        },
      });
      ids[name] = (await hub.enqueue(name)).id;
    }
    await hub.runDue();
    const runs = Object.fromEntries(
      await Promise.all(Object.entries(ids).map(async ([name, id]) => [name, await hub.get(id)] as const)),
    );
    for (const run of Object.values(runs)) expect(run).toMatchObject({ state: 'FAILED', leaseOwner: null });
    expect(runs['m.null-proto']!.lastError).toMatch(/could not be turned into a message/);
    expect(runs['m.bad-tostring']!.lastError).toMatch(/could not be turned into a message/);
    expect(runs['m.nul']!.lastError).toBe('bad byte  here');
  });

  it('after the hub clock steps back, the latest run shown (and kept by pruning) is the one made last', async () => {
    const hub = runner('hub-a');
    hub.define({ name: 'm.sweep', run: async () => undefined });
    await hub.schedule('m.sweep', { everyMs: 1_000, firstAfterMs: 0 });
    // another hub, its clock an hour ahead, ran the last period: its run's id (UUIDv7) and times are an hour ahead
    const ahead = T0 + 3_600_000;
    await db.query(
      `INSERT INTO job_runs (id, name, schedule, state, run_at, attempts, max_attempts, lease_ms, created_at,
         started_at, finished_at)
       VALUES ('019ca8d7-2d00-7000-8000-000000000001', 'm.sweep', 'm.sweep', 'DONE', $1, 1, 1, 3000, $1, $1, $1)`,
      [ahead],
    );
    await db.query(`UPDATE job_schedules SET next_run_at = $1`, [ahead + 1_000]);
    expect(await hub.runDue()).toBe(1); // due at once: its next run was written by the clock that ran ahead
    const last = (await hub.repo.lastOfSchedules()).get('m.sweep');
    expect(last?.createdAt).toBe(T0);
    expect(await hub.repo.prune(T0 + 7_200_000, T0)).toBe(1);
    const left = await hub.repo.recent({ name: 'm.sweep', limit: 10 });
    expect(left.map((r) => r.createdAt)).toEqual([T0]);
  });

  it('long one-offs filling the slots leave two to the schedules, so a sweep still runs each period', async () => {
    const hub = runner('hub-a', 20);
    const release = gate();
    cleanups.push(() => release.open());
    let exporting = 0;
    let sweeps = 0;
    hub.define({
      name: 'm.export',
      run: async () => {
        exporting++;
        await release.opened;
      },
    });
    hub.define({ name: 'm.sweep', run: async () => void sweeps++ });
    await hub.schedule('m.sweep', { everyMs: 1_000, firstAfterMs: 0 });
    for (let i = 0; i < 10; i++) await hub.enqueue('m.export', { i });
    hub.start();
    expect(await until(() => sweeps === 1 && exporting === 6)).toBe(true);
    for (let period = 2; period <= 4; period++) {
      clock.ms += 1_000;
      expect(await until(() => sweeps === period)).toBe(true);
    }
    expect(exporting).toBe(6); // of the default 8 slots
  });

  it('keeps 500 characters of a progress message, refuses a checkpoint over 64 kB, and lists no payload', async () => {
    const hub = runner('hub-a');
    let refused: unknown;
    hub.define({
      name: 'm.big',
      maxAttempts: 1,
      run: async (job) => {
        await job.progress(1, 2, 'm'.repeat(100_000));
        await job.saveCheckpoint({ at: 1 });
        await job.saveCheckpoint({ blob: 'c'.repeat(100_000) }).catch((err: unknown) => (refused = err));
      },
    });
    const { id } = await hub.enqueue('m.big', { blob: 'p'.repeat(100_000) });
    await hub.runDue();
    expect(String(refused)).toMatch(/checkpoint of 100011 bytes of JSON is over the 65536-byte limit/);
    const run = await hub.get(id);
    expect(run).toMatchObject({ state: 'DONE', progress: { done: 1, total: 2, message: 'm'.repeat(500) } });
    const { rows } = await db.query<{ checkpoint: unknown }>('SELECT checkpoint FROM job_runs WHERE id = $1', [id]);
    expect(rows[0]!.checkpoint).toEqual({ at: 1 });
    const listed = await hub.repo.recent({ limit: 10 });
    expect(JSON.stringify(listed).length).toBeLessThan(2_000);
  });
});
