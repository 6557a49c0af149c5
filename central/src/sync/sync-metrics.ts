import { Gauge, type Registry } from 'prom-client';
import type { SyncRepository } from './sync-repository.js';
import type { SyncServer } from './sync-server.js';
import type { SyncStatusRepository } from './sync-status.js';

/** Sync figures at /metrics: per-store state (one query per scrape) and this replica's totals. */
export function registerSyncMetrics(
  registry: Registry,
  status: SyncStatusRepository,
  repo: SyncRepository,
  server: () => SyncServer | undefined,
): void {
  // Every per-store gauge waits for one query per scrape: prom-client reads each gauge as soon as its own collect is
  // done, so gauges filled by another gauge's collect showed the previous scrape (nothing at all on the first).
  let refreshing: Promise<void> | undefined;
  const refresh = () =>
    (refreshing ??= (async () => {
      const states = await status.list();
      for (const g of gauges) g.reset();
      for (const s of states) {
        connected.set({ store: s.code }, s.connected ? 1 : 0);
        pendingUp.set({ store: s.code }, s.pendingUp);
        feedLag.set({ store: s.code }, s.feedLag);
        parked.set({ store: s.code }, s.parked);
        if (s.lastSeenAt) lastSeen.set({ store: s.code }, Math.floor(s.lastSeenAt / 1000));
        if (s.lostEvents.length)
          lost.set(
            { store: s.code },
            s.lostEvents.reduce((n, r) => n + r.count, 0),
          );
      }
    })().finally(() => {
      refreshing = undefined;
    }));
  const perStore = (name: string, help: string) =>
    new Gauge({
      name: `storefleet_hub_sync_${name}`,
      help,
      labelNames: ['store'] as const,
      registers: [registry],
      async collect() {
        await refresh();
      },
    });
  const connected = perStore('store_connected', '1 while the store holds a sync connection to some replica');
  const pendingUp = perStore('store_pending_up_events', 'events the store reported that the hub does not hold yet');
  const feedLag = perStore('store_feed_lag_entries', 'feed entries the store has not acknowledged');
  const parked = perStore('store_parked_events', 'events from the store that no module could apply');
  const lastSeen = perStore('store_last_seen_seconds', 'epoch seconds the store was last heard from');
  const lost = perStore(
    'store_lost_events',
    "the store's events the hub lacks for good (restored from a backup older than the store keeps acknowledged events)",
  );
  const gauges = [connected, pendingUp, feedLag, parked, lastSeen, lost];
  new Gauge({
    name: 'storefleet_hub_sync_store_state_refresh',
    help: 'refreshes the per-store sync gauges on each scrape (always 1)',
    registers: [registry],
    async collect() {
      await refresh();
      this.set(1);
    },
  });
  new Gauge({
    name: 'storefleet_hub_sync_sessions',
    help: 'store connections held by this replica',
    registers: [registry],
    collect() {
      this.set(server()?.connectedStores.length ?? 0);
    },
  });
  new Gauge({
    name: 'storefleet_hub_sync_events_applied',
    help: 'events applied by this replica since it started',
    registers: [registry],
    collect() {
      this.set(repo.stats.applied);
    },
  });
  new Gauge({
    name: 'storefleet_hub_sync_transient_retries',
    help: 'apply transactions retried after a transient database error (deadlock, serialization failure, lost connection) by this replica since it started',
    registers: [registry],
    collect() {
      this.set(repo.stats.retries);
    },
  });
  new Gauge({
    name: 'storefleet_hub_sync_events_parked',
    help: 'events parked by this replica since it started',
    registers: [registry],
    collect() {
      this.set(repo.stats.parked);
    },
  });
}
