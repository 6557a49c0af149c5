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

/**
 * Splits a byte stream into CR/LF/CRLF-terminated lines, however the chunks fall. A line longer than `maxLine` is
 * dropped whole, up to its line end: once a runaway line is cut, the rest of it is skipped too, so its tail never
 * arrives as a line of its own (which chunking alone would otherwise decide).
 */
export class LineSplitter {
  #pending = '';
  /** Inside an over-long line: drop until the next line end. */
  #skipping = false;
  constructor(
    readonly maxLine = 256,
    readonly counters: LineCounters = { lines: 0, rejected: 0, overflowBytes: 0 },
  ) {}

  push(chunk: Uint8Array): string[] {
    let text = this.#pending + Buffer.from(chunk).toString('latin1');
    this.#pending = '';
    if (this.#skipping) {
      const end = text.search(/[\r\n]/);
      if (end === -1) {
        this.counters.overflowBytes += text.length;
        return [];
      }
      this.counters.overflowBytes += end;
      this.#skipping = false;
      text = text.slice(end);
    }
    const parts = text.split(/\r\n|\r|\n/);
    const last = parts.pop()!;
    if (last.length > this.maxLine) {
      this.counters.overflowBytes += last.length;
      this.#skipping = true;
    } else this.#pending = last;
    const lines: string[] = [];
    for (const l of parts) {
      if (l.length > this.maxLine) this.counters.overflowBytes += l.length;
      else if (l.length > 0) lines.push(l);
    }
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
  if (/^\d+$/.test(code) && [8, 12, 13, 14].includes(code.length))
    return isValidGtin(code) ? { code, gtin14: toGtin14(code) } : undefined;
  return { code, gtin14: null };
}
