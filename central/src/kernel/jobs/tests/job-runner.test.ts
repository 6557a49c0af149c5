import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { Db } from '../../../db/db.js';
import { openDb } from '../../../db/open-db.js';
import { loadMigrations } from '../../../migrations/load-migrations.js';
import { migrate } from '../../../migrations/migrate.js';
import { JobRunner } from '../job-runner.js';
import type { JobHandle } from '../types.js';

const coreSchema = new URL('../../../core/schema/', import.meta.url);
const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 2, 1, 9, 0);

/** A promise and the function that settles it: a job's gate the test opens. */
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

describe.each(dbTargets)('the job runner on $name', (target) => {
  let db: Db;
  let drop: () => Promise<void>;
  const clock = { ms: T0 };
  const runners: JobRunner[] = [];
  const runner = (owner: string, pollMs = 1_000, random = () => 0.5) => {
    const r = new JobRunner({ db, now: () => clock.ms, log, owner, pollMs, random });
    runners.push(r);
    return r;
  };

  beforeEach(async () => {
    clock.ms = T0;
    const opened = await target.open();
    drop = opened.drop;
    db = await openDb(opened);
    await migrate(db, loadMigrations([{ module: 'core', dir: coreSchema }]), { log });
  });
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.stop({ graceMs: 0 });
    await db.close();
    await drop();
  });

  it('two runners on one database run a scheduled job once per period', async () => {
    const ranBy: string[] = [];
    const [hubA, hubB] = [runner('hub-a'), runner('hub-b')];
    for (const [name, r] of [
      ['hub-a', hubA],
      ['hub-b', hubB],
    ] as const) {
      r.define({ name: 'm.sweep', run: async () => void ranBy.push(name) });
      await r.schedule('m.sweep', { everyMs: 1_000, firstAfterMs: 0 });
    }
    for (let period = 0; period < 4; period++) {
      // both look twice within the period, at the same moment
      await Promise.all([hubA.runDue(), hubB.runDue()]);
      await Promise.all([hubA.runDue(), hubB.runDue()]);
      expect(ranBy).toHaveLength(period + 1);
      clock.ms += 1_000;
    }
    const runs = await hubA.repo.recent({ name: 'm.sweep', limit: 10 });
    expect(runs.map((r) => r.state)).toEqual(['DONE', 'DONE', 'DONE', 'DONE']);
    expect((await hubA.repo.schedules())[0]).toMatchObject({ name: 'm.sweep', nextRunAt: T0 + 4_000 });
  });

  it('each period is drawn within its jitter: ±20 % of 1 s puts the next run 0.8 s to 1.2 s away', async () => {
    const nextAfterOneRun = async (owner: string, dice: number) => {
      const hub = runner(owner, 1_000, () => dice);
      const name = `m.${owner}`;
      hub.define({ name, run: async () => undefined });
      await hub.schedule(name, { everyMs: 1_000, jitter: 0.2, firstAfterMs: 0 });
      expect(await hub.runDue()).toBe(1);
      const [s] = await hub.repo.schedules([name]);
      return s!.nextRunAt - clock.ms;
    };
    expect(await nextAfterOneRun('low', 0)).toBe(800);
    expect(await nextAfterOneRun('high', 0.999_999)).toBe(1_200);
    expect(await nextAfterOneRun('mid', 0.5)).toBe(1_000);
  });

  it("a clock that steps back does not stop a schedule, nor hold a dead process's run until it catches up", async () => {
    const [hubA, hubB] = [runner('hub-a'), runner('hub-b')];
    let sweeps = 0;
    const hung = gate();
    for (const r of [hubA, hubB]) r.define({ name: 'm.sweep', run: async () => void sweeps++ });
    const reached = gate();
    hubA.define({
      name: 'm.report',
      leaseMs: 30_000,
      run: async () => {
        reached.open();
        await hung.opened;
      },
    });
    hubB.define({ name: 'm.report', leaseMs: 30_000, run: async () => undefined });
    await hubA.schedule('m.sweep', { everyMs: 1_000, firstAfterMs: 0 });
    await hubB.schedule('m.sweep', { everyMs: 1_000, firstAfterMs: 0 });
    expect(await hubA.runDue()).toBe(1);

    // the clock runs 15 minutes ahead for a moment: a sweep and a report start then, and hub-a dies in the report
    clock.ms += 15 * 60_000;
    const { id } = await hubA.enqueue('m.report');
    const aRun = hubA.runDue();
    await reached.opened;
    // the sweep has ended and hub-a has recorded it (on Postgres its write may still be on the wire): then it dies
    while ((await hubA.repo.recent({ name: 'm.sweep', state: 'RUNNING', limit: 1 })).length)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await hubA.stop({ graceMs: 0 });
    expect(sweeps).toBe(2);

    // back to the right time, a second after the first sweep: the next sweep is due within a period, not 15 minutes
    clock.ms = T0 + 1_000;
    expect(await hubB.runDue()).toBe(2); // the sweep, and the report whose lease stood 15 minutes ahead
    expect(sweeps).toBe(3);
    expect(await hubB.get(id)).toMatchObject({ state: 'DONE', attempts: 2 });
    for (let s = 0; s < 3; s++) {
      clock.ms += 1_000;
      await hubB.runDue();
    }
    expect(sweeps).toBe(6);
    hung.open();
    await aRun;
  });

  it('a process that dies inside a 1 s sweep holds it up for a few periods, and its run says what happened', async () => {
    const [hubA, hubB] = [runner('hub-a'), runner('hub-b')];
    const hung = gate();
    const reached = gate();
    const ranAt: number[] = [];
    hubA.define({
      name: 'm.sweep',
      run: async () => {
        reached.open();
        await hung.opened;
      },
    });
    hubB.define({ name: 'm.sweep', run: async () => void ranAt.push(clock.ms) });
    await hubA.schedule('m.sweep', { everyMs: 1_000, firstAfterMs: 0 });
    await hubB.schedule('m.sweep', { everyMs: 1_000, firstAfterMs: 0 });
    const aRun = hubA.runDue();
    await reached.opened;
    await hubA.stop({ graceMs: 0 }); // hub-a is gone mid-sweep: nothing renews its lease
    const [dead] = await hubB.repo.recent({ name: 'm.sweep', limit: 1 });

    for (let s = 1; s <= 10; s++) {
      clock.ms += 1_000;
      await hubB.runDue();
    }
    expect(ranAt.length).toBeGreaterThanOrEqual(6); // each period from the 4th on
    expect(ranAt[0]).toBeLessThanOrEqual(T0 + 4_000);
    expect(await hubB.get(dead!.id)).toMatchObject({
      state: 'FAILED',
      attempts: 1,
      lastError: 'the process running it stopped renewing its lease (it died or hung); the next period ran instead',
    });
    hung.open();
    await aRun;
  });

  it('a one-off whose process dies on its only attempt is FAILED saying so, not blaming the job', async () => {
    const [hubA, hubB] = [runner('hub-a'), runner('hub-b')];
    const hung = gate();
    const reached = gate();
    hubA.define({
      name: 'm.export',
      maxAttempts: 1,
      leaseMs: 30_000,
      run: async () => {
        reached.open();
        await hung.opened;
      },
    });
    hubB.define({ name: 'm.export', maxAttempts: 1, leaseMs: 30_000, run: async () => undefined });
    const { id } = await hubA.enqueue('m.export');
    const aRun = hubA.runDue();
    await reached.opened;
    await hubA.stop({ graceMs: 0 });
    clock.ms += 30_001;
    await hubB.runDue();
    expect(await hubB.get(id)).toMatchObject({
      state: 'FAILED',
      lastError: 'the process running it died or hung before it finished (its one attempt)',
    });
    hung.open();
    await aRun;
  });

  it('a job that throws is retried after a backoff, then FAILED with its message', async () => {
    const hub = runner('hub-a');
    let tries = 0;
    hub.define({
      name: 'm.print',
      maxAttempts: 3,
      backoffMs: 1_000,
      run: async () => {
        tries++;
        throw new Error('printer PR-7 is on fire');
      },
    });
    const { id } = await hub.enqueue('m.print', { labels: 40 });
    await hub.runDue();
    expect(await hub.get(id)).toMatchObject({ state: 'QUEUED', attempts: 1, lastError: 'printer PR-7 is on fire' });
    await hub.runDue(); // still backing off
    expect(tries).toBe(1);
    clock.ms += 1_000;
    await hub.runDue();
    expect(await hub.get(id)).toMatchObject({ state: 'QUEUED', attempts: 2, runAt: clock.ms + 2_000 });
    clock.ms += 2_000;
    await hub.runDue();
    expect(await hub.get(id)).toMatchObject({
      state: 'FAILED',
      attempts: 3,
      lastError: 'printer PR-7 is on fire',
      finishedAt: clock.ms,
    });
    clock.ms += 3_600_000;
    await hub.runDue();
    expect(tries).toBe(3);
  });

  it('a process that dies mid-job is resumed by another from its checkpoint, and the dead one cannot record', async () => {
    const tagged: string[] = [];
    const hung = gate();
    const reached = gate();
    /** Tags items 0..9, saving its place after each; on hub-a it hangs at item 4 (a process that stops answering). */
    const tagAll = (who: string) => async (job: JobHandle<{ items: number }>) => {
      const from = (job.checkpoint as { next: number } | null)?.next ?? 0;
      for (let i = from; i < job.payload.items; i++) {
        if (who === 'hub-a' && i === 4) {
          reached.open();
          await hung.opened;
        }
        tagged.push(`${who}:${i}`);
        await job.saveCheckpoint({ next: i + 1 });
        await job.progress(i + 1, job.payload.items, `tagged ${i + 1} of ${job.payload.items} products`);
      }
    };
    const [hubA, hubB] = [runner('hub-a'), runner('hub-b')];
    hubA.define({ name: 'm.tag', leaseMs: 30_000, run: tagAll('hub-a') });
    hubB.define({ name: 'm.tag', leaseMs: 30_000, run: tagAll('hub-b') });
    const { id } = await hubA.enqueue('m.tag', { items: 10 });

    const aRun = hubA.runDue();
    await reached.opened;
    await hubA.stop({ graceMs: 0 }); // hub-a goes away without its job finishing: nothing renews the lease
    expect(await hubB.runDue()).toBe(0); // the lease still holds
    clock.ms += 30_001;
    expect(await hubB.runDue()).toBe(1);
    const run = await hubB.get(id);
    expect(run).toMatchObject({ state: 'DONE', attempts: 2, progress: { done: 10, total: 10 } });
    expect(tagged).toEqual([
      'hub-a:0',
      'hub-a:1',
      'hub-a:2',
      'hub-a:3',
      ...[4, 5, 6, 7, 8, 9].map((i) => `hub-b:${i}`),
    ]);

    // hub-a wakes up: its next write is refused (LeaseLostError) and its outcome dropped
    hung.open();
    await aRun;
    expect(tagged).toContain('hub-a:4'); // it did item 4 again, then its checkpoint was refused
    expect(tagged).not.toContain('hub-a:5');
    expect(await hubB.get(id)).toEqual(run);
  });

  it('enqueueing twice with one idempotency key makes one run', async () => {
    const hub = runner('hub-a');
    let runs = 0;
    hub.define({ name: 'm.rewrap', run: async () => void runs++ });
    const first = await hub.enqueue('m.rewrap', { keyId: 'k1' }, { idempotencyKey: 'rewrap-k1' });
    const again = await hub.enqueue('m.rewrap', { keyId: 'k1' }, { idempotencyKey: 'rewrap-k1' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    await hub.runDue();
    await hub.enqueue('m.rewrap', { keyId: 'k1' }, { idempotencyKey: 'rewrap-k1' }); // after it ran, too
    await hub.runDue();
    expect(runs).toBe(1);
    expect(await hub.repo.recent({ name: 'm.rewrap', limit: 10 })).toHaveLength(1);
  });

  it('stop() asks a running job to yield, waits for it, queues it again, and looks at the queue no more', async () => {
    const hub = runner('hub-a', 20);
    const started = gate();
    let calls = 0;
    hub.define<{ n: number }>({
      name: 'm.train',
      run: async (job) => {
        calls++;
        await job.saveCheckpoint({ epoch: 3 });
        started.open();
        await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    });
    const { id } = await hub.enqueue('m.train', { n: 1 });
    hub.start();
    await started.opened;
    await hub.stop();
    expect(hub.running).toEqual([]);
    expect(await hub.get(id)).toMatchObject({ state: 'QUEUED', attempts: 0, leaseOwner: null });
    const { rows } = await db.query<{ checkpoint: unknown }>('SELECT checkpoint FROM job_runs WHERE id = $1', [id]);
    expect(rows[0]!.checkpoint).toEqual({ epoch: 3 });

    // queued work after the stop is left alone: no timer of the runner is left to find it
    const other = runner('hub-b');
    other.define({ name: 'm.train', run: async () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 200)); // ten of the stopped runner's polls
    expect(calls).toBe(1);
    expect(await hub.get(id)).toMatchObject({ state: 'QUEUED' });
    // another process resumes it
    expect(await other.runDue()).toBe(1);
    expect(await other.get(id)).toMatchObject({ state: 'DONE', attempts: 1 });
  });

  it('refuses names outside the owner and a schedule of an undefined job', async () => {
    const jobs = runner('hub-a').forOwner('inventory');
    expect(() => jobs.define({ name: 'orders.sweep', run: async () => undefined })).toThrow(
      "job orders.sweep: inventory's jobs are named 'inventory.<job>'",
    );
    await expect(jobs.schedule('inventory.sweep', { everyMs: 1_000 })).rejects.toThrow(
      'job inventory.sweep is not defined',
    );
  });
});
