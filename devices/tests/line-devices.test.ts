import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { code128Modules, decodeCode128 } from '@storefleet/shared';
import {
  code128EscPosData,
  EscPosReader,
  formatWeighing,
  LineSplitter,
  PrinterEmulator,
  parseScan,
  parseWeighing,
  renderReceipt,
} from '../src/index.js';

describe('barcode scanner lines', () => {
  it('accepts GTINs with a valid check digit and printable sku labels; refuses misreads and garbage', () => {
    expect(parseScan('4006381333931')).toEqual({ code: '4006381333931', gtin14: '04006381333931' });
    expect(parseScan('96385074')).toEqual({ code: '96385074', gtin14: '00000096385074' }); // GTIN-8
    expect(parseScan('4006381333932')).toBeUndefined(); // one digit misread
    expect(parseScan('SKU-00042')).toEqual({ code: 'SKU-00042', gtin14: null });
    expect(parseScan('\x00\x01ab')).toBeUndefined();
  });

  it('splits lines whatever the chunking and ends (CR, LF, CRLF), and caps a runaway line', () => {
    const s = new LineSplitter(32);
    expect([
      ...s.push(Buffer.from('40063813')),
      ...s.push(Buffer.from('33931\r')),
      ...s.push(Buffer.from('\nSKU-1\nX')),
    ]).toEqual(['4006381333931', 'SKU-1']);
    s.push(Buffer.alloc(100, 0x41));
    expect(s.counters.overflowBytes).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 })), (chunks) => {
        for (const c of chunks) for (const line of s.push(c)) parseScan(line);
      }),
    );
  });
});

describe('scale readings', () => {
  it('reads stable, unstable and overload lines in kg, g or lb', () => {
    expect(parseWeighing('ST,+0001.250kg')).toEqual({ grams: 1250, stable: true, overload: false });
    expect(parseWeighing('US,+0000.998kg')).toMatchObject({ grams: 998, stable: false });
    expect(parseWeighing('ST,+  250.0 g')).toMatchObject({ grams: 250 });
    expect(parseWeighing('ST,+0002.000lb')).toMatchObject({ grams: 907.2 });
    expect(parseWeighing('OL,+9999.999kg')).toMatchObject({ overload: true });
    expect(parseWeighing('ST,1.2kg')).toBeUndefined();
    fc.assert(
      fc.property(fc.integer({ min: -999_999, max: 999_999 }), fc.boolean(), (g, stable) => {
        expect(parseWeighing(formatWeighing({ grams: g, stable }))).toMatchObject({ grams: g, stable });
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => void parseWeighing(s)));
  });
});

describe('ESC/POS receipts', () => {
  it('renders a receipt the printer reads back line for line, with a cut, however the bytes are chunked', () => {
    const text = 'Storefleet #12\n2026-11-25 10:00:00 UTC\n1 x Crème brûlée      $4.99\nTOTAL                $4.99';
    const bytes = renderReceipt(text);
    expect([...bytes.subarray(0, 2)]).toEqual([0x1b, 0x40]);
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const reader = new EscPosReader();
      for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
      expect(reader.receipts).toEqual(
        [
          {
            lines: [
              'Storefleet #12',
              '2026-11-25 10:00:00 UTC',
              '1 x Cr?me br?l?e      $4.99',
              'TOTAL                $4.99',
              '',
              '',
              '',
            ],
            cut: true,
          },
        ].map((r) => ({ ...r, lines: r.lines.slice(0, 4) })),
      );
    }
  });
});

