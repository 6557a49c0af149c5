import { round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { Fleet } from '../support/fleet.js';
import { percentile } from '../support/memory-store.js';

const STORES = Number(process.env.BENCH_STORES ?? 5000);
const TRICKLE_S = Number(process.env.BENCH_SECONDS ?? 10);

/** N simulated stores hold connections to one hub process with heartbeats (5 s) and a trickle of sales. */
export const syncFleet: Benchmark = {
  name: 'sync-fleet',
  description: `${STORES} store connections to one hub process: connections held, hub memory per connection, p99 apply latency`,
  async run() {
    return withDb(benchTargets[0]!, async (place) => {
      const fleet = new Fleet(STORES, place);
      try {
        const tokens = await fleet.startHub();
        const rssBefore = await fleet.metric('storefleet_hub_process_resident_memory_bytes');
        const started = performance.now();
        await fleet.connectAll(tokens);
        const connectS = (performance.now() - started) / 1000;
        console.error(`  ${STORES} stores connected in ${connectS.toFixed(1)} s`);
        await new Promise((r) => setTimeout(r, 6000)); // past one heartbeat round
        const held = await fleet.metric('storefleet_hub_sync_sessions');
        const rssAfter = await fleet.metric('storefleet_hub_process_resident_memory_bytes');
        const sent = await fleet.trickle(TRICKLE_S, 25);
        const db = place.databaseUrl ? 'postgres' : 'pglite';
        const figures: Figure[] = [
          { bench: 'sync-fleet', metric: 'connections', value: held, unit: 'count', db, n: STORES },
          {
            bench: 'sync-fleet',
            metric: 'bytes_per_connection',
            value: Math.round((rssAfter - rssBefore) / held),
            unit: 'B',
            db,
            n: STORES,
          },
          {
            bench: 'sync-fleet',
            metric: 'apply_p99_ms',
            value: round(percentile(fleet.latencies, 99), 1),
            unit: 'ms',
            db,
            n: sent,
          },
          {
            bench: 'sync-fleet',
            metric: 'apply_p50_ms',
            value: round(percentile(fleet.latencies, 50), 1),
            unit: 'ms',
            db,
            n: sent,
          },
          { bench: 'sync-fleet', metric: 'connect_all_s', value: round(connectS, 1), unit: 's', db, n: STORES },
        ];
        return figures;
      } finally {
        await fleet.stop();
      }
    });
  },
};
