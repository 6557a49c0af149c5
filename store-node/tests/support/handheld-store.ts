import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtyPair } from '@storefleet/devices';
import type { CatalogProduct } from '@storefleet/shared';
import { upsertCatalog } from '../../src/catalog/catalog-sink.js';
import { createStoreNode, type StoreNode } from '../../src/index.js';

const product = (sku: string, name: string, gtin: string | null, category: string): CatalogProduct => ({
  sku,
  gtin,
  name,
  brand: null,
  size: null,
  category,
  priceMinor: 1250,
  currency: 'USD',
  taxClass: 'STANDARD',
  updatedAt: 1,
  version: 1,
});

export const HANDHELD_PRODUCTS = [
  product('MUG-RED', 'Red enamel mug', '04006381333931', 'Kitchen'),
  product('TEA-GREEN', 'Green tea, 20 bags', '00036000291452', 'Grocery'),
  product('CAP-BLUE', 'Blue cap', null, 'Clothing'),
  product('TEE-WHITE', 'White tee', null, 'Clothing'),
];

/**
 * The last RFID cycle the node kept: green tea 3 short, one blue cap too many, mug and tee as expected. Listed in the
 * report's own order (by sku), not by drift.
 */
export const RFID_REPORT = {
  cycle: 12,
  complete: true,
  incomplete: [],
  reads: 410,
  uniqueTags: 51,
  weakReads: 4,
  invalidEpcs: 0,
  unknownGtins: [],
  zones: { 'floor-front': { 'MUG-RED': 10, 'TEA-GREEN': 27 }, 'floor-back': { 'CAP-BLUE': 6, 'TEE-WHITE': 8 } },
  skus: [
    { sku: 'CAP-BLUE', expected: 5, counted: 6, drift: 1, streak: 1 },
    { sku: 'MUG-RED', expected: 10, counted: 10, drift: 0, streak: 0 },
    { sku: 'TEA-GREEN', expected: 30, counted: 27, drift: -3, streak: 2 },
    { sku: 'TEE-WHITE', expected: 8, counted: 8, drift: 0, streak: 0 },
  ],
  adjustments: [],
};

export interface HandheldStore {
  readonly node: StoreNode;
  stop(): Promise<void>;
}

/**
 * A store node as a handheld finds it: a catalog, stock, a kept RFID report, and three devices: a scanner on a pty
 * (connected), an RFID reader and a printer whose ports do not exist (not connected).
 */
export async function startHandheldStore({ rfidReport = true } = {}): Promise<HandheldStore> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-handheld-'));
  const dbPath = join(dir, 'store.sqlite');
  const seed = createStoreNode({ dbPath, port: 0, logLevel: 'silent' });
  upsertCatalog(seed.db, HANDHELD_PRODUCTS);
  if (rfidReport) {
    seed.db.prepare('INSERT INTO rfid_reports (report, at) VALUES (?, ?)').run(JSON.stringify(RFID_REPORT), Date.now());
    // What earlier counts corrected: the mugs two hours ago (listed), the tees yesterday morning (too old to list).
    const corrected = seed.db.prepare(
      'INSERT INTO rfid_corrections (sku, expected, counted, delta, at) VALUES (?, ?, ?, ?, ?)',
    );
    corrected.run('MUG-RED', 12, 10, -2, Date.now() - 2 * 3_600_000);
    corrected.run('TEE-WHITE', 7, 8, 1, Date.now() - 30 * 3_600_000);
  }
  await seed.stop();
  const scanner = await PtyPair.create(join(dir, 'scanner-dev'), join(dir, 'scanner-host'));
  const node = createStoreNode({
    dbPath,
    port: 0,
    logLevel: 'silent',
    devices: [
      { name: 'rfid-1', kind: 'rfid', path: join(dir, 'no-such-reader') },
      { name: 'lane-scanner', kind: 'scanner', path: scanner.devicePath },
      { name: 'printer-1', kind: 'printer', path: join(dir, 'no-such-printer'), label: 'Till receipt printer' },
    ],
  });
  await node.start();
  for (const [sku, delta] of [
    ['MUG-RED', 10],
    ['TEA-GREEN', 30],
    ['CAP-BLUE', 5],
  ] as const)
    await fetch(`${node.url}/api/stock/movements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku, delta, kind: 'RECEIVE' }),
    });
  return {
    node,
    async stop() {
      await node.stop();
      await scanner.unplug();
    },
  };
}
