import { createHub, discoverModules, type Hub } from '@storefleet/central';
import type { WireEvent } from '@storefleet/shared';
import { createStoreNode } from '@storefleet/store-node';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { until } from '../support/fleet.js';
import {
  call,
  differing,
  headOffice,
  hubStock,
  importCatalog,
  storeCaller,
  type Caller,
} from '../support/hub-calls.js';
import { syncEventRoute } from '../support/sync-event-route.js';
import {
  removeStore,
  sellAtTill,
  storeWithCatalog,
  type PreparedStore,
  type TillTally,
} from '../support/till-sales.js';

/**
 * Through the real handlers the hub applies a few hundred events a second, on each of two databases: 5,000 events and
 * 500 for the anchor keep the whole run near a minute and a half. BENCH_EVENTS / BENCH_ANCHOR_EVENTS raise them.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5_000);
const ANCHOR_EVENTS = Number(process.env.BENCH_ANCHOR_EVENTS ?? 500);
/** The anchor's callers: stores posting their own events at once, each in its own seq order. */
const ANCHOR_STORES = 16;
const SKUS = 2_000;
const ANCHOR = `http-post-per-event-${ANCHOR_STORES}-stores`;

async function hubOn(place: { databaseUrl?: string; dataDir?: string }): Promise<Hub> {
  let hub: Hub | undefined;
  hub = await createHub({
    port: 0,
    logLevel: 'silent',
    ...place,
    modules: [...(await discoverModules()), syncEventRoute(() => hub!)],
  });
  await hub.start();
  return hub;
}

/** Fails unless the hub's on-hand at each of `stores` adds up, per sku, to what the till's sales and returns imply. */
async function checkCounters(hub: Hub, admin: Caller, stores: readonly string[], tally: TillTally, what: string) {
  const held = new Map<string, number>();
  for (const storeId of stores)
    for (const [sku, n] of await hubStock(hub.url!, admin, storeId)) held.set(sku, (held.get(sku) ?? 0) + n);
  const off = differing(held, tally.delta);
  if (off.length)
    throw new Error(
      `${what}: the hub's stock differs from the till's sales on ${off.length} skus, e.g. ${off[0]}: hub ${held.get(off[0]!) ?? 0}, sales ${tally.delta.get(off[0]!) ?? 0}`,
    );
  for (const storeId of stores) {
    const s = await call<{ parked: number; pendingUp: number }>(hub.url!, 'GET', `/sync/stores/${storeId}`, admin);
    if (s.parked) throw new Error(`${what}: the hub parked ${s.parked} of store ${storeId}'s events`);
  }
}

/**
 * A store sells offline through its till until its outbox holds EVENTS events, then comes back: the time from its
 * node starting until the hub has acknowledged every event, applied through the real handlers.
 */
async function catchUp(hub: Hub, store: PreparedStore, skus: readonly string[]) {
  const node = createStoreNode({
    dbPath: store.dbPath,
    port: 0,
    logLevel: 'silent',
    hub: { url: hub.url!, ...store.credential },
  });
  try {
    const tally = await sellAtTill(node, skus, EVENTS, 16);
    const events = node.sync.outbox.head();
    const started = performance.now();
    await node.start();
    await until(() => node.sync.status().pendingUp === 0, 300_000, `the hub to acknowledge ${events} events`);
    return { tally, events, seconds: (performance.now() - started) / 1000 };
  } finally {
    await node.stop();
  }
}

/**
 * The anchor: another store's till makes ANCHOR_EVENTS events the same way (offline, real sales); its sales are dealt
 * whole, in order, to ANCHOR_STORES stores (renumbered in each store's own seq order), which post them one HTTP
 * request per event, all at once, each request applied in its own transaction through the same apply path.
 */
async function httpPerEvent(hub: Hub, source: PreparedStore, skus: readonly string[], codes: string) {
  const node = createStoreNode({ dbPath: source.dbPath, port: 0, logLevel: 'silent' });
  let tally: TillTally;
  let made: WireEvent[];
  try {
    tally = await sellAtTill(node, skus, ANCHOR_EVENTS, 17);
    made = node.sync.storage.readBatch(1, node.sync.outbox.head(), Number.POSITIVE_INFINITY);
  } finally {
    await node.stop();
  }
  const stores = await Promise.all(
    Array.from({ length: ANCHOR_STORES }, async (_, k) => {
      const reg = await hub.fleet.register({ code: `${codes}${k}`, name: 'anchor', kind: 'STORE', lat: 0, lon: 0 });
      return { id: reg.location.id, caller: await storeCaller(hub.url!, reg.credential!), events: [] as WireEvent[] };
    }),
  );
  const saleOf = (e: WireEvent) => {
    const p = e.payload as { ref?: string; saleId?: string };
    return p.ref ?? p.saleId ?? String(e.seq);
  };
  const dealt = new Map<string, number>();
  for (const e of made) {
    const sale = saleOf(e);
    if (!dealt.has(sale)) dealt.set(sale, dealt.size % ANCHOR_STORES);
    const to = stores[dealt.get(sale)!]!;
    to.events.push({ ...e, origin: to.id, seq: to.events.length + 1 });
  }
  const started = performance.now();
  await Promise.all(
    stores.map(async (s) => {
      for (const e of s.events) await call(hub.url!, 'POST', '/bench/sync-event', s.caller, e, [200]);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { tally, stores: stores.map((s) => s.id), events: made.length, perS: made.length / seconds };
}

export const syncCatchup: Benchmark = {
  name: 'sync-catchup',
  description: `a store back from offline with ~${EVENTS} events from real till sales: hub apply rate and time to converge`,
  async run() {
    const figures: Figure[] = [];
    for (const target of benchTargets) {
      await withDb(target, async (place) => {
        const hub = await hubOn(place);
        const prepared: PreparedStore[] = [];
        try {
          const db = hub.db.dialect;
          const admin = await headOffice(hub);
          const skus = await importCatalog(hub.url!, admin, SKUS);
          const store = await storeWithCatalog(hub, 'CATCHUP', SKUS);
          prepared.push(store);
          const source = await storeWithCatalog(hub, 'ASRC', SKUS);
          prepared.push(source);
          const anchor = await httpPerEvent(hub, source, skus, 'A');
          await checkCounters(hub, admin, anchor.stores, anchor.tally, 'anchor');
          const { tally, events, seconds } = await catchUp(hub, store, skus);
          await checkCounters(hub, admin, [store.storeId], tally, 'catch-up');
          figures.push(
            against(
              { bench: 'sync-catchup', metric: 'events_per_s', value: events / seconds, unit: '1/s', db, n: events },
              ANCHOR,
              anchor.perS,
            ),
            { bench: 'sync-catchup', metric: 'converge_s', value: round(seconds, 2), unit: 's', db, n: events },
          );
          console.error(
            `  ${db}: ${events} events (${tally.sales} sales, ${tally.returns} returns) in ${seconds.toFixed(2)} s; ` +
              `anchor ${anchor.events} events at ${anchor.perS.toFixed(0)}/s; hub counters match the sales`,
          );
        } finally {
          await hub.stop();
          for (const p of prepared) removeStore(p);
        }
      });
    }
    return figures;
  },
};
