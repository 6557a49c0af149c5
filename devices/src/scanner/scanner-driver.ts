import { RateMeter } from '../serial/rate-meter.js';
import type { DeviceDriver } from '../serial/serial-link.js';
import { LineSplitter, parseScan, type Scan } from './scanner.js';

/** A barcode scanner on a serial port: each valid line becomes a scan; refused lines are counted. */
export class ScannerDriver implements DeviceDriver {
  readonly kind = 'scanner';
  readonly lines = new LineSplitter();
  readonly #rate = new RateMeter();
  scans = 0;

  constructor(
    readonly onScan: (scan: Scan & { at: number }) => void,
    readonly now: () => number = Date.now,
  ) {}

  onData(chunk: Buffer): void {
    for (const line of this.lines.push(chunk)) {
      const scan = parseScan(line);
      if (!scan) {
        this.lines.counters.rejected++;
        continue;
      }
      this.scans++;
      this.#rate.add(this.now());
      this.onScan({ ...scan, at: this.now() });
    }
  }

  stats(): Record<string, number> {
    return {
      scans: this.scans,
      scansPerSecond: this.#rate.perSecond(this.now()),
      rejected: this.lines.counters.rejected,
      overflowBytes: this.lines.counters.overflowBytes,
    };
  }
}
