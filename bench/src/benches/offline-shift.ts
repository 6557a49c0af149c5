import { rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  openShiftStore,
  runShift,
  seedCatalog,
  SimClock,
  type ShiftPlan,
  type ShiftStore,
} from '../../../store-node/tests/support/offline-shift.js';
import { diskUse, hubHolding, storeOnHand } from '../../../store-node/tests/support/shift-measures.js';
import { SyncFixture, waitFor } from '../../../store-node/tests/support/sync-fixture.js';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets } from '../support/bench-db.js';
import { check } from '../support/check.js';
import { watchLoop } from '../support/loop-stall.js';

/**
 * Events each store makes: the offline store and the anchor, online all along, make the same shift (mix and seed).
 * 8,000 by default keeps the run near a minute and a half (20,000 took 165 s at load ~9, the online anchor the slow
 * half, ~40 s of it setup); OFFLINE_SHIFT_EVENTS raises it.
 */
const EVENTS = Number(process.env.OFFLINE_SHIFT_EVENTS ?? 8_000);
const SKUS = 2_000;
const DAY = 86_400_000;
const MB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * The most live JS heap (measured after a full collection, every 2 s) above where it stood when sampling began, in MiB:
 * what is held, not garbage waiting for the collector. The hub runs in this process too, so both ends count.
 */
function liveHeapPeak(): { stop(): number } {
  const live = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const base = live();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, live())), 2000);
  return {
    stop() {
      clearInterval(timer);
      return (Math.max(peak, live()) - base) / MB;
    },
  };
}

async function untilHubHolds(f: SyncFixture, s: ShiftStore): Promise<void> {
  const head = s.node.sync.outbox.head();
  await waitFor(
    `the hub to hold store ${s.storeId}'s ${head} events`,
    async () => s.node.sync.status().pendingUp === 0 && (await hubHolding(f.hub, s.storeId)).events.count === head,
    900_000,
  );
}

/**
 * The anchor: a store online the whole time, making the same shift (same events, mix and seed) while it uploads.
 * Measured: how fast it makes events, how long from its first event until the hub holds them all (and how long of that
 * came after its last), and its heap's peak meanwhile.
 */
async function onlineShift(f: SyncFixture, clock: SimClock, plan: ShiftPlan) {
  const online = await openShiftStore(f, 'ONLINE', clock, plan.skus);
  const heap = liveHeapPeak();
  const shift = await runShift(online.node, clock, plan);
  const lastEvent = performance.now();
  await untilHubHolds(f, online);
  const lagS = (performance.now() - lastEvent) / 1000;
  const heapMb = heap.stop();
  await online.node.stop();
  await online.network.down();
  return {
    events: shift.events,
    perS: shift.events / (shift.ms / 1000),
    lagS,
    shiftToHubS: shift.ms / 1000 + lagS,
    heapMb,
  };
}

/** A store offline for the 72 hours, then back: the shift, the catch-up, the check, and pruning once retention passed. */
async function offlineShift(f: SyncFixture, clock: SimClock, plan: ShiftPlan) {
  const s = await openShiftStore(f, 'OFFLINE', clock, plan.skus);
  await s.network.down();
  const shift = await runShift(s.node, clock, plan);
  const away = diskUse(s.node, s.dbPath);
  const expected = storeOnHand(s.node);
  const head = s.node.sync.outbox.head();
  const heap = liveHeapPeak();
  const back = performance.now();
  await s.network.up();
  await untilHubHolds(f, s);
  const convergeS = (performance.now() - back) / 1000;
  const heapMb = heap.stop();
  const held = await hubHolding(f.hub, s.storeId);
  const skusOff = new Set(
    [...Object.keys(expected), ...Object.keys(held.onHand)].filter((sku) => expected[sku] !== held.onHand[sku]),
  ).size;
  const eventsOff =
    Math.abs(held.events.count - head) +
    (held.events.maxSeq - held.events.count) +
    (held.movements.count - held.movements.distinctSeqs);
  clock.advance(8 * DAY); // past the default retention of 7 days, all acknowledged
  const prune = await watchLoop(() => s.node.housekeeping());
  await fetch(`${s.node.url}/api/stock/movements`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sku: plan.skus[0], delta: 1, kind: 'RECEIVE' }),
  });
  const pruned = diskUse(s.node, s.dbPath);
  await s.node.stop();
  await s.network.down();
  return {
    shift,
    away,
    convergeS,
    shiftToHubS: shift.ms / 1000 + convergeS,
    heapMb,
    skusOff,
    eventsOff,
    parked: held.parked,
    prune,
    pruned,
  };
}

