import { afterEach, describe, expect, it, vi } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { LIMITS } from '@storefleet/shared';
import { WAL_SIZE_LIMIT_BYTES } from '../../src/db/open-sqlite.js';
import { openShiftStore, runShift, seedCatalog, SimClock, type StoreNetwork } from '../support/offline-shift.js';
import { diskUse, hubHolding, storeOnHand } from '../support/shift-measures.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

/** Outbox events the shift makes (the bench makes 100,000: `npm run bench -- offline-shift`). */
const EVENTS = Number(process.env.OFFLINE_SHIFT_EVENTS || 5_000);
if (!Number.isInteger(EVENTS) || EVENTS < 1)
  throw new Error(`OFFLINE_SHIFT_EVENTS must be a whole number above 0, not ${process.env.OFFLINE_SHIFT_EVENTS}`);
const DAY = 86_400_000;
/**
 * The disk bounds. A store PC gives the store file a few GB, and a 72-hour shift must not take more than a small part
 * of it. Measured: an event waiting in the outbox takes ~300 B (a sale.completed with its lines ~600 B, a stock.moved
 * ~140 B), and file + WAL after the shift ~500 B per event at 100,000 events. Bounds: an event waiting in the outbox at
 * most 512 B; file + WAL at most 1 KiB per event made (100 MiB for 100,000) plus the WAL's limit and 2 MiB of schema
 * and catalog; once the hub holds everything and retention has passed, the file keeps nothing of the shift but its
 * sales records (plus those 2 MiB and the WAL).
 */
const OUTBOX_BYTES_PER_EVENT = 512;
const BYTES_PER_EVENT = 1024;
const BASE_BYTES = 2 * 1024 * 1024;

/**
 * One store node works offline for a simulated 72 hours (the store's and the hub's clock move with the events, the
 * node's hourly housekeeping runs as the clock passes each hour, acknowledged events are kept 1 day) and makes
 * EVENTS `stock.moved` events through the till and the handheld API; then its network comes back.
 */
describe.each(dbTargets)('a 72-hour offline shift on $name', (target) => {
  let f: SyncFixture | undefined;
  let network: StoreNetwork | undefined;
  afterEach(async () => {
    await network?.down();
    await f?.stop();
    f = network = undefined;
  });

  it(
    'converges exactly when the store reconnects, and its file gives the pruned backlog back to the disk',
    async () => {
      const clock = new SimClock();
      f = await SyncFixture.start(target, { now: clock.now });
      const skus = await seedCatalog(f, 300);
      const store = await openShiftStore(f, 'SHIFT', clock, skus, { outboxRetentionDays: 1 });
      ({ network } = store);
      const { node, storeId, dbPath } = store;
      const api = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(node.url + path, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return (await res.json()) as any;
      };
      const stockMoves = () =>
        node.db.prepare("SELECT count(*) FROM sync_outbox WHERE type = 'stock.moved'").pluck().get() as number;
      const morning = node.sync.outbox.head();
      const morningMoves = stockMoves();

      await network.down();
      const reads = vi.spyOn(node.sync.storage, 'readBatch');
      const shift = await runShift(node, clock, { events: EVENTS, hours: 72, skus, lanes: 4, seed: 14 });
      expect(shift.housekeeping).toBe(72);
      const head = morning + shift.events;
      // What the store says while away; housekeeping pruned only what the hub holds (the morning, past a day).
      expect(await api('GET', '/api/sync/status')).toMatchObject({
        phase: 'offline',
        ackedSeq: morning,
        outboxHead: head,
        pendingUp: shift.events,
      });
      expect(await api('GET', '/healthz')).toMatchObject({ status: 'ok', online: false });
      const away = diskUse(node, dbPath);
      expect(away.outboxRows).toBe(shift.events);
      expect(away.outboxBytes).toBeLessThanOrEqual(OUTBOX_BYTES_PER_EVENT * shift.events);
      expect(away.fileBytes + away.walBytes).toBeLessThanOrEqual(
        BYTES_PER_EVENT * head + WAL_SIZE_LIMIT_BYTES + BASE_BYTES,
      );
      const expected = storeOnHand(node);
      const moves = morningMoves + stockMoves(); // the morning's rows were pruned during the shift

      await network.up();
      await waitFor(
        'the hub to hold every event',
        async () => (await hubHolding(f!.hub, storeId)).events.count === head && node.sync.status().pendingUp === 0,
        Math.max(60_000, EVENTS * 6),
      );
      expect(await hubHolding(f.hub, storeId)).toEqual({
        onHand: expected,
        events: { count: head, minSeq: 1, maxSeq: head },
        ackedSeq: head,
        movements: { count: moves, distinctSeqs: moves },
        parked: 0,
      });
      expect(storeOnHand(node)).toEqual(expected);
      expect(await api('GET', '/api/sync/status')).toMatchObject({
        phase: 'syncing',
        ackedSeq: head,
        outboxHead: head,
        pendingUp: 0,
        lastError: null,
        parkedFeed: 0,
      });
      expect(await api('GET', '/healthz')).toMatchObject({
        status: 'ok',
        online: true,
        hub: { state: 'connected', error: null },
      });
      // The upload read the backlog a batch at a time, never all of it at once.
      const batches = reads.mock.results.map((r) => (r.value as unknown[]).length).filter((n) => n > 0);
      expect(Math.max(...batches)).toBeLessThanOrEqual(LIMITS.maxBatchEvents);
      expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(shift.events / LIMITS.maxBatchEvents));

      // Retention passes with everything acknowledged: the next hourly run prunes the backlog and the file shrinks.
      clock.advance(DAY + 3_600_000);
      await node.housekeeping();
      await api('POST', '/api/stock/movements', { sku: skus[0], delta: 5, kind: 'RECEIVE' }); // the next write after it
      const pruned = diskUse(node, dbPath);
      expect(pruned.outboxRows).toBe(1);
      expect(pruned.fileBytes).toBeLessThanOrEqual(away.fileBytes - 0.8 * away.outboxBytes);
      expect(pruned.walBytes).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
      expect(pruned.fileBytes - pruned.salesBytes).toBeLessThanOrEqual(BASE_BYTES);
    },
    Math.max(120_000, EVENTS * 15),
  );
});
