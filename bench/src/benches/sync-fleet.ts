import { round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { check } from '../support/check.js';
import { Fleet } from '../support/fleet.js';
import { percentile } from '../support/memory-store.js';

const STORES = Number(process.env.BENCH_STORES ?? 5000);
const TRICKLE_S = Number(process.env.BENCH_SECONDS ?? 10);
/**
 * Sales rung up per second across the fleet, each a `stock.moved` per line and a `sale.completed` (~3 events): at 500/s
 * the hub on a loaded 2-core machine fell behind until its database pool timed out and the process died, so the
 * default is what it keeps up with; BENCH_SALES_PER_S raises it.
 */
const SALES_PER_S = Number(process.env.BENCH_SALES_PER_S ?? 100);
/** Stores whose on-hand at the hub is read back and compared with what their sales imply. */
const CHECKED_STORES = 100;

/**
 * N simulated stores hold connections to one hub process with heartbeats (5 s) and a trickle of till sales whose
 * events the hub applies through its inventory and sales handlers.
 */
export const syncFleet: Benchmark = {
  name: 'sync-fleet',
  description: `${STORES} store connections to one hub process: connections held, hub memory per connection, p99 apply latency of real till events (${SALES_PER_S} sales/s)`,
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
        const { sales, events } = await fleet.trickle(TRICKLE_S, Math.max(1, Math.round(SALES_PER_S / 20)));
        const parked = await fleet.metric('storefleet_hub_sync_events_parked');
        const stock = await fleet.storesOff(CHECKED_STORES);
        console.error(
          `  ${held} connections held; ${sales} sales (${events} events) acknowledged; ${parked} parked; ` +
            `on-hand at the hub matches the sales at ${stock.checked - stock.off.length} of ${stock.checked} stores read back`,
        );
        check(held === STORES, `the hub held ${held} of ${STORES} connections`);
        check(parked === 0, `the hub parked ${parked} of the fleet's till events`);
        check(
          stock.off.length === 0,
          `the hub's on-hand differs from the sales at ${stock.off.length} of ${stock.checked} stores, e.g. ${stock.off[0]}`,
        );
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
            n: events,
          },
          {
            bench: 'sync-fleet',
            metric: 'apply_p50_ms',
            value: round(percentile(fleet.latencies, 50), 1),
            unit: 'ms',
            db,
            n: events,
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
