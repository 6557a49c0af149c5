import { describe, expect, it } from 'vitest';
import { createHub, hubConfigFromEnv } from '../src/index.js';
import { Retention } from '../src/sync/retention.js';
import type { SweepRecord } from '../src/sync/retention-repository.js';
import { retentionSettings } from '../src/sync/retention-settings.js';
import { eventsRetention } from '../src/sync/retention-sync-targets.js';
import type { RetentionTarget } from '../src/kernel/retention-target.js';
import { dbTargets } from './support/db-targets.js';
import { DAY, range, retentionHub } from './support/retention-fixture.js';

describe.each(dbTargets)('retention sweeps: stopped, crashed, concurrent, detached, on $name', (target) => {
  const r = retentionHub(target);
  const settings = retentionSettings({ everyMinutes: 0, batchRows: 7 });
  const sweeper = (targets: readonly RetentionTarget[], replica: string) =>
    new Retention(r.t.hub.db, targets, settings, r.t.hub.retention.now, r.t.hub.log, replica);
  /** Each event of the store is held once: hot or archived, never both, none lost. */
  const heldOnce = async (storeId: string, upTo: number) => {
    const [hot, archived] = [
      await r.seqs('sync_events', 'origin', storeId),
      await r.seqs('sync_events_archive', 'origin', storeId),
    ];
    expect([...hot, ...archived].sort((x, y) => x - y)).toEqual(range(1, upTo));
    return { hot, archived };
  };

  it('a sweep stopped halfway or crashing mid-batch keeps whole batches only, and the next one finishes', async () => {
    await r.at(1000);
    const store = await r.newStore();
    await r.sell(store, 1, 50);
    await r.at(1031);

    // the hub stops after two batches of events: 14 archived, the rest where it was
    const stop = new AbortController();
    let batches = 0;
    const stopped = (await r.t.hub.retention.run('test', {
      signal: stop.signal,
      onBatch: (p) => p.table === 'sync_events' && ++batches === 2 && stop.abort(),
    })) as SweepRecord;
    expect(stopped).toMatchObject({ state: 'stopped', moved: { sync_events: 14 } });
    expect((await heldOnce(store, 50)).archived).toEqual(range(1, 14));

    // power cut inside the second batch of the next sweep: that batch rolls back, its first stays done
    let calls = 0;
    const crashing: RetentionTarget = {
      ...eventsRetention,
      batch: (db, cutoff, limit, now, record, after) =>
        eventsRetention.batch(
          db,
          cutoff,
          limit,
          now,
          async (tx, moved) => {
            await record(tx, moved);
            if (++calls === 2) throw new Error('power cut');
          },
          after,
        ),
    };
    const crashed = (await sweeper([crashing], 'crashy').run('test')) as SweepRecord;
    expect(crashed).toMatchObject({ state: 'failed', error: 'power cut' });
    expect((await heldOnce(store, 50)).archived).toEqual(range(1, 21));

    // a sweep whose process died mid-way is marked interrupted by the next
    await r.t.hub.db.query(
      `INSERT INTO sync_retention_sweeps (replica, trigger, started_at, state) VALUES ('dead-replica', 'schedule', 1, 'running')`,
    );
    const done = (await r.t.hub.retention.run('test')) as SweepRecord;
    expect(done).toMatchObject({ state: 'done', moved: { sync_events: 28 } });
    expect(await heldOnce(store, 50)).toEqual({ hot: [50], archived: range(1, 49) });
    const dead = await r.t.hub.db.query<{ state: string }>(
      `SELECT state FROM sync_retention_sweeps WHERE replica = 'dead-replica'`,
    );
    expect(dead.rows).toEqual([{ state: 'interrupted' }]);
    const totals = await r.t.hub.db.query<{ moved: number }>(
      `SELECT moved FROM sync_retention_totals WHERE tbl = 'sync_events'`,
    );
    expect(Number(totals.rows[0]!.moved)).toBe(49); // 14 + 7 + 28: the rolled-back batch counted nothing
  });

  it('two sweeps at once: one runs, the other says so; batches racing each other archive every event once', async () => {
    // past the lock (a sweep on a hub that lost its lock connection, say): moves race row by row
    await r.at(2000);
    const s1 = await r.newStore();
    await r.sell(s1, 1, 60);
    await r.at(2031);
    const cutoff = r.t.hub.retention.now() - 30 * DAY;
    const none = async () => {};
    let moved = 0;
    for (let round = 0; round < 20; round++) {
      const racing = await Promise.all(
        Array.from({ length: 4 }, () => eventsRetention.batch(r.t.hub.db, cutoff, 7, r.t.hub.retention.now(), none)),
      );
      moved += racing.reduce((sum, b) => sum + b.moved, 0);
    }
    expect(moved).toBe(59);
    expect(await heldOnce(s1, 60)).toEqual({ hot: [60], archived: range(1, 59) });

    // through the lock: one sweep runs, the other (another hub process) is told one is running
    await r.at(2100);
    const s2 = await r.newStore();
    await r.sell(s2, 1, 30);
    await r.at(2131);
    const other = sweeper(r.t.hub.retention.targets, 'other-replica');
    const both = await Promise.all([r.t.hub.retention.run('one'), other.run('two')]);
    expect(both.map((b) => b.state).sort()).toEqual(['already-running', 'done']);
    expect(await heldOnce(s2, 30)).toEqual({ hot: [30], archived: range(1, 29) });
  });

  it('an archive month can be detached and dropped: the hub keeps working and archives that month again', async () => {
    await r.at(3000);
    const reg = await r.t.store(`RET-${target.name}-detach`, r.admin);
    await r.sell(reg.id, 1, 10);
    await r.at(3031);
    await r.t.hub.retention.run('test');
    const status = async () => (await r.t.call('GET', '/api/sync/retention', undefined, { cookie: r.admin })).body;
    const monthOf = async () =>
      (
        await r.t.hub.db.query<{ part: string }>(
          'SELECT DISTINCT tableoid::regclass::text AS part FROM sync_events_archive WHERE origin = $1',
          [reg.id],
        )
      ).rows.map((x) => x.part);
    const [part] = await monthOf();
    const partition = (s: any, name: string) =>
      s.tables
        .find((x: { table: string }) => x.table === 'sync_events')
        .archive.partitions.find((p: { name: string }) => p.name === name);
    expect(partition(await status(), part!)).toMatchObject({ rows: 9, detachable: false });

    await r.at(3200);
    const before = partition(await status(), part!);
    expect(before).toMatchObject({
      detachable: true,
      detach: `ALTER TABLE sync_events_archive DETACH PARTITION ${part};`,
    });
    await r.t.hub.db.exec(before.detach);
    expect(partition(await status(), part!)).toBeUndefined();
    expect(await r.seqs('sync_events_archive', 'origin', reg.id)).toEqual([]);

    // uploads go on; the event kept at the acknowledged seq (that same month) is archived into a new partition
    await r.sell(reg.id, 11, 2);
    const again = (await r.t.hub.retention.run('test')) as SweepRecord;
    expect(again.state).toBe('done');
    expect(await monthOf()).toEqual([`${part}_2`]);
    expect(await r.seqs('sync_events', 'origin', reg.id)).toEqual([11, 12]);
    const token = (await r.t.call('POST', '/api/auth/store-token', { storeId: reg.id, secret: reg.secret })).body.token;
    const history = await r.t.call('GET', '/api/sync/bootstrap/history', undefined, { bearer: token });
    expect(history.body.rows.map((e: { seq: number }) => e.seq)).toEqual([11, 12]);
    await r.t.hub.db.exec(`DROP TABLE ${part}`); // dumped elsewhere
    expect((await status()).tables.length).toBe(4);
  });

  it('runs on demand for an ADMIN, once per Idempotency-Key, and refuses a body it does not know', async () => {
    const run = (key: string, body: unknown = {}) =>
      r.t.call('POST', '/api/sync/retention/run', body, { cookie: r.admin, idempotencyKey: key });
    const first = await run(`retention-${target.name}`);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ state: 'started', sweepId: expect.any(Number) });
    const sweeps = async () => (await r.t.hub.db.query('SELECT id FROM sync_retention_sweeps')).rowCount;
    const count = await sweeps();
    const retry = await run(`retention-${target.name}`);
    expect([retry.status, retry.body, retry.headers.get('idempotent-replayed')]).toEqual([202, first.body, 'true']);
    expect(await sweeps()).toBe(count);
    const bad = await run(`retention-bad-${target.name}`, { tables: ['sync_events'] });
    expect(bad.status).toBe(400);
    const s = (await r.t.call('GET', '/api/sync/retention', undefined, { cookie: r.admin })).body;
    expect(s.settings).toMatchObject({
      feedDays: 7,
      eventsDays: 30,
      orderEventsDays: 400,
      parkedDays: 90,
      batchRows: 7,
    });
    expect(s.tables.map((x: { table: string }) => x.table)).toEqual([
      'sync_parked',
      'sync_feed',
      'sync_events',
      'order_events',
    ]);
    const stopping = sweeper(r.t.hub.retention.targets, 'stopping-replica');
    await stopping.stop();
    await expect(stopping.begin('late')).rejects.toThrow('this hub is stopping');
  });
});

