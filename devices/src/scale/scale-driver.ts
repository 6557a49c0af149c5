import { LineSplitter } from '../scanner/scanner.js';
import type { DeviceDriver } from '../serial/serial-link.js';
import { parseWeighing, type Weighing } from './scale.js';

/** A scale streaming its readings; keeps the latest, and the latest stable one for the till. */
export class ScaleDriver implements DeviceDriver {
  readonly kind = 'scale';
  readonly lines = new LineSplitter();
  latest: (Weighing & { at: number }) | null = null;
  latestStable: (Weighing & { at: number }) | null = null;
  readings = 0;

  constructor(readonly now: () => number = Date.now) {}

  onData(chunk: Buffer): void {
    for (const line of this.lines.push(chunk)) {
      const w = parseWeighing(line);
      if (!w) {
        this.lines.counters.rejected++;
        continue;
      }
      this.readings++;
      this.latest = { ...w, at: this.now() };
      if (w.stable && !w.overload) this.latestStable = this.latest;
    }
  }

  stats(): Record<string, number> {
    return {
      readings: this.readings,
      rejected: this.lines.counters.rejected,
      grams: this.latest?.grams ?? 0,
      stable: this.latest?.stable ? 1 : 0,
    };
  }
}
