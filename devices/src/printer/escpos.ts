/** ESC/POS, the command set of nearly every receipt printer: the store's receipts rendered to bytes and read back. */
const ESC = 0x1b;
const GS = 0x1d;
const LF = 0x0a;

export interface ReceiptOptions {
  /** Lines printed bold and centred (the store's name). */
  readonly headerLines?: number;
  /** Feed and cut after the text (default true). */
  readonly cut?: boolean;
}

/**
 * Renders receipt text to ESC/POS: initialise, the header centred in bold, the body left-aligned, then feed and a
 * partial cut. Printers speak a code page, not UTF-8: characters outside ASCII are sent as `?`.
 */
export function renderReceipt(text: string, options: ReceiptOptions = {}): Buffer {
  const header = options.headerLines ?? 1;
  const out: number[] = [ESC, 0x40];
  text.split('\n').forEach((line, i) => {
    const head = i < header;
    if (head) out.push(ESC, 0x61, 1, ESC, 0x45, 1);
    for (const ch of line) {
      const c = ch.codePointAt(0)!;
      out.push(c >= 0x20 && c < 0x7f ? c : 0x3f);
    }
    out.push(LF);
    if (head) out.push(ESC, 0x45, 0, ESC, 0x61, 0);
  });
  if (options.cut ?? true) out.push(ESC, 0x64, 3, GS, 0x56, 66, 0);
  return Buffer.from(out);
}

export interface PrintedReceipt {
  readonly lines: string[];
  readonly cut: boolean;
}

/**
 * Reads ESC/POS back into text (the printer emulator, tests): known commands are consumed with their arguments,
 * unknown ESC/GS sequences skip their code byte. Splits at each cut.
 */
export class EscPosReader {
  readonly receipts: PrintedReceipt[] = [];
  unknownCommands = 0;
  #lines: string[] = [];
  #line = '';
  #pending: number[] = [];

  push(chunk: Uint8Array): void {
    const b = [...this.#pending, ...chunk];
    let i = 0;
    for (; i < b.length; i++) {
      const c = b[i]!;
      if (c === ESC || c === GS) {
        const need = argBytes(c, b[i + 1]);
        if (i + 1 + need >= b.length) break; // command split across chunks
        if (c === GS && b[i + 1] === 0x56) this.#cut();
        if (need < 0) this.unknownCommands++;
        i += 1 + Math.max(need, 0);
      } else if (c === LF) {
        this.#lines.push(this.#line);
        this.#line = '';
      } else if (c >= 0x20 && c < 0x7f) this.#line += String.fromCharCode(c);
    }
    this.#pending = b.slice(i);
  }

  #cut(): void {
    if (this.#line) this.#lines.push(this.#line);
    this.receipts.push({ lines: this.#lines, cut: true });
    this.#lines = [];
    this.#line = '';
  }
}

/** Argument bytes after the code byte of the commands this module writes; -1 = unknown (skip the code byte only). */
function argBytes(prefix: number, code: number | undefined): number {
  if (code === undefined) return 0;
  if (prefix === ESC) return code === 0x40 ? 0 : [0x61, 0x45, 0x64, 0x21, 0x2d].includes(code) ? 1 : -1;
  return code === 0x56 ? 2 : -1;
}
