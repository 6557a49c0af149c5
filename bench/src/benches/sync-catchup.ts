import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { createStoreNode } from '@storefleet/store-node';
import { uuidv7 } from '@storefleet/shared';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { stockModule } from '../support/stock-module.js';
import { benchTargets, withDb } from '../support/bench-db.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const ANCHOR_EVENTS = Number(process.env.BENCH_ANCHOR_EVENTS ?? 5_000);
const SKUS = 2_000;

async function hubOn(place: { databaseUrl?: string; dataDir?: string }): Promise<Hub> {
  const hub = await createHub({
    port: 0,
    logLevel: 'silent',
    ...place,
    modules: [...(await discoverModules()), stockModule],
  });
  await hub.start();
  return hub;
}

/** A store that was offline for a shift of EVENTS sales comes back: time until the hub holds every one. */
async function catchUp(hub: Hub): Promise<{ seconds: number }> {
  const reg = await hub.fleet.register({ code: `B${Date.now()}`, name: 'bench', kind: 'STORE', lat: 0, lon: 0 });
  const node = createStoreNode({
    dbPath: join(mkdtempSync(join(tmpdir(), 'sf-bench-')), 'store.sqlite'),
    port: 0,
    logLevel: 'silent',
    hub: { url: hub.url!, ...reg.credential! },
  });
  for (let i = 0; i < EVENTS; i += 1000) {
    node.sync.write((emit) => {
      for (let j = i; j < Math.min(i + 1000, EVENTS); j++)
        emit('sale', { sku: `SF-${(j * 7919) % SKUS}`, qty: 1 + (j % 3), saleId: uuidv7() });
    });
  }
  const started = performance.now();
  await node.start();
  const deadline = Date.now() + 120_000;
  while (node.sync.status().pendingUp > 0) {
    if (Date.now() > deadline) throw new Error(`catch-up did not finish: ${JSON.stringify(node.sync.status())}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const seconds = (performance.now() - started) / 1000;
  await node.stop();
  const held = (
    await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_events WHERE origin = $1', [reg.location.id])
  ).rows[0]!.n;
  if (held !== EVENTS) throw new Error(`hub holds ${held} of ${EVENTS} events`);
  return { seconds };
}

/** The anchor: the same events, one HTTP POST each (16 clients in parallel, keep-alive). */
async function httpPerEvent(hub: Hub): Promise<number> {
  const origin = uuidv7();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < ANCHOR_EVENTS) {
        const seq = ++next;
        const res = await fetch(`${hub.url}/api/bench/event`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ origin, seq, sku: `SF-${(seq * 7919) % SKUS}`, qty: 1 }),
        });
        if (res.status !== 204) throw new Error(`anchor POST failed: ${res.status}`);
      }
    }),
  );
  return ANCHOR_EVENTS / ((performance.now() - started) / 1000);
}

export const syncCatchup: Benchmark = {
  name: 'sync-catchup',
  description: `a store back from offline with ${EVENTS} sale events: hub apply rate and time to converge`,
  async run() {
    const figures: Figure[] = [];
    let anchor: number | undefined;
    for (const target of benchTargets) {
      await withDb(target, async (place) => {
        const hub = await hubOn(place);
        try {
          const db = hub.db.dialect;
          anchor ??= await httpPerEvent(hub); // measured on the first target: Postgres where given
          const { seconds } = await catchUp(hub);
          figures.push(
            against(
              { bench: 'sync-catchup', metric: 'events_per_s', value: EVENTS / seconds, unit: '1/s', db, n: EVENTS },
              'http-post-per-event',
              anchor,
            ),
          );
          figures.push({
            bench: 'sync-catchup',
            metric: 'converge_s',
            value: round(seconds, 2),
            unit: 's',
            db,
            n: EVENTS,
          });
          console.error(`  ${db}: ${EVENTS} events in ${seconds.toFixed(2)} s`);
        } finally {
          await hub.stop();
        }
      });
    }
    return figures;
  },
};
