import { EscPosReader } from '../printer/escpos.js';
import { formatWeighing } from '../scale/scale.js';
import type { ByteSink } from '../serial/serial-link.js';
import type { DeviceEmulator } from '../serial/emulator-link.js';

/** A scanner: `scan()` sends a code as the device would (CR LF). */
export class ScannerEmulator implements DeviceEmulator {
  readonly kind = 'scanner';
  #sink: ByteSink | undefined;
  attach(sink: ByteSink): void {
    this.#sink = sink;
  }
  detach(): void {
    this.#sink = undefined;
  }
  receive(): void {}
  get attached(): boolean {
    return this.#sink !== undefined;
  }
  scan(code: string): void {
    this.#sink?.write(Buffer.from(`${code}\r\n`, 'latin1'));
  }
}

/** A scale streaming its reading every `everyMs`; `place()` settles through unstable readings to a stable one. */
export class ScaleEmulator implements DeviceEmulator {
  readonly kind = 'scale';
  #sink: ByteSink | undefined;
  #timer: NodeJS.Timeout | undefined;
  #grams = 0;
  #settling = 0;

  constructor(readonly everyMs = 100) {}

  attach(sink: ByteSink): void {
    this.#sink = sink;
    this.#timer = setInterval(() => this.#send(), this.everyMs);
    this.#timer.unref();
  }
  detach(): void {
    clearInterval(this.#timer);
    this.#sink = undefined;
  }
  receive(): void {}

  place(grams: number, settlingReadings = 3): void {
    this.#grams = grams;
    this.#settling = settlingReadings;
  }

  #send(): void {
    const wobble = this.#settling > 0 ? Math.round((this.#settling * 7.3) % 23) : 0;
    const stable = this.#settling === 0;
    if (this.#settling > 0) this.#settling--;
    this.#sink?.write(
      Buffer.from(`${formatWeighing({ grams: this.#grams + wobble, stable, overload: this.#grams > 30_000 })}\r\n`),
    );
  }
}

/** A receipt printer: reads ESC/POS back into receipts. */
export class PrinterEmulator implements DeviceEmulator {
  readonly kind = 'printer';
  readonly reader = new EscPosReader();
  attach(): void {}
  detach(): void {}
  receive(chunk: Buffer): void {
    this.reader.push(chunk);
  }
}
