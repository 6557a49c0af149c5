import type { ByteSink, DeviceDriver } from '../serial/serial-link.js';
import { renderReceipt } from './escpos.js';

/** A receipt printer: write-only; a receipt sent while the port is down is refused (the till shows it on screen). */
export class PrinterDriver implements DeviceDriver {
  readonly kind = 'printer';
  printed = 0;
  #sink: ByteSink | undefined;

  onOpen(sink: ByteSink): void {
    this.#sink = sink;
  }

  onClose(): void {
    this.#sink = undefined;
  }

  onData(): void {} // status bytes (paper out) are not read yet

  print(text: string): boolean {
    if (!this.#sink) return false;
    this.#sink.write(renderReceipt(text));
    this.printed++;
    return true;
  }

  stats(): Record<string, number> {
    return { printed: this.printed };
  }
}
