import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  advanceDrift,
  emulatorLink,
  encodeSgtin96,
  PrinterEmulator,
  PtyPair,
  REALISTIC_NOISE,
  RfidFloorEmulator,
  ScaleEmulator,
  ScannerEmulator,
  type SerialLink,
  shelfUnits,
  NO_DRIFT,
  type ShelfDriftState,
} from '@storefleet/devices';
import type { Logger } from 'pino';
import type { DeviceConfig } from '../devices/config.js';
import type { StoreNode } from '../store-node.js';

const TAGGED_SKUS = 40;
/** A new few units go missing or turn up this often (see devices' shelf-drift.ts). */
const DRIFT_EPISODE_MS = 5 * 60_000;
const REFRESH_MS = 10_000;
/**
 * The demo's count confirms a drift after 12 cycles of 20 s (4 minutes) instead of 3: a new drift every 5 minutes
 * then shows on the handheld for most of them (it was on screen 1 minute in 5), and its correction stays listed.
 */
export const DEMO_CYCLES_TO_CONFIRM = 12;

/**
 * For `npm start`: emulated devices on real ptys (socat), so the node's drivers run exactly as with hardware. The
 * RFID floor carries one tag per unit the store holds of its first 40 GTIN products (refreshed every 10 s, so sold
 * units leave the shelf), give or take the floor's drift: every 5 minutes a few units go missing or turn up unbooked
 * (seeded per store), so the cycle count finds drift and, once it persists, adjusts stock. What the floor holds
 * beyond the books is kept in `shelf-drift.json` beside the ptys, so a restart neither forgets nor repeats it. Needs
 * socat; without it the node runs without devices and says so.
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
  readonly #driftFile: string;
  readonly #seed: number;

  private constructor(
    readonly configs: DeviceConfig[],
    dir: string,
  ) {
    this.#driftFile = join(dir, 'shelf-drift.json');
    this.#seed = createHash('sha256').update(basename(dir)).digest().readUInt32BE(0);
  }

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
    const devices = new EmulatedDevices(configs, dir);
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

  /** Once the node has its catalog (and its opening stock): shelves that follow on-hand, give or take the drift. */
  follow(node: StoreNode): void {
    const products = () =>
      node.db
        .prepare(`SELECT sku, gtin FROM catalog_products WHERE gtin IS NOT NULL ORDER BY sku LIMIT ${TAGGED_SKUS}`)
        .all() as { sku: string; gtin: string }[];
    let saved = this.#loadDrift();
    const refresh = () => {
      const list = products();
      if (!list.length) return; // catalog not bootstrapped yet
      const reports = node.db
        .prepare('SELECT id, report FROM rfid_reports WHERE id > ? ORDER BY id')
        .all(saved.lastReportId) as { id: number; report: string }[];
      const adjustments = reports.flatMap(
        (r) => (JSON.parse(r.report) as { adjustments: { sku: string; delta: number }[] }).adjustments,
      );
      saved = {
        ...advanceDrift(saved, {
          episode: Math.floor(Date.now() / DRIFT_EPISODE_MS),
          skus: list.map((p) => p.sku),
          seed: this.#seed,
          adjustments,
        }),
        lastReportId: reports.at(-1)?.id ?? saved.lastReportId,
      };
      writeFileSync(this.#driftFile, JSON.stringify(saved));
      const drift: ShelfDriftState = saved;
      const shelf = (half: typeof list) =>
        half.flatMap((p) =>
          Array.from({ length: shelfUnits(node.pos.stock.onHand(p.sku), drift, p.sku) }, (_, i) =>
            encodeSgtin96({ gtin14: p.gtin, companyPrefixLength: 7, serial: i + 1 }),
          ),
        );
      this.floor.zones[0]!.tags = shelf(list.slice(0, list.length / 2));
      this.floor.zones[1]!.tags = shelf(list.slice(list.length / 2));
    };
    refresh();
    this.#timer = setInterval(refresh, REFRESH_MS);
    this.#timer.unref();
  }

  #loadDrift(): ShelfDriftState & { lastReportId: number } {
    try {
      if (existsSync(this.#driftFile)) return JSON.parse(readFileSync(this.#driftFile, 'utf8'));
    } catch {
      // an unreadable file: start the drift over (the books are unaffected)
    }
    return { ...NO_DRIFT, lastReportId: 0 };
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    for (const l of this.#links) await l.stop();
    for (const p of this.#pairs) await p.unplug();
  }
}
