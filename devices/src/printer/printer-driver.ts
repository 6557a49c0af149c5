import type { ByteSink, DeviceDriver } from '../serial/serial-link.js';
import { renderDrawerKick, renderReceipt } from './escpos.js';

/** A receipt printer: write-only; a receipt sent while the port is down is refused (the till shows it on screen). */
export class PrinterDriver implements DeviceDriver {
  readonly kind = 'printer';
  printed = 0;
  drawerKicks = 0;
  #sink: ByteSink | undefined;

  onOpen(sink: ByteSink): void {
    this.#sink = sink;
  }

  onClose(): void {
    this.#sink = undefined;
  }

  onData(): void {} // status bytes (paper out) are not read yet

  /** Prints `text`, then `barcode` (the sale's or return's number) as Code 128 when given, then cuts. */
  print(text: string, barcode?: string | null): boolean {
    if (!this.#sink) return false;
    let bytes: Buffer;
    try {
      bytes = renderReceipt(text, { barcode });
    } catch {
      bytes = renderReceipt(text); // a number Code 128 cannot carry: the receipt still prints, with it in words
    }
    this.#sink.write(bytes);
    this.printed++;
    return true;
  }

  /**
   * Kicks the cash drawer wired to this printer (ESC p 0 25 250: pin 2, 50 ms on, 500 ms off); false while the port is
   * down. The printer cannot say whether a drawer is wired to it or opened: true means the kick was sent.
   */
  openDrawer(): boolean {
    if (!this.#sink) return false;
    this.#sink.write(renderDrawerKick());
    this.drawerKicks++;
    return true;
  }

  stats(): Record<string, number> {
    return { printed: this.printed, drawerKicks: this.drawerKicks };
  }
}
