import { round, type Benchmark } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { check } from '../support/check.js';
import { Fleet } from '../support/fleet.js';

const STORES = Number(process.env.BENCH_STORES ?? 2000);
/**
 * Sales each store rings up while the hub is down, ~3 events each (the stand-in sent 3 one-line events per store).
 * With 3 sales (~10 events) per store the restarted hub died on this 2-core machine: a session's feed read found no
 * free database connection within 5 s and the error went unhandled. BENCH_STORM_SALES raises it.
 */
const SALES_WHILE_DOWN = Number(process.env.BENCH_STORM_SALES ?? 1);
/** Stores whose on-hand at the hub is read back after the storm and compared with what their sales imply. */
const CHECKED_STORES = 100;

/**
 * The hub process is killed (SIGKILL) under 2,000 connected stores that keep selling, and started again: how long
 * until every store is back and caught up, and how many had to resync from scratch (the hub holding less than the
 * store had confirmed) — which must be 0. Backoff is the stores' real one: full jitter up to 10 s. The stores' events
 * are real till sales (a `stock.moved` per line and `sale.completed`) applied by the inventory and sales handlers; after
 * the storm the hub's on-hand must match what the sales imply (nothing lost or applied twice) and nothing be parked.
 */
export const syncReconnectStorm: Benchmark = {
  name: 'sync-reconnect-storm',
  description: `restart the hub under ${STORES} connected stores, each selling ${SALES_WHILE_DOWN} till sale(s) while it is down: time until all are back and caught up, full resyncs`,
  async run() {
    return withDb(benchTargets[0]!, async (place) => {
      const fleet = new Fleet(STORES, place);
      try {
        await fleet.connectAll(await fleet.startHub());
        for (const s of fleet.stores) s.sell(1); // one sale each before the kill: every store has acked events
        for (const c of fleet.clients) c.outboxChanged();
        await fleet.until(() => fleet.stores.every((s) => s.acked === s.events.length), 60_000, 'the first sales');

        const parkedBefore = await fleet.metric('storefleet_hub_sync_events_parked');
        await fleet.hub.kill();
        const downAt = performance.now();
        for (const s of fleet.stores) s.sell(SALES_WHILE_DOWN); // the lanes keep selling while the hub is away
        for (const c of fleet.clients) c.outboxChanged();
        await fleet.startHub();
        const restartedS = (performance.now() - downAt) / 1000;
        await fleet.until(
          () => fleet.clients.every((c) => c.status.phase === 'syncing'),
          120_000,
          'every store to reconnect',
        );
        const backS = (performance.now() - downAt) / 1000;
        await fleet.until(
          () => fleet.stores.every((s) => s.acked === s.events.length),
          120_000,
          'every store to catch up',
        );
        const caughtUpS = (performance.now() - downAt) / 1000;
        const rewinds = fleet.stores.reduce((n, s) => n + s.rewinds, 0);
        const parked = parkedBefore + (await fleet.metric('storefleet_hub_sync_events_parked'));
        const stock = await fleet.storesOff(CHECKED_STORES);
        console.error(
          `  ${rewinds} full resyncs, ${parked} events parked; on-hand at the hub matches the sales at ` +
            `${stock.checked - stock.off.length} of ${stock.checked} stores read back`,
        );
        check(rewinds === 0, `${rewinds} stores found the hub holding less than it had confirmed (full resyncs)`);
        check(parked === 0, `the hub parked ${parked} of the fleet's till events`);
        check(
          stock.off.length === 0,
          `the hub's on-hand differs from the sales at ${stock.off.length} of ${stock.checked} stores, e.g. ${stock.off[0]}`,
        );
        const db = place.databaseUrl ? 'postgres' : 'pglite';
        console.error(
          `  hub back after ${restartedS.toFixed(1)} s; all stores reconnected at ${backS.toFixed(1)} s, caught up at ${caughtUpS.toFixed(1)} s`,
        );
        return [
          {
            bench: 'sync-reconnect-storm',
            metric: 'caught_up_s',
            value: round(caughtUpS, 1),
            unit: 's',
            db,
            n: STORES,
          },
          {
            bench: 'sync-reconnect-storm',
            metric: 'hub_restart_s',
            value: round(restartedS, 1),
            unit: 's',
            db,
            n: STORES,
          },
          { bench: 'sync-reconnect-storm', metric: 'full_resyncs', value: rewinds, unit: 'count', db, n: STORES },
        ];
      } finally {
        await fleet.stop();
      }
    });
  },
};
