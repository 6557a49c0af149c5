import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcEncode, type WireEvent } from '@storefleet/shared';
import { EventHandlerRegistry } from '../src/kernel/event-handlers.js';
import { SyncRepository } from '../src/sync/sync-repository.js';
import { historySource } from '../src/sync/bootstrap.js';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

/**
 * The hub's guard against a store file restored from a backup: events it already holds from a store (same HLC, type
 * and payload) that come back under other seqs are acknowledged and kept as repeats, never applied a second time.
 */
describe.each(dbTargets)('an event resent under another seq applies once, on $name', (target) => {
  let t: TestHub;
  let repo: SyncRepository;
  const warnings: { fields: object; message: string }[] = [];

  beforeAll(async () => {
    t = await TestHub.start(target);
    await t.hub.db.exec(
      'CREATE TABLE tally (origin uuid NOT NULL, seq bigint NOT NULL, n int NOT NULL, PRIMARY KEY (origin, seq))',
    );
    const handlers = new EventHandlerRegistry();
    handlers.register('tally', 'tally.counted', async (tx, events) => {
      await tx.query(
        'INSERT INTO tally (origin, seq, n) SELECT $1, s, c FROM unnest($2::bigint[], $3::int[]) AS x(s, c)',
        [events[0]!.origin, events.map((e) => e.seq), events.map((e) => (e.payload as { n: number }).n)],
      );
    });
    handlers.register('tally', 'tally.broken', async () => {
      throw new Error('the tally module cannot apply this yet');
    });
    repo = new SyncRepository(
      t.hub.db,
      handlers,
      Date.now,
      {},
      { warn: (fields, message) => warnings.push({ fields, message }) },
    );
  });
  afterAll(() => t?.stop());

  // sync_events has no foreign key to the fleet: any store id will do.
  const newStore = async () => randomUUID();
  const stamp = (storeId: string, i: number) => hlcEncode({ wallMs: 1_700_000_000_000 + i, counter: 0, node: storeId });
  const event = (storeId: string, seq: number, hlc: string, n: number, type = 'tally.counted'): WireEvent => ({
    origin: storeId,
    seq,
    hlc,
    type,
    payload: { n },
  });
  /** `count` events stamped from `first`, numbered from `seq`. */
  const counted = (storeId: string, seq: number, first: number, count: number) =>
    Array.from({ length: count }, (_, i) => event(storeId, seq + i, stamp(storeId, first + i), first + i));
  const tallied = async (storeId: string) =>
    (
      await t.hub.db.query<{ seq: number; n: number }>('SELECT seq, n FROM tally WHERE origin = $1 ORDER BY seq', [
        storeId,
      ])
    ).rows;
  const held = async (storeId: string) =>
    (
      await t.hub.db.query<{ seq: number; repeat_of: number | null; payload: unknown }>(
        'SELECT seq, repeat_of, payload FROM sync_events WHERE origin = $1 ORDER BY seq',
        [storeId],
      )
    ).rows;

  it('finds repeats of events retention has moved to the archive', async () => {
    const store = await newStore();
    await repo.applyBatch(store, counted(store, 1, 1, 15), 0);
    const now = Date.now();
    await t.hub.db.exec(
      `CREATE TABLE IF NOT EXISTS sync_events_archive_identity_test PARTITION OF sync_events_archive FOR VALUES FROM (${now - 86_400_000}) TO (${now + 86_400_000})`,
    );
    await t.hub.db.query(
      `WITH moved AS (DELETE FROM sync_events WHERE origin = $1 AND seq <= 10 RETURNING *)
       INSERT INTO sync_events_archive SELECT moved.*, $2 FROM moved`,
      [store, now],
    );
    // A backup older than the archive age comes back: its events 6–15 resent as 16–25.
    expect(await repo.applyBatch(store, counted(store, 16, 6, 10), 0)).toEqual({ ackedSeq: 25 });
    expect((await tallied(store)).length).toBe(15);
    expect((await held(store)).filter((r) => r.repeat_of !== null).map((r) => r.repeat_of)).toEqual([
      6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);
  });

  it('acknowledges events resent under new seqs without applying them again, and says so', async () => {
    const store = await newStore();
    await repo.applyBatch(store, counted(store, 1, 1, 15), 0);
    const before = { ...repo.stats };
    warnings.length = 0;

    // The restored file renumbered its 10 unsent events (stamps 6–15 the hub holds at seqs 6–15) to 16–25.
    expect(await repo.applyBatch(store, counted(store, 16, 6, 10), 0)).toEqual({ ackedSeq: 25 });

    expect((await tallied(store)).length).toBe(15);
    const rows = await held(store);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(rows.slice(15).map((r) => [r.seq, r.repeat_of, r.payload])).toEqual(
      Array.from({ length: 10 }, (_, i) => [16 + i, 6 + i, null]),
    );
    expect(repo.stats.repeats - before.repeats).toBe(10);
    expect(repo.stats.applied - before.applied).toBe(0);
    expect(warnings).toEqual([
      {
        fields: { storeId: store, repeats: 10, ackedSeq: 25 },
        message:
          '10 events this store had already sent under other numbers (a restored store file) were acknowledged without applying them',
      },
    ]);
    // A store bootstrapping its history gets each event once: the repeats (no payload) are not handed out.
    const history = historySource(Date.now);
    expect(await history.count(t.hub.db, store)).toBe(15);
    const page = (await history.page(t.hub.db, store, null, 100)).rows as { seq: number }[];
    expect(page.map((r) => r.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  it('applies an event with a held HLC but other content: it is not a repeat', async () => {
    const store = await newStore();
    await repo.applyBatch(store, counted(store, 1, 1, 2), 0);
    const sameStampOtherPayload = event(store, 3, stamp(store, 1), 99);
    const sameStampOtherType = { ...event(store, 4, stamp(store, 2), 2), type: 'tally.other' };
    await repo.applyBatch(store, [sameStampOtherPayload, sameStampOtherType], 0);

    expect(await tallied(store)).toEqual([
      { seq: 1, n: 1 },
      { seq: 2, n: 2 },
      { seq: 3, n: 99 },
    ]);
    // No module handles tally.other: it is parked like any unknown type, not taken for a repeat.
    const parked = await t.hub.db.query<{ seq: number }>('SELECT seq FROM sync_parked WHERE origin = $1', [store]);
    expect(parked.rows).toEqual([{ seq: 4 }]);
    expect((await held(store)).map((r) => r.repeat_of)).toEqual([null, null, null, null]);
  });

  it('applies only what the hub lacks in a batch that mixes repeats and new events', async () => {
    const store = await newStore();
    await repo.applyBatch(store, counted(store, 1, 1, 5), 0);
    // Stamps 4 and 5 again (renumbered to 6 and 7), then three sales made after the restore.
    await repo.applyBatch(store, [...counted(store, 6, 4, 2), ...counted(store, 8, 100, 3)], 0);

    expect((await tallied(store)).map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 100, 101, 102]);
    expect((await held(store)).map((r) => r.repeat_of)).toEqual([null, null, null, null, null, 4, 5, null, null, null]);
  });

  it('does not apply a repeat of a parked event, even once its sync_events row is gone', async () => {
    const store = await newStore();
    await repo.applyBatch(
      store,
      [event(store, 1, stamp(store, 1), 1, 'tally.broken'), event(store, 2, stamp(store, 2), 2, 'tally.broken')],
      0,
    );
    // Retention may archive sync_events rows; the parked row alone still says the hub holds the event.
    await t.hub.db.query('DELETE FROM sync_events WHERE origin = $1 AND seq = 2', [store]);
    await repo.applyBatch(
      store,
      [event(store, 3, stamp(store, 1), 1, 'tally.broken'), event(store, 4, stamp(store, 2), 2, 'tally.broken')],
      0,
    );

    const parked = await t.hub.db.query<{ seq: number }>('SELECT seq FROM sync_parked WHERE origin = $1 ORDER BY seq', [
      store,
    ]);
    expect(parked.rows.map((r) => r.seq)).toEqual([1, 2]);
    expect((await held(store)).map((r) => [r.seq, r.repeat_of])).toEqual([
      [1, null],
      [3, 1],
      [4, 2],
    ]);
  });

  it('finds repeats of events held before the hub was upgraded: an origin with no newest-HLC mark is looked up', async () => {
    const store = await newStore();
    await repo.applyBatch(store, counted(store, 1, 1, 5), 0);
    await t.hub.db.query('UPDATE sync_origins SET newest_hlc = NULL WHERE store_id = $1', [store]); // as migration 010 leaves it
    const mark = async () =>
      (
        await t.hub.db.query<{ newest_hlc: string | null }>('SELECT newest_hlc FROM sync_origins WHERE store_id = $1', [
          store,
        ])
      ).rows[0]!.newest_hlc;

    // A restored file resends stamps 2–3 as seqs 6–7, then 4–5 as 8–9: the mark stays unknown while it resends…
    await repo.applyBatch(store, counted(store, 6, 2, 2), 0);
    await repo.applyBatch(store, counted(store, 8, 4, 2), 0);
    // …and its first batch with no repeat sets it.
    await repo.applyBatch(store, counted(store, 10, 100, 2), 0);

    expect((await tallied(store)).map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 100, 101]);
    expect((await held(store)).map((r) => r.repeat_of)).toEqual([null, null, null, null, null, 2, 3, 4, 5, null, null]);
    expect(await mark()).toBe(stamp(store, 101));
  });

  it('points a second restore of the same backup at the original, not at the first repeat', async () => {
    const store = await newStore();
    await repo.applyBatch(store, counted(store, 1, 1, 3), 0);
    await repo.applyBatch(store, counted(store, 4, 1, 3), 0);
    await repo.applyBatch(store, counted(store, 7, 1, 3), 0);

    expect((await tallied(store)).length).toBe(3);
    expect((await held(store)).map((r) => r.repeat_of)).toEqual([null, null, null, 1, 2, 3, 1, 2, 3]);
  });
});
