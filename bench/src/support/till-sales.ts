import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hub } from '@storefleet/central';
import { seededRandom } from '@storefleet/devices';
import { createStoreNode, type StoreNode } from '@storefleet/store-node';
import { until } from './fleet.js';

/** A store registered at the hub whose file already holds the hub's catalog (its cold start done), now closed. */
export interface PreparedStore {
  readonly storeId: string;
  readonly credential: { storeId: string; secret: string };
  readonly dbPath: string;
  /** The temporary folder holding the file: `removeStore` deletes it. */
  readonly dir: string;
}

/** Deletes a prepared store's folder (its SQLite file and WAL); call it once its node has stopped. */
export function removeStore(store: PreparedStore): void {
  rmSync(store.dir, { recursive: true, force: true });
}

/**
 * Registers a store and lets a real store node make its cold start from the hub (the catalog comes down through the
 * bootstrap, as for a new store PC), then closes the node: the file is ready to sell offline.
 */
export async function storeWithCatalog(hub: Hub, code: string, skus: number): Promise<PreparedStore> {
  const reg = await hub.fleet.register({ code, name: `Bench ${code}`, kind: 'STORE', lat: 40, lon: -74 });
  const credential = reg.credential!;
  const dir = mkdtempSync(join(tmpdir(), 'sf-bench-till-'));
  const dbPath = join(dir, 'store.sqlite');
  const node = createStoreNode({ dbPath, port: 0, logLevel: 'silent', hub: { url: hub.url!, ...credential } });
  try {
    await node.start();
    await until(() => node.sync.bootstrap!.progress().state === 'done', 120_000, `store ${code}'s cold start`);
    const held = node.db.prepare('SELECT count(*) FROM catalog_products').pluck().get() as number;
    if (held !== skus)
      throw new Error(`store ${code} holds ${held} of the hub's ${skus} products after its cold start`);
  } catch (err) {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  await node.stop();
  return { storeId: reg.location.id, credential, dbPath, dir };
}

/** What a run of till sales did: per sku, the change in stock it implies (sales negative, returns positive). */
export interface TillTally {
  readonly sales: number;
  readonly returns: number;
  readonly delta: Map<string, number>;
}

/** Returns per sale, as the offline-shift mix has them (6 returns to 80 sales). */
const RETURN_RATE = 6 / 80;

/**
 * Sells through the node's till (`node.pos`: open, scan 1–3 different skus of 1–2 units, cash tender; now and then a
 * return of one unit of the first line) on `lanes` lanes at once until the outbox holds at least `minEvents` events.
 * Every event is the till's own: a `stock.moved` per line and `sale.completed`, and `stock.moved` + `sale.returned`
 * for a return. The tally is kept here, from what each call answered, to check the hub's counters against.
 */
export async function sellAtTill(
  node: StoreNode,
  skus: readonly string[],
  minEvents: number,
  seed: number,
  lanes = 8,
): Promise<TillTally> {
  const random = seededRandom(seed);
  const delta = new Map<string, number>();
  const add = (sku: string, d: number) => delta.set(sku, (delta.get(sku) ?? 0) + d);
  let sales = 0;
  let returns = 0;
  const lane = async () => {
    while (node.sync.outbox.head() < minEvents) {
      const sale = node.pos.open();
      const lines = new Map<string, number>();
      for (let n = 1 + Math.floor(random() * 3); lines.size < n; ) {
        const sku = skus[Math.floor(random() * skus.length)]!;
        if (lines.has(sku)) continue;
        const qty = 1 + Math.floor(random() * 2);
        node.pos.add(sale.id, sku, qty);
        lines.set(sku, qty);
      }
      const done = await node.pos.tender(sale.id, { kind: 'CASH', givenMinor: 1_000_000 });
      if (done.status !== 'COMPLETED') throw new Error(`sale ${sale.id} ended ${done.status}`);
      for (const [sku, qty] of lines) add(sku, -qty);
      sales++;
      if (random() < RETURN_RATE) {
        const [sku] = lines.keys();
        await node.pos.returnItems(sale.id, [{ sku: sku!, qty: 1 }]);
        add(sku!, 1);
        returns++;
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return { sales, returns, delta };
}
