/**
 * RFC 4180 CSV: quoted fields (commas, `""` for a quote and newlines inside quotes), CRLF or LF, a leading BOM dropped.
 * One parser for the hub's CSVs (the demo catalog, the reviews text model's training data).
 */

/** A CSV that cannot be read (its line and what is wrong). */
export class CsvError extends Error {
  override readonly name: string = 'CsvError';
}

/** Splits CSV text into records of fields. Throws CsvError on a quote left open or text after a closing quote. */
export function parseCsv(input: string): string[][] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let line = 1;
  let i = 0;
  const n = text.length;
  let atFieldStart = true;
  while (i < n) {
    const c = text[i]!;
    if (atFieldStart && c === '"') {
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n) throw new CsvError(`line ${startLine}: a quoted field is never closed`);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const after = text[i];
      if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r')
        throw new CsvError(`line ${line}: text after a closing quote`);
      atFieldStart = false;
      continue;
    }
    if (c === ',') {
      record.push(field);
      field = '';
      atFieldStart = true;
      i++;
    } else if (c === '\n' || c === '\r') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      atFieldStart = true;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
    } else {
      field += c;
      atFieldStart = false;
      i++;
    }
  }
  if (!atFieldStart || field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** One CSV line of `fields` (quoted where a field holds a comma, a quote or a newline; null → empty). */
export function toCsvLine(fields: readonly (string | number | null)[]): string {
  return fields
    .map((f) => {
      const s = f === null ? '' : String(f);
      return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}