export const offlineShiftBench: Benchmark = {
  name: 'offline-shift',
  description: `a store offline for 72 simulated hours making ${EVENTS} events (sales, returns, receipts, counts), then back: convergence, disk and memory (anchor: a store online all along making the same ${EVENTS} events)`,
  async run() {
    // One database: Postgres where DATABASE_URL names one (or BENCH_DB picks); two shifts on each would double the run.
    const target = benchTargets[0]!;
    const clock = new SimClock();
    const f = await SyncFixture.start(target, { now: clock.now });
    try {
      const db = f.hub.db.dialect;
      const plan: ShiftPlan = { events: EVENTS, hours: 72, skus: await seedCatalog(f, SKUS), lanes: 4, seed: 14 };
      const on = await onlineShift(f, clock, plan);
      console.error(
        `  ${db}: online ${on.perS.toFixed(0)} events/s, the hub held all ${on.events} ${on.shiftToHubS.toFixed(1)} s after the first (${on.lagS.toFixed(1)} s after the last)`,
      );
      const off = await offlineShift(f, clock, plan);
      const n = off.shift.events;
      const awayBytes = off.away.fileBytes + off.away.walBytes;
      const prunedBytes = off.pruned.fileBytes + off.pruned.walBytes;
      console.error(
        `  ${db}: offline ${(n / (off.shift.ms / 1000)).toFixed(0)} events/s; converged ${off.convergeS.toFixed(1)} s after reconnecting (${off.shiftToHubS.toFixed(1)} s after the first event); ` +
          `file+WAL ${(awayBytes / MB).toFixed(1)} → ${(prunedBytes / MB).toFixed(1)} MiB after pruning (${off.prune.ms.toFixed(0)} ms, longest stall ${off.prune.longestStallMs.toFixed(0)} ms)`,
      );
      // The store's on-hand per sku equals the hub's, every event held once and none parked: else the run fails.
      check(off.skusOff === 0, `${off.skusOff} skus whose on-hand at the hub differs from the store's`);
      check(
        off.eventsOff + off.parked === 0,
        `${off.eventsOff} events missing or doubled at the hub, ${off.parked} parked`,
      );
      const fig = (metric: string, value: number, unit: string): Figure => ({
        bench: 'offline-shift',
        metric,
        value,
        unit,
        db,
        n,
      });
      return [
        // Making the shift's events at the till and handheld, offline vs online while uploading (the same events).
        against(fig('events_per_s', n / (off.shift.ms / 1000), '1/s'), 'online-same-events-made-per-s', on.perS),
        // From the first event made until the hub holds them all: the 72 hours offline then the catch-up, against the
        // same events made online and uploaded as they came.
        against(
          fig('first_event_to_hub_holds_all_s', off.shiftToHubS, 's'),
          'online-same-events-first-event-to-hub-holds-all-s',
          on.shiftToHubS,
          false,
        ),
        // The catch-up alone (reconnect until the hub holds everything) and its rate; no anchor does this work.
        fig('converge_s', round(off.convergeS), 's'),
        fig('catchup_events_per_s', round(n / off.convergeS), '1/s'),
        // How far behind the online store's hub was when it made its last event: the anchor's own lag, no ratio.
        {
          bench: 'offline-shift',
          metric: 'online_lag_after_last_event_s',
          value: round(on.lagS),
          unit: 's',
          db,
          n: on.events,
        },
        // correctness: must be 0 (skus whose hub count differs from the store's; events missing, doubled or parked)
        fig('skus_off', off.skusOff, 'skus'),
        fig('events_off', off.eventsOff + off.parked, 'events'),
        fig('bytes_per_event', round(awayBytes / n), 'B'),
        against(
          fig('outbox_bytes_per_event', off.away.outboxBytes / n, 'B'),
          'event-data-bytes',
          off.away.outboxDataBytes / n,
          false,
        ),
        fig('file_mb_after_shift', round(awayBytes / MB, 1), 'MiB'),
        against(
          fig('file_mb_after_prune', round(prunedBytes / MB, 1), 'MiB'),
          'file-mb-after-shift',
          awayBytes / MB,
          false,
        ),
        // Pruning the acknowledged backlog: the whole housekeeping run, and the longest the event loop (every lane's
        // request) waited at once meanwhile.
        fig('prune_total_ms', round(off.prune.ms), 'ms'),
        fig('prune_longest_stall_ms', round(off.prune.longestStallMs), 'ms'),
        against(
          fig('catchup_live_heap_mb', round(off.heapMb, 1), 'MiB'),
          'online-same-events-live-heap-mib',
          on.heapMb,
          false,
        ),
      ];
    } finally {
      await f.stop();
      rmSync(f.dir, { recursive: true, force: true }); // the store files of both shifts
    }
  },
};
