import { describe, expect, it } from 'vitest';
import { code128Modules, code128SymbolModules, code128Values, decodeCode128 } from '../src/code128.js';

/** Widths of the runs of a module pattern ('1101' → [2, 1, 1]). */
const runs = (modules: string) => modules.match(/1+|0+/g)!.map((r) => r.length);

describe('Code 128 (sets B and C)', () => {
  it('encodes text in code set B with the mod-103 check symbol, worked by hand from the spec', () => {
    // Start B 104; A B C are 33 34 35; check (104 + 33·1 + 34·2 + 35·3) mod 103 = 310 mod 103 = 1; stop 106.
    expect(code128Values('ABC')).toEqual([104, 33, 34, 35, 1, 106]);
    // W i k i p e d i a = 55 73 75 73 80 69 68 73 65; Σ = 104 + 55 + 146 + 225 + 292 + 400 + 414 + 476 + 584 + 585 = 3281 → 88.
    expect(code128Values('Wikipedia')).toEqual([104, 55, 73, 75, 73, 80, 69, 68, 73, 65, 88, 106]);
  });

  it('packs digits two to a symbol in code set C where that is shorter', () => {
    // All digits: Start C 105, 12 34 56; (105 + 12 + 68 + 168) mod 103 = 44.
    expect(code128Values('123456')).toEqual([105, 12, 34, 56, 44, 106]);
    // A sale number: S001-03- in B, then the odd run 00123 leaves its first 0 in B and switches (99) to C for 01 23.
    // Σ = 104 + 51·1 + 16·2 + 16·3 + 17·4 + 13·5 + 16·6 + 19·7 + 13·8 + 16·9 + 99·10 + 1·11 + 23·12 = 2122 → 62.
    expect(code128Values('S001-03-00123')).toEqual([104, 51, 16, 16, 17, 13, 16, 19, 13, 16, 99, 1, 23, 62, 106]);
    // Short digit runs stay in B: switching would cost more than it saves.
    expect(code128Values('A12')).toEqual([104, 33, 17, 18, (104 + 33 + 34 + 54) % 103, 106]);
  });

  it('draws each symbol as 11 modules (the stop as 13), bars first, from the standard widths', () => {
    const m = code128Modules('ABC');
    expect(m).toHaveLength(5 * 11 + 13);
    expect(m.slice(0, 11)).toBe('11010010000'); // Start B, widths 211214
    expect(m.slice(11, 22)).toBe('10100011000'); // A (33), widths 111323
    expect(m.slice(-13)).toBe('1100011101011'); // stop, widths 2331112
    expect(m.startsWith('1') && m.endsWith('1')).toBe(true);
  });

  it('every symbol in the table is 11 modules with an even bar total, and no two are alike', () => {
    const seen = new Set<string>();
    for (let v = 0; v < 100; v++) {
      // Start C, then v as a digit pair: the second 11 modules are v's pattern.
      const symbol = code128Modules(`${String(v).padStart(2, '0')}00`).slice(11, 22);
      const widths = runs(symbol);
      expect(widths).toHaveLength(6);
      expect(widths.reduce((a, b) => a + b, 0)).toBe(11);
      expect((widths[0]! + widths[2]! + widths[4]!) % 2).toBe(0);
      seen.add(symbol);
    }
    expect(seen.size).toBe(100);
  });

  it('refuses what set B cannot carry', () => {
    expect(() => code128Values('')).toThrow(RangeError);
    expect(() => code128Values('café')).toThrow(/printable ASCII/);
    expect(() => code128Values('x'.repeat(81))).toThrow(/1 to 80/);
  });

  it('reads its own bars back as a scanner does, quiet zones and all, and refuses damaged bars', () => {
    for (const text of ['S001-03-00123', 'S001-03-R00007', '123456', 'A12', 'a{b}~ z', '7'])
      expect(decodeCode128(`${'0'.repeat(10)}${code128Modules(text)}${'0'.repeat(10)}`)).toBe(text);
    const m = code128Modules('S001-03-00123');
    const flipped = (i: number) => `${m.slice(0, i)}${m[i] === '1' ? '0' : '1'}${m.slice(i + 1)}`;
    expect(() => decodeCode128(m.slice(0, -1))).toThrow(/stop/);
    expect(() => decodeCode128(flipped(30))).toThrow(RangeError);
    // A valid symbol swapped for another valid one: only the check symbol catches it.
    const swapped = code128SymbolModules([104, 51, 16, 16, 17, 13, 16, 19, 13, 16, 99, 1, 24, 62, 106]);
    expect(() => decodeCode128(swapped)).toThrow(/check symbol/);
    expect(() => decodeCode128('')).toThrow(RangeError);
  });
});
