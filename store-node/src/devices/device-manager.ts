import {
  PrinterDriver,
  RfidReader,
  ScaleDriver,
  ScannerDriver,
  SerialLink,
  type DeviceDriver,
  type LinkStatus,
  type PortOpener,
  type Scan,
  openSerialPort,
} from '@storefleet/devices';
import type { Logger } from 'pino';
import type { DeviceConfig } from './config.js';
import type { RfidCycleCounter } from './rfid-cycle-counter.js';

export interface DeviceStatus extends LinkStatus {
  readonly name: string;
  readonly stats: Record<string, number>;
}

const DEFAULT_BAUD: Record<DeviceConfig['kind'], number> = { rfid: 115200, scanner: 9600, scale: 9600, printer: 19200 };
const RECENT_SCANS = 50;

/**
 * The devices plugged into this store node: one driver and one self-reopening serial link each. RFID reads go to
 * the cycle counter; scans are kept for the lane pages; the latest stable weight for the till; the first printer
 * prints receipts. Devices live in the node process (not in a page), so a page reload never drops a reader.
 */
export class DeviceManager {
  readonly #links = new Map<string, { config: DeviceConfig; link: SerialLink; driver: DeviceDriver }>();
  readonly scans: (Scan & { at: number; device: string })[] = [];

  constructor(
    readonly configs: readonly DeviceConfig[],
    readonly rfid: RfidCycleCounter,
    readonly log: Logger,
    readonly now: () => number,
    readonly open: PortOpener = openSerialPort,
  ) {
    const names = new Set<string>();
    for (const c of configs) {
      if (names.has(c.name)) throw new Error(`two devices are named ${c.name}`);
      names.add(c.name);
      const driver = this.#driverFor(c);
      const link = new SerialLink(c.path, c.baudRate ?? DEFAULT_BAUD[c.kind], driver, open, (s) => {
        if (s.state === 'open') log.info({ device: c.name, path: c.path }, 'device connected');
        if (s.state === 'waiting')
          log.warn({ device: c.name, path: c.path, err: s.lastError }, 'device unavailable; retrying');
      });
      this.#links.set(c.name, { config: c, link, driver });
    }
  }

  start(): void {
    for (const { link, driver } of this.#links.values()) {
      link.start();
      if (driver instanceof RfidReader) driver.startInventory();
    }
    if ([...this.#links.values()].some((d) => d.driver instanceof RfidReader)) this.rfid.start();
  }

  async stop(): Promise<void> {
    this.rfid.stop();
    for (const { link } of this.#links.values()) await link.stop();
  }

  status(): DeviceStatus[] {
    return [...this.#links.values()].map(({ config, link, driver }) => ({
      name: config.name,
      ...link.status(),
      stats: driver.stats(),
    }));
  }

  /**
   * Prints on the first connected printer, with `barcode` (the receipt's number) as Code 128 under the text; false
   * when there is none (the receipt is still on screen).
   */
  print(text: string, barcode?: string | null): boolean {
    for (const { driver } of this.#links.values())
      if (driver instanceof PrinterDriver && driver.print(text, barcode)) return true;
    return false;
  }

  /** Kicks the cash drawer through the first connected printer (issue #27, a no-sale open); false when there is none. */
  openDrawer(): boolean {
    for (const { driver } of this.#links.values())
      if (driver instanceof PrinterDriver && driver.openDrawer()) return true;
    return false;
  }

  latestWeight(): ScaleDriver['latestStable'] {
    for (const { driver } of this.#links.values())
      if (driver instanceof ScaleDriver && driver.latestStable) return driver.latestStable;
    return null;
  }

  #driverFor(c: DeviceConfig): DeviceDriver {
    switch (c.kind) {
      case 'rfid': {
        if (c.zones) this.rfid.nameZones(c.zones);
        const reader = new RfidReader((r) => this.rfid.add(r), c.powerDbm ?? 26, this.now, {
          sweepMs: c.sweepMs,
          silentAfterMs: c.silentAfterMs,
        });
        this.rfid.addReader(c.name, reader);
        return reader;
      }
      case 'scanner':
        return new ScannerDriver((s) => {
          this.scans.push({ ...s, device: c.name });
          if (this.scans.length > RECENT_SCANS) this.scans.shift();
        }, this.now);
      case 'scale':
        return new ScaleDriver(this.now);
      case 'printer':
        return new PrinterDriver();
    }
  }
}
