import { isValidGtin, toGtin14 } from '@storefleet/shared';

export interface Scan {
  /** What the scanner sent, trimmed. */
  readonly code: string;
  /** Set when the code is a GTIN-8/12/13/14 with a valid check digit. */
  readonly gtin14: string | null;
}

export interface LineCounters {
  lines: number;
  rejected: number;
  /** Bytes dropped from an over-long line (no terminator in sight). */
  overflowBytes: number;
}

/** Splits a byte stream into CR/LF/CRLF-terminated lines, however the chunks fall; caps a runaway line. */
export class LineSplitter {
  #pending = '';
  constructor(
    readonly maxLine = 256,
    readonly counters: LineCounters = { lines: 0, rejected: 0, overflowBytes: 0 },
  ) {}

  push(chunk: Uint8Array): string[] {
    const text = this.#pending + Buffer.from(chunk).toString('latin1');
    const parts = text.split(/\r\n|\r|\n/);
    this.#pending = parts.pop()!;
    if (this.#pending.length > this.maxLine) {
      this.counters.overflowBytes += this.#pending.length;
      this.#pending = '';
    }
    const lines = parts.filter((l) => l.length > 0);
    this.counters.lines += lines.length;
    return lines;
  }
}

/**
 * Barcode scanners in serial (or USB-CDC) mode send each code as a line. A numeric code of GTIN length must carry a
 * valid check digit (a misread digit is refused, not looked up as another product); other printable codes up to 64
 * characters (Code 128 shelf labels with a sku) pass without a GTIN. Anything else is counted and dropped.
 */
export function parseScan(line: string): Scan | undefined {
  const code = line.trim();
  if (!code || code.length > 64 || !/^[\x20-\x7e]+$/.test(code)) return undefined;
  if (/^\d+$/.test(code) && [8, 12, 13, 14].includes(code.length)) return isValidGtin(code) ? { code, gtin14: toGtin14(code) } : undefined;
  return { code, gtin14: null };
}