describe('retention settings', () => {
  it('stop the hub at start with a message naming the variable and what it must be', async () => {
    expect(hubConfigFromEnv({}).retention).toEqual({});
    expect(hubConfigFromEnv({ RETENTION_FEED_DAYS: '14', RETENTION_EVERY_MINUTES: '0' }).retention).toEqual({
      feedDays: 14,
      everyMinutes: 0,
    });
    expect(() => hubConfigFromEnv({ RETENTION_EVENTS_DAYS: '3' })).toThrow(
      'RETENTION_EVENTS_DAYS (retention.eventsDays) must be a whole number from 7 to 36500 days (at least 7',
    );
    expect(() => hubConfigFromEnv({ RETENTION_FEED_DAYS: 'seven' })).toThrow(
      'RETENTION_FEED_DAYS must be a whole number; got "seven"',
    );
    expect(() => hubConfigFromEnv({ RETENTION_BATCH_ROWS: '1.5' })).toThrow(
      'RETENTION_BATCH_ROWS must be a whole number',
    );
    await expect(createHub({ dataDir: 'memory', logLevel: 'silent', retention: { batchRows: 0 } })).rejects.toThrow(
      'RETENTION_BATCH_ROWS (retention.batchRows) must be a whole number from 1',
    );
  });
});