describe('ESC/POS Code 128 barcodes', () => {
  const text = 'Storefleet Riverside\nSale S001-03-00123 (lane 3)\nTOTAL                $4.99';
  const readAll = (bytes: Uint8Array, size = bytes.length) => {
    const printer = new PrinterEmulator();
    for (let i = 0; i < bytes.length; i += size) printer.receive(Buffer.from(bytes.subarray(i, i + size)));
    return printer.reader;
  };

  it('prints the sale number after the text and before the cut, as bars a scanner reads back to the number', () => {
    const bytes = renderReceipt(text, { barcode: 'S001-03-00123' });
    const gsk = bytes.indexOf(Buffer.from([0x1d, 0x6b, 73]));
    expect(gsk).toBeGreaterThan(bytes.indexOf(Buffer.from('TOTAL')));
    expect(gsk).toBeLessThan(bytes.indexOf(Buffer.from([0x1d, 0x56])));
    // Function B, m = 73, n bytes of data: '{B' S001-03-0, '{C' then 01 23 as one byte per pair.
    expect([...bytes.subarray(gsk + 3, gsk + 4 + bytes[gsk + 3]!)]).toEqual([
      15,
      ...Buffer.from('{BS001-03-0{C'),
      1,
      23,
    ]);
    for (const size of [1, 2, 5, bytes.length]) {
      const reader = readAll(bytes, size);
      expect(reader.receipts).toHaveLength(1);
      const [receipt] = reader.receipts;
      expect(receipt!.lines.slice(0, 3)).toEqual(text.split('\n'));
      expect(receipt!.barcodes).toHaveLength(1);
      const barcode = receipt!.barcodes![0]!;
      expect(barcode).toMatchObject({ symbology: 'CODE128', data: 'S001-03-00123', hri: 'below', moduleDots: 2 });
      // The printer draws the bars itself (check symbol and stop): the lane scanner reads them back to the number.
      expect(decodeCode128(barcode.modules)).toBe('S001-03-00123');
      expect(barcode.modules).toBe(code128Modules('S001-03-00123'));
      expect(reader.unknownCommands).toBe(0);
    }
  });

  it('fits 80 mm paper (576 dots) with its quiet zones, for any sale or return number', () => {
    for (const n of ['S001-03-00123', 'S001-99-99999999', 'S001-03-R00007', 'SLONGCODE-01-00001']) {
      const modules = readAll(renderReceipt('x', { barcode: n })).receipts[0]!.barcodes![0]!.modules;
      expect((modules.length + 20) * 2).toBeLessThanOrEqual(576);
    }
  });

  it('carries a brace and digits however they fall', () => {
    for (const n of ['{}', 'a{{b', '123456', '0', 'R1{2345678']) {
      expect(code128EscPosData(n)[0]).toBe(0x7b);
      const barcode = readAll(renderReceipt('x', { barcode: n })).receipts[0]!.barcodes![0]!;
      expect([barcode.data, decodeCode128(barcode.modules)]).toEqual([n, n]);
    }
  });

  it('a truncated or garbled GS k neither throws nor hangs; what follows a bad barcode still prints', () => {
    const good = renderReceipt(text, { barcode: 'S001-03-00123' });
    const gsk = good.indexOf(Buffer.from([0x1d, 0x6b]));
    for (let cut = gsk; cut < gsk + 20; cut++) {
      const reader = readAll(good.subarray(0, cut), 1);
      expect(reader.receipts).toEqual([]); // nothing cut yet: the printer waits for the rest
    }
    // Data that is not Code 128 (no code set, set C byte over 99, a lone brace): recorded as unreadable, not thrown.
    const bad = (data: number[]) => Buffer.from([0x1b, 0x40, 0x41, 0x0a, 0x1d, 0x6b, 73, data.length, ...data]);
    const cut = Buffer.from([0x1b, 0x64, 3, 0x1d, 0x56, 66, 0]);
    for (const data of [
      [],
      [0x41, 0x42],
      [0x7b, 0x43, 100],
      [0x7b, 0x42, 0x41, 0x7b],
      [0x7b, 0x41, 0x41],
      [0x7b, 0x42, 0x0a],
    ]) {
      const reader = readAll(Buffer.concat([bad(data), cut, good]));
      expect(reader.receipts).toHaveLength(2);
      expect(reader.receipts[0]!.barcodes![0]).toMatchObject({ data: null, modules: '' });
      expect(reader.receipts[1]!.barcodes![0]!.data).toBe('S001-03-00123');
    }
    // Function A data with no NUL: given up on after 255 bytes, and the receipt after it prints.
    const endless = Buffer.concat([Buffer.from([0x1d, 0x6b, 4]), Buffer.alloc(300, 0x31), Buffer.from('\n'), cut]);
    expect(readAll(endless, 7).receipts).toHaveLength(1);
    // Any bytes after GS k 73, in any chunks: push returns and never throws.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 50 }), (tail, size) => {
        const reader = readAll(Buffer.concat([Buffer.from([0x1d, 0x6b, 73]), tail, cut, good]), size);
        expect(reader.receipts.length).toBeLessThanOrEqual(3);
      }),
    );
  });
});

describe('an over-long scanner line', () => {
  it('is dropped up to its line end however it is chunked: its tail never becomes a scan', () => {
    const evil = `${'X'.repeat(300)}SKU-EVIL\r\n`;
    for (const cut of [1, 100, 257, 300, 304, evil.length - 1]) {
      const s = new LineSplitter();
      const lines = [
        ...s.push(Buffer.from(evil.slice(0, cut), 'latin1')),
        ...s.push(Buffer.from(evil.slice(cut), 'latin1')),
        ...s.push(Buffer.from('SKU-1\r\n')),
      ];
      expect({ cut, lines }).toEqual({ cut, lines: ['SKU-1'] });
      expect(s.counters.overflowBytes).toBeGreaterThanOrEqual(300);
    }
  });
});
