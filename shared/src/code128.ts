/**
 * Code 128 (ISO/IEC 15417), code sets B and C: what a receipt prints under its sale number so the lane's scanner can
 * read it back. Pure: text in, symbol values and bar modules out; the page draws the modules as an inline SVG.
 *
 * A symbol is: start (B 104 or C 105), data symbols, a check symbol, stop. Code set B carries printable ASCII
 * (value = char code − 32); code set C carries two digits per symbol (value 0–99); "Code C" (99) and "Code B" (100)
 * switch between them. The check symbol is (start + Σ position × value) mod 103, positions counted from 1 after the
 * start. Each symbol is six bar/space widths summing to 11 modules; the stop is seven widths, 13 modules.
 *
 * Digits go to code set C where that makes the symbol shorter: a whole text of digits (even length), four or more at
 * the start or end, six or more in the middle; an odd run leaves its first digit in B (its last, at the start).
 */

/** Widths (bar, space, bar, space, bar, space) of symbol values 0–105, from the Code 128 symbol table. */
// biome-ignore format: ten to a row, as the standard's table reads
const WIDTHS = [
  '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213',
  '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132',
  '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211',
  '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313',
  '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331',
  '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111',
  '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214',
  '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111',
  '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141',
  '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141',
  '114131', '311141', '411131', '211412', '211214', '211232',
];
const STOP_WIDTHS = '2331112';

const START_B = 104;
const START_C = 105;
const TO_C = 99;
const TO_B = 100;
const STOP = 106;

/** The longest text a receipt barcode carries (a sale number is 13–40 characters). */
export const CODE128_MAX_LENGTH = 80;

/**
 * The symbol values of `text`: start, data, check, stop. Throws a RangeError for an empty or over-long text or a
 * character outside printable ASCII (code set B's range).
 */
export function code128Values(text: string): number[] {
  if (!text.length || text.length > CODE128_MAX_LENGTH)
    throw new RangeError(`a Code 128 barcode carries 1 to ${CODE128_MAX_LENGTH} characters, not ${text.length}`);
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (ch.length !== 1 || c < 32 || c > 126)
      throw new RangeError(`Code 128 set B carries printable ASCII only, not ${JSON.stringify(ch)}`);
  }
  const data: number[] = [];
  let set: 'B' | 'C' | null = null;
  const use = (want: 'B' | 'C') => {
    if (set === want) return;
    if (set !== null) data.push(want === 'C' ? TO_C : TO_B);
    else data.push(want === 'C' ? START_C : START_B);
    set = want;
  };
  const pairs = (digits: string) => {
    use('C');
    for (let i = 0; i < digits.length; i += 2) data.push(Number(digits.slice(i, i + 2)));
  };
  const plain = (chars: string) => {
    use('B');
    for (const ch of chars) data.push(ch.charCodeAt(0) - 32);
  };
  const runs = text.match(/\d+|\D+/g)!;
  for (const [i, run] of runs.entries()) {
    const first = i === 0;
    const last = i === runs.length - 1;
    const long = first && last ? run.length % 2 === 0 || run.length >= 4 : run.length >= (first || last ? 4 : 6);
    if (!/^\d/.test(run) || !long) plain(run);
    else if (run.length % 2 === 0) pairs(run);
    else if (first) {
      pairs(run.slice(0, -1));
      plain(run.slice(-1));
    } else {
      plain(run.slice(0, 1));
      pairs(run.slice(1));
    }
  }
  const check = data.reduce((sum, v, i) => sum + v * (i === 0 ? 1 : i), 0) % 103;
  return [...data, check, STOP];
}

/** The bar pattern of `text`: '1' a dark module, '0' a light one, without quiet zones (leave 10 modules each side). */
export function code128Modules(text: string): string {
  return code128SymbolModules(code128Values(text));
}

/**
 * The bar pattern of symbol values as they are (0–106, the stop included by the caller): what a printer draws for the
 * values it chose itself (the ESC/POS emulator). Throws a RangeError for a value outside the table.
 */
export function code128SymbolModules(values: readonly number[]): string {
  return values
    .map((v) => {
      const widths = v === STOP ? STOP_WIDTHS : WIDTHS[v];
      if (!Number.isInteger(v) || widths === undefined) throw new RangeError(`${v} is not a Code 128 symbol value`);
      return [...widths].map((w, i) => (i % 2 === 0 ? '1' : '0').repeat(Number(w))).join('');
    })
    .join('');
}

/**
 * Reads a bar pattern back as a scanner does ('1' dark, '0' light; quiet zones of light modules either side are
 * allowed): the start (B or C), the data, the check symbol and the stop, each checked. Returns the text; throws a
 * RangeError naming what is wrong (an unknown symbol, a wrong check symbol, no stop, code set A, which receipts never
 * use).
 */
export function decodeCode128(modules: string): string {
  const bars = modules.replace(/^0+|0+$/g, '');
  if (!/^[01]+$/.test(bars) || !bars.endsWith(code128SymbolModules([STOP])))
    throw new RangeError('no Code 128 stop pattern at the end');
  const body = bars.slice(0, -13); // the stop is 13 modules
  if (body.length === 0 || body.length % 11 !== 0) throw new RangeError('not a whole number of Code 128 symbols');
  const patterns = new Map(WIDTHS.map((_, v) => [code128SymbolModules([v]), v]));
  const values = Array.from({ length: body.length / 11 }, (_, i) => {
    const v = patterns.get(body.slice(i * 11, i * 11 + 11));
    if (v === undefined) throw new RangeError(`symbol ${i + 1} is not a Code 128 symbol`);
    return v;
  });
  const check = values.pop();
  const sum = values.reduce((n, v, i) => n + v * (i === 0 ? 1 : i), 0) % 103;
  if (values.length < 2 || check !== sum) throw new RangeError('the Code 128 check symbol does not match');
  let set: 'B' | 'C';
  if (values[0] === START_B) set = 'B';
  else if (values[0] === START_C) set = 'C';
  else throw new RangeError('the barcode starts in a code set other than B or C');
  let text = '';
  for (const v of values.slice(1)) {
    if (v === TO_C && set === 'B') set = 'C';
    else if (v === TO_B && set === 'C') set = 'B';
    else if (set === 'C' && v < 100) text += String(v).padStart(2, '0');
    else if (set === 'B' && v < 95) text += String.fromCharCode(v + 32);
    else throw new RangeError(`symbol value ${v} is a function this reader does not take`);
  }
  return text;
}
