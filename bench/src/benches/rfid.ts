import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  emulatorLink,
  encodeSgtin96,
  PtyPair,
  RfidFloorEmulator,
  RfidReader,
  RfidReconciler,
  type TagRead,
} from '@storefleet/devices';
import { gtinCheckDigit } from '@storefleet/shared';
import { createStoreNode } from '@storefleet/store-node';
import { against, round, type Benchmark, type Figure } from '../figure.js';

const SKUS = 500;
const UNITS_PER_SKU = 10; // 5,000 tagged units on the floor
const SWEEPS_PER_CYCLE = 10;
const CYCLES = Number(process.env.BENCH_RFID_CYCLES ?? 20);

const gtinOf = (i: number) => {
  const body = `0061414${String(1_000_000 + i).slice(1)}`;
  return body + gtinCheckDigit(body);
};
const floorTags = (sku: number) =>
  Array.from({ length: UNITS_PER_SKU }, (_, u) =>
    encodeSgtin96({ gtin14: gtinOf(sku), companyPrefixLength: 7, serial: u + 1 }),
  );

const PLAIN = 'same-bytes-same-parser-plain-set-dedupe';

/**
 * Parser + dedupe + reconciliation on one core: pre-made reader bytes (noise, repeats, strays, garbage), fed in 4 KiB
 * chunks. The anchor, on the same bytes in the same run: the same parser, then a plain Set of the EPCs read (no RSSI
 * filter, no SGTIN decode, no counts per sku, no streaks). Two rounds in opposite order, so drift in the machine's load
 * falls on both alike.
 */
function throughput(): Figure[] {
  const floor = new RfidFloorEmulator(
    [0, 1].map((z) => ({
      antenna: z + 1,
      tags: Array.from({ length: SKUS / 2 }, (_, k) => floorTags(z * (SKUS / 2) + k)).flat(),
    })),
    { miss: 0.08, repeat: 0.3, strays: floorTags(SKUS + 1), strayChance: 0.2, garbageBytes: 16 },
  );
  const cycles = Array.from({ length: CYCLES }, () =>
    Array.from({ length: SWEEPS_PER_CYCLE }, () => floor.sweepBytes()),
  );
  const skuOf = new Map(Array.from({ length: SKUS }, (_, i) => [gtinOf(i), `SKU-${i}`]));
  const expected = new Map([...skuOf.values()].map((sku) => [sku, UNITS_PER_SKU]));
  const reconciler = new RfidReconciler({
    cyclesToConfirm: 3,
    minRssi: -65,
    zoneOfAntenna: (a) => `zone-${a}`,
    skuOfGtin: (g) => skuOf.get(g),
  });
  const parse = (sweeps: readonly Buffer[]) => {
    const window: TagRead[] = [];
    const reader = new RfidReader((r) => window.push(r));
    for (const bytes of sweeps) for (let i = 0; i < bytes.length; i += 4096) reader.onData(bytes.subarray(i, i + 4096));
    return window;
  };
  const ours = { reads: 0, seconds: 0, adjustments: 0 };
  const plain = { reads: 0, seconds: 0, unique: 0 };
  const runOurs = () => {
    const started = performance.now();
    for (const sweeps of cycles) {
      const window = parse(sweeps);
      ours.reads += window.length;
      ours.adjustments += reconciler.cycle(window, expected).adjustments.length;
    }
    ours.seconds += (performance.now() - started) / 1000;
  };
  const runPlain = () => {
    const started = performance.now();
    for (const sweeps of cycles) {
      const window = parse(sweeps);
      plain.reads += window.length;
      plain.unique += new Set(window.map((r) => r.epc)).size;
    }
    plain.seconds += (performance.now() - started) / 1000;
  };
  runOurs();
  runPlain();
  runPlain();
  runOurs();
  if (ours.adjustments) throw new Error(`a steady floor produced ${ours.adjustments} adjustments`);
  if (plain.reads !== ours.reads) throw new Error(`the anchor parsed ${plain.reads} reads, ours ${ours.reads}`);
  const perS = (x: { reads: number; seconds: number }) => x.reads / x.seconds;
  console.error(
    `  ${ours.reads} reads in ${ours.seconds.toFixed(2)} s (${Math.round(perS(ours))}/s); anchor, the same parser and a plain Set: ${plain.seconds.toFixed(2)} s (${Math.round(perS(plain))}/s, ${Math.round(plain.unique / (2 * CYCLES))} unique EPCs a cycle)`,
  );
  return [
    against(
      { bench: 'rfid', metric: 'reads_per_s', value: perS(ours), unit: '1/s', n: ours.reads },
      PLAIN,
      perS(plain),
    ),
  ];
}

/**
 * From the shelf to the store's stock view: 3 tees leave the floor; the emulated reader (a real pty, the node's
 * driver) keeps reading; the node's cycle count confirms the drift after N cycles and moves stock.
 */
async function endToEnd(cycleMs: number, cyclesToConfirm: number): Promise<Figure> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-rfidb-'));
  const pair = await PtyPair.create(join(dir, 'dev'), join(dir, 'host'));
  const tags = floorTags(0);
  const floor = new RfidFloorEmulator(
    [{ antenna: 1, tags }],
    { miss: 0.08, repeat: 0.3, strays: [], strayChance: 0, garbageBytes: 0 },
    20,
  );
  const emu = emulatorLink(pair.hostPath, floor);
  emu.start();
  const node = createStoreNode({
    dbPath: join(dir, 's.sqlite'),
    port: 0,
    logLevel: 'silent',
    devices: [{ name: 'r', kind: 'rfid', path: pair.devicePath, sweepMs: 20 }],
    rfid: { cycleMs, cyclesToConfirm },
  });
  try {
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES ('TEE', ?, 'Tee', 'A', 100, 'USD', 'STANDARD', 1)`,
      )
      .run(gtinOf(0));
    node.sync.write((emit) => node.pos.stock.move(emit, 'TEE', UNITS_PER_SKU, 'RECEIVE', Date.now()));
    await node.start();
    while (!node.devices.rfid.lastReport()) await new Promise((r) => setTimeout(r, 10));
    const delays: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const before = node.pos.stock.onHand('TEE');
      floor.zones[0]!.tags = floor.zones[0]!.tags.slice(1);
      const t0 = performance.now();
      const deadline = t0 + 30_000;
      while (node.pos.stock.onHand('TEE') !== before - 1) {
        if (performance.now() > deadline) throw new Error('the RFID adjustment never came');
        await new Promise((r) => setTimeout(r, 5));
      }
      delays.push(performance.now() - t0);
    }
    delays.sort((a, b) => a - b);
    return {
      bench: 'rfid',
      metric: `shelf_to_stock_ms_cycle_${cycleMs}ms_n${cyclesToConfirm}`,
      value: round(delays[1]!, 0),
      unit: 'ms',
      n: delays.length,
    };
  } finally {
    await node.stop();
    await emu.stop();
    await pair.unplug();
  }
}

export const rfidBench: Benchmark = {
  name: 'rfid',
  description: `RFID reads through parser + dedupe + reconciliation on one core (${SKUS * UNITS_PER_SKU} tags), and shelf-to-stock delay`,
  async run() {
    return [...throughput(), await endToEnd(250, 3)];
  },
};
