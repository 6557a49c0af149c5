import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EscPosReader, formatWeighing, LineSplitter, parseScan, parseWeighing, renderReceipt } from '../src/index.js';

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
