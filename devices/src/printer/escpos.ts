/**
 * ESC/POS, the command set of nearly every receipt printer: the store's receipts rendered to bytes and read back.
 *
 * A receipt is: ESC @ (initialise), its lines (the header centred in bold), optionally a Code 128 barcode of its
 * number (centred: GS h height, GS w module width, GS H the human-readable text below, then GS k function B with
 * m = 73), then ESC d 3 (feed) and GS V 66 0 (partial cut).
 */
import { code128SymbolModules, code128Values } from '@storefleet/shared';

const ESC = 0x1b;
const GS = 0x1d;
const LF = 0x0a;
const BRACE = 0x7b; // '{': a code-set prefix in GS k 73 data ('{B', '{C'; '{{' is a literal brace)

/** GS k m for Code 128 in function B (a length byte, then that many data bytes). */
export const ESCPOS_CODE128 = 73;
/** Bar height in dots (10 mm at 203 dpi) and module width in dots: a sale number fits 80 mm paper with its quiet zones. */
const BARCODE_HEIGHT_DOTS = 80;
const BARCODE_MODULE_DOTS = 2;
/** GS H 2: the number printed in plain digits under the bars, for a cashier whose scanner fails. */
const HRI_BELOW = 2;

export interface ReceiptOptions {
  /** Lines printed bold and centred (the store's name). */
  readonly headerLines?: number;
  /** Feed and cut after the text (default true). */
  readonly cut?: boolean;
  /**
   * Printed as a Code 128 barcode after the text, before the cut (the sale's or the return's number): printable ASCII,
   * 1–80 characters (a RangeError otherwise).
   */
  readonly barcode?: string | null;
}

/**
 * Renders receipt text to ESC/POS: initialise, the header centred in bold, the body left-aligned, the barcode, then
 * feed and a partial cut. Printers speak a code page, not UTF-8: characters outside ASCII are sent as `?`.
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
  if (options.barcode) {
    const data = code128EscPosData(options.barcode);
    out.push(LF, ESC, 0x61, 1);
    out.push(GS, 0x68, BARCODE_HEIGHT_DOTS, GS, 0x77, BARCODE_MODULE_DOTS, GS, 0x48, HRI_BELOW);
    out.push(GS, 0x6b, ESCPOS_CODE128, data.length, ...data);
    out.push(ESC, 0x61, 0);
  }
  if (options.cut ?? true) out.push(ESC, 0x64, 3, GS, 0x56, 66, 0);
  return Buffer.from(out);
}

/**
 * ESC p m t1 t2: a pulse on the cash drawer's kick connector (pin 2 when m = 0), on for t1 × 2 ms and off for
 * t2 × 2 ms. The drawer wired to the receipt printer opens; nothing prints and nothing is cut.
 */
export const DRAWER_KICK = { pin: 0, onUnits: 25, offUnits: 250 } as const;
export function renderDrawerKick(kick: { pin: number; onUnits: number; offUnits: number } = DRAWER_KICK): Buffer {
  return Buffer.from([ESC, 0x70, kick.pin, kick.onUnits, kick.offUnits]);
}

/** A drawer kick as the printer received it: the connector pin (0: pin 2, 1: pin 5) and the pulse in milliseconds. */
export interface DrawerKick {
  readonly pin: number;
  readonly onMs: number;
  readonly offMs: number;
}

/**
 * The data bytes of GS k 73 for `text`: the code sets `code128Values` chose, each announced by `{B` or `{C`, set B
 * as its characters (a `{` doubled), set C as one byte (0–99) per digit pair. The printer adds the check symbol and
 * the stop itself.
 */
export function code128EscPosData(text: string): number[] {
  const values = code128Values(text).slice(0, -2); // without the check symbol and the stop
  const out: number[] = [];
  let set: 'B' | 'C' = 'B';
  for (const v of values) {
    if (v === 104 || v === 100) {
      set = 'B';
      out.push(BRACE, 0x42);
    } else if (v === 105 || v === 99) {
      set = 'C';
      out.push(BRACE, 0x43);
    } else if (set === 'C') out.push(v);
    else out.push(...(v + 32 === BRACE ? [BRACE, BRACE] : [v + 32]));
  }
  return out;
}

/** A barcode as the printer drew it. */
export interface PrintedBarcode {
  readonly symbology: 'CODE128';
  /** The text it carries, as the printer read its data; null when the data was not valid Code 128 (see `error`). */
  readonly data: string | null;
  /** The bars drawn ('1' dark module, '0' light), check symbol and stop included; '' when nothing could be drawn. */
  readonly modules: string;
  readonly heightDots: number;
  readonly moduleDots: number;
  readonly hri: 'none' | 'above' | 'below' | 'both';
  readonly error?: string;
}

export interface PrintedReceipt {
  readonly lines: string[];
  readonly cut: boolean;
  /** Barcodes printed on it, in order (absent when none). */
  readonly barcodes?: PrintedBarcode[];
}

const HRI = ['none', 'above', 'below', 'both'] as const;
/** Function A barcode data ends with NUL; a printer gives up on one this long without it. */
const MAX_NUL_DATA = 255;

/**
 * Reads ESC/POS back into text and barcodes (the printer emulator, tests): known commands are consumed with their
 * arguments, unknown ESC/GS sequences skip their code byte. Splits at each cut. A command split across chunks waits
 * for its next bytes; whatever bytes arrive, `push` never throws and returns once they are consumed or kept.
 */
