import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../../../db/db.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { TagAnalytics } from '../analytics.js';
import { SearchCounter } from '../analytics-search-counter.js';
import type { TagIndex } from '../index/tag-index.js';
import type { TagIndexStatus } from '../types.js';

/**
 * The search counter and the index's 503, without a hub: a database that fails when told to, so what a failed flush
 * keeps and what the next one writes can be read exactly; an index caught mid-rebuild.
 */
const DAY = 86_400_000;
const log = pino({ level: 'silent' });

/** A database whose transactions record the searches they write (day → tag → count), failing while `down`. */
function fakeDb() {
  const written: { day: number; counts: Record<number, number> }[] = [];
  const state = { down: false, transactions: 0 };
  const tx: Queryable = {
    async query(_text: string, params?: unknown[]) {
      const [ids, day, counts] = params as [number[], number, number[]];
      written.push({ day, counts: Object.fromEntries(ids.map((id, i) => [id, counts[i]!])) });
      return { rows: [], rowCount: ids.length } as never;
    },
  } as unknown as Queryable;
  const db = {
    async transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      state.transactions++;
      if (state.down) throw new Error('connection refused');
      return fn(tx);
    },
  } as unknown as Db;
  return { db, written, state };
}

describe('the search counter', () => {
  it('counts each tag once per search, per day of the search, and writes one row per tag and day', async () => {
    const { db, written } = fakeDb();
    let now = 100 * DAY + 1_000;
    const c = new SearchCounter(db, () => now, log);
    c.count([3, 5, 3]);
    c.count([5]);
    now = 101 * DAY + 5;
    c.count([5]);
    await c.flush();
    expect(written).toEqual([
      { day: 100, counts: { 3: 1, 5: 2 } },
      { day: 101, counts: { 5: 1 } },
    ]);
    expect(c.pending()).toEqual(new Map());
  });

  it('a failed flush keeps its counts, added to those counted meanwhile, for the next flush', async () => {
    const { db, written, state } = fakeDb();
    const c = new SearchCounter(db, () => 7 * DAY, log);
    c.count([1, 2]);
    state.down = true;
    await expect(c.flush()).rejects.toThrow('connection refused');
    expect(c.pending()).toEqual(
      new Map([
        [1, 1],
        [2, 1],
      ]),
    );
    c.count([1]);
    state.down = false;
    await c.flush();
    expect(written).toEqual([{ day: 7, counts: { 1: 2, 2: 1 } }]);
    await c.flush();
    expect(written).toHaveLength(1);
  });

  it('stop writes what is left; ids that are not tag ids are not counted', async () => {
    const { db, written } = fakeDb();
    const c = new SearchCounter(db, () => 9 * DAY, log);
    c.start(60_000);
    c.count([4, 0, -1, 1.5]);
    await c.stop();
    expect(written).toEqual([{ day: 9, counts: { 4: 1 } }]);
  });

  it('the periodic flush writes without being asked', async () => {
    const { db, written } = fakeDb();
    const c = new SearchCounter(db, () => 9 * DAY, log);
    c.start(20);
    c.count([8]);
    const deadline = Date.now() + 20_000;
    while (written.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    await c.stop();
    expect(written).toEqual([{ day: 9, counts: { 8: 1 } }]);
  });
});

describe('the search counter, once per caller a day', () => {
  it('counts a caller searching a tag again the same UTC day once, another caller and the next day again', async () => {
    const { db, written } = fakeDb();
    let now = 30 * DAY + 10;
    const c = new SearchCounter(db, () => now, log);
    c.count([1, 2], 'user:ann');
    c.count([1], 'user:ann'); // again today: not counted
    c.count([2, 3], 'user:ann'); // 2 again, 3 new
    c.count([1], 'store:north');
    c.count([1], undefined); // no caller: always counted
    c.count([1], undefined);
    now = 31 * DAY + 1; // a new UTC day: the day's set starts empty
    c.count([1], 'user:ann');
    c.count([1], 'user:ann');
    await c.flush();
    expect(written).toEqual([
      { day: 30, counts: { 1: 4, 2: 1, 3: 1 } },
      { day: 31, counts: { 1: 1 } },
    ]);
  });

  it('past its cap of remembered pairs it counts each search, says so once, and starts again the next day', async () => {
    const { db, written } = fakeDb();
    const warned: string[] = [];
    const spy = { ...log, warn: (_o: unknown, m: string) => void warned.push(m) } as unknown as typeof log;
    let now = 40 * DAY;
    const c = new SearchCounter(db, () => now, spy, 2);
    c.count([1, 2], 'user:ann'); // two pairs remembered: the cap
    c.count([1, 2], 'user:ann'); // remembered: not counted
    c.count([3], 'user:ann'); // past the cap: counted, not remembered
    c.count([3], 'user:ann'); // so counted again
    c.count([4], 'user:bob');
    expect(warned).toEqual(["tags: over 2 callers' tags searched today; further searches count each"]);
    now = 41 * DAY;
    c.count([3], 'user:ann');
    c.count([3], 'user:ann'); // the new day remembers again
    await c.flush();
    expect(written).toEqual([
      { day: 40, counts: { 1: 1, 2: 1, 3: 2, 4: 1 } },
      { day: 41, counts: { 3: 1 } },
    ]);
    expect(warned).toHaveLength(1);
  });
});

describe('figures that need the index while it rebuilds', () => {
  const rebuilding: TagIndexStatus = {
    state: 'REBUILDING',
    rebuilding: true,
    rebuilt: { done: 2_150_000, total: 5_000_000 },
    replica: 'hub-a-1234',
    version: 0,
    products: 0,
    tags: 0,
    memoryBytes: 0,
    lastRebuildMs: null,
    lastError: null,
  };
  const ctx = { db: fakeDb().db, now: () => 0, log } as unknown as HubContext;
  const index = { status: () => rebuilding } as unknown as TagIndex;

  it('answer 503 saying how far the rebuild has come, with a wait in seconds', async () => {
    const a = new TagAnalytics(ctx, index);
    for (const figure of [() => a.mostUsed(20), () => a.unused(20), () => a.coOccurrence(1, 20, false)]) {
      const err = await figure().then(
        () => undefined,
        (e: unknown) => e as { status: number; message: string; extra: Record<string, unknown> },
      );
      expect(err?.status).toBe(503);
      expect(err?.message).toBe(
        'the tag index is rebuilding: 43 % (2,150,000 of 5,000,000 products); try again in a few seconds',
      );
      expect(err?.extra.retryAfterSeconds).toBe(5);
    }
  });

  it('a failed index says so and how to rebuild it', async () => {
    const failed = { status: () => ({ ...rebuilding, state: 'FAILED', lastError: 'out of memory' }) };
    const a = new TagAnalytics(ctx, failed as unknown as TagIndex);
    await expect(a.mostUsed(1)).rejects.toThrow(
      'the tag index failed to build (out of memory); an ADMIN can rebuild it with POST /api/tags/index/rebuild',
    );
  });
});
