import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  emulatorLink,
  encodeSgtin96,
  PrinterEmulator,
  PtyPair,
  REALISTIC_NOISE,
  RfidFloorEmulator,
  ScaleEmulator,
  ScannerEmulator,
  type SerialLink,
} from '@storefleet/devices';
import type { Logger } from 'pino';
import type { DeviceConfig } from '../devices/config.js';
import type { StoreNode } from '../store-node.js';

const TAGGED_SKUS = 40;
const OPENING_STOCK = 12;

/**
 * For `npm start`: emulated devices on real ptys (socat), so the node's drivers run exactly as with hardware. The
 * RFID floor carries one tag per unit the store holds of its first 40 GTIN products (refreshed every 30 s, so sold
 * units leave the shelf); a store with none of them gets an opening delivery once. Needs socat; without it the
 * node runs without devices and says so.
 */
export class EmulatedDevices {
  readonly floor = new RfidFloorEmulator(
    [
      { antenna: 1, tags: [] },
      { antenna: 2, tags: [] },
    ],
    REALISTIC_NOISE,
    500,
  );
  readonly scanner = new ScannerEmulator();
  readonly scale = new ScaleEmulator(500);
  readonly printer = new PrinterEmulator();
  readonly #pairs: PtyPair[] = [];
  readonly #links: SerialLink[] = [];
  #timer: NodeJS.Timeout | undefined;

  private constructor(readonly configs: DeviceConfig[]) {}

  static async start(dir: string, log: Logger): Promise<EmulatedDevices | undefined> {
    try {
      execFileSync('socat', ['-V'], { stdio: 'ignore' });
    } catch {
      log.warn('socat is not installed: running without emulated devices (apt-get install socat)');
      return undefined;
    }
    mkdirSync(dir, { recursive: true });
    const kinds = ['rfid', 'scanner', 'scale', 'printer'] as const;
    const configs: DeviceConfig[] = kinds.map((kind) => ({
      name: `emulated-${kind}`,
      kind,
      path: join(dir, `${kind}-device`),
      ...(kind === 'rfid' ? { zones: { 1: 'floor-front', 2: 'floor-back' } } : {}),
    }));
    const devices = new EmulatedDevices(configs);
    const emulators = [devices.floor, devices.scanner, devices.scale, devices.printer];
    for (const [i, kind] of kinds.entries()) {
      const pair = await PtyPair.create(configs[i]!.path, join(dir, `${kind}-host`));
      devices.#pairs.push(pair);
      const link = emulatorLink(pair.hostPath, emulators[i]!);
      link.start();
      devices.#links.push(link);
    }
    devices.scale.place(0);
    return devices;
  }

  /** Once the node has its catalog: opening stock if needed, then shelves that follow on-hand. */
  follow(node: StoreNode): void {
    const products = () =>
      node.db
        .prepare(`SELECT sku, gtin FROM catalog_products WHERE gtin IS NOT NULL ORDER BY sku LIMIT ${TAGGED_SKUS}`)
        .all() as { sku: string; gtin: string }[];
    const refresh = () => {
      const list = products();
      if (!list.length) return; // catalog not bootstrapped yet
      if (list.every((p) => node.pos.stock.onHand(p.sku) <= 0)) {
        node.sync.write((emit) =>
          node.pos.stock.moveAll(
            emit,
            list.map((p) => ({ sku: p.sku, delta: OPENING_STOCK })),
            'RECEIVE',
            Date.now(),
            'demo-opening-delivery',
          ),
        );
      }
      const shelf = (half: typeof list) =>
        half.flatMap((p) =>
          Array.from({ length: Math.max(0, node.pos.stock.onHand(p.sku)) }, (_, i) =>
            encodeSgtin96({ gtin14: p.gtin, companyPrefixLength: 7, serial: i + 1 }),
          ),
        );
      this.floor.zones[0]!.tags = shelf(list.slice(0, list.length / 2));
      this.floor.zones[1]!.tags = shelf(list.slice(list.length / 2));
    };
    refresh();
    this.#timer = setInterval(refresh, 30_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    for (const l of this.#links) await l.stop();
    for (const p of this.#pairs) await p.unplug();
  }
}