export class EscPosReader {
  readonly receipts: PrintedReceipt[] = [];
  /** Every ESC p (cash drawer kick) received, in order. */
  readonly drawerKicks: DrawerKick[] = [];
  unknownCommands = 0;
  #lines: string[] = [];
  #barcodes: PrintedBarcode[] = [];
  #line = '';
  #pending: number[] = [];
  #height = 162; // the printers' defaults until GS h, GS w, GS H say otherwise
  #module = 3;
  #hri: PrintedBarcode['hri'] = 'none';

  push(chunk: Uint8Array): void {
    const b = [...this.#pending, ...chunk];
    let i = 0;
    for (; i < b.length; i++) {
      const c = b[i]!;
      if (c === ESC || c === GS) {
        const need = c === GS && b[i + 1] === 0x6b ? this.#barcodeLength(b, i) : argBytes(c, b[i + 1]);
        if (need === null || i + 1 + need >= b.length) break; // command split across chunks
        this.#command(c, b, i, need);
        i += 1 + Math.max(need, 0);
      } else if (c === LF) {
        this.#lines.push(this.#line);
        this.#line = '';
      } else if (c >= 0x20 && c < 0x7f) this.#line += String.fromCharCode(c);
    }
    this.#pending = b.slice(i);
  }

  /** Bytes after GS's code byte of a GS k at `i` (m, length, data), or null until enough of it has arrived. */
  #barcodeLength(b: number[], i: number): number | null {
    const m = b[i + 2];
    if (m === undefined) return null;
    if (m >= 65) return b[i + 3] === undefined ? null : 2 + b[i + 3]!;
    const nul = b.indexOf(0, i + 3);
    if (nul >= 0 && nul - (i + 3) <= MAX_NUL_DATA) return nul - i - 1;
    return b.length - (i + 3) > MAX_NUL_DATA ? 1 : null; // no NUL in time: skip GS k m, print nothing
  }

  #command(prefix: number, b: number[], i: number, need: number): void {
    const code = b[i + 1];
    const arg = b[i + 2]!;
    if (need < 0) this.unknownCommands++;
    else if (prefix === ESC && code === 0x70)
      this.drawerKicks.push({ pin: arg & 1, onMs: b[i + 3]! * 2, offMs: b[i + 4]! * 2 });
    else if (prefix === ESC) return;
    else if (code === 0x56) this.#cut();
    else if (code === 0x68) this.#height = arg;
    else if (code === 0x77) this.#module = arg;
    else if (code === 0x48) this.#hri = HRI[arg & 3]!;
    else if (code === 0x6b && arg === ESCPOS_CODE128) this.#barcodes.push(this.#code128(b.slice(i + 4, i + 2 + need)));
    else if (code === 0x6b) this.unknownCommands++; // another symbology: not emulated
  }

  #code128(data: number[]): PrintedBarcode {
    const drawn = { symbology: 'CODE128', heightDots: this.#height, moduleDots: this.#module, hri: this.#hri } as const;
    try {
      const { text, values } = readCode128Data(data);
      const check = values.reduce((n, v, k) => n + v * (k === 0 ? 1 : k), 0) % 103;
      return { ...drawn, data: text, modules: code128SymbolModules([...values, check, 106]) };
    } catch (err) {
      return { ...drawn, data: null, modules: '', error: (err as Error).message };
    }
  }

  #cut(): void {
    if (this.#line) this.#lines.push(this.#line);
    this.receipts.push({
      lines: this.#lines,
      cut: true,
      ...(this.#barcodes.length ? { barcodes: this.#barcodes } : {}),
    });
    this.#lines = [];
    this.#barcodes = [];
    this.#line = '';
  }
}

/**
 * GS k 73 data as a printer reads it: `{B`/`{C` select the code set (the first must), set B takes printable ASCII
 * (`{{` a brace), set C one byte 0–99 per digit pair. Returns the text and the symbol values (start and switches
 * included); throws an Error saying what is wrong (code set A, shifts and FNC codes are not emulated).
 */
function readCode128Data(data: number[]): { text: string; values: number[] } {
  if (data[0] !== BRACE || (data[1] !== 0x42 && data[1] !== 0x43))
    throw new Error('Code 128 data must start with {B or {C');
  const values: number[] = [];
  let set: 'B' | 'C' | null = null;
  let text = '';
  for (let k = 0; k < data.length; k++) {
    const d = data[k]!;
    const next = data[k + 1];
    if (d === BRACE && next !== BRACE) {
      if (next !== 0x42 && next !== 0x43) throw new Error(`Code 128 code {${next ?? ''} is not emulated`);
      const want = next === 0x42 ? 'B' : 'C';
      if (want !== set) values.push(set === null ? (want === 'B' ? 104 : 105) : want === 'B' ? 100 : 99);
      set = want;
      k++;
    } else if (set === 'C') {
      if (d > 99) throw new Error(`code set C takes bytes 0 to 99, not ${d}`);
      values.push(d);
      text += String(d).padStart(2, '0');
    } else {
      if (d < 0x20 || d > 0x7e) throw new Error(`code set B takes printable ASCII, not byte ${d}`);
      values.push(d - 32);
      text += String.fromCharCode(d);
      if (d === BRACE) k++; // '{{'
    }
  }
  if (!text) throw new Error('a Code 128 barcode with no data');
  return { text, values };
}

/** Argument bytes after the code byte of the fixed-length commands this module writes; -1 = unknown (skip the code byte only). */
function argBytes(prefix: number, code: number | undefined): number | null {
  if (code === undefined) return 0;
  if (prefix === ESC)
    return code === 0x40 ? 0 : code === 0x70 ? 3 : [0x61, 0x45, 0x64, 0x21, 0x2d].includes(code) ? 1 : -1;
  if (code === 0x56) return 2;
  return [0x68, 0x77, 0x48].includes(code) ? 1 : -1;
}
