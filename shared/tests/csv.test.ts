import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, toCsvLine } from '../src/csv.js';

describe('CSV (RFC 4180)', () => {
  it('reads quoted commas, doubled quotes, newlines inside quotes, CRLF and a BOM', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi""\nthere"\n,last\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
      ['', 'last'],
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('one')).toEqual([['one']]);
  });

  it('refuses a quote left open and text after a closing quote, naming the line', () => {
    expect(() => parseCsv('a\n"open,b\n')).toThrow(new CsvError('line 2: a quoted field is never closed'));
    expect(() => parseCsv('"x"y')).toThrow(CsvError);
  });

  it('writes what it reads back', () => {
    const fields = ['plain', 'with, comma', 'a "quote"', 'two\nlines', 7, null];
    const line = toCsvLine(fields);
    expect(line).toBe('plain,"with, comma","a ""quote""","two\nlines",7,');
    expect(parseCsv(line)).toEqual([['plain', 'with, comma', 'a "quote"', 'two\nlines', '7', '']]);
  });
});
