import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The text model's labelled rows: the CSV (`label,text`; OR = written by a customer, CG = generated) read by a small
 * RFC 4180 parser (quoted fields, `""` inside quotes, newlines inside quotes, CRLF or LF, a BOM), and the moderators'
 * decisions (models-repository.ts reads them). Pure: no database, no clock.
 */

/** 1 = generated (fake), 0 = written by a customer. */
export type TextLabel = 0 | 1;

export interface LabelledText {
  readonly text: string;
  readonly label: TextLabel;
}

/** A review's text this long at most is learned from (the rest is cut; a review is at most 5,000 characters). */
export const MAX_TRAINING_TEXT = 20_000;

/** A CSV the text model cannot learn from (its line and what is wrong), so a training run fails saying why. */
export class TrainingCsvError extends Error {
  override readonly name = 'TrainingCsvError';
}

/**
 * Splits CSV text into records of fields. Throws TrainingCsvError on a quote left open or text after a closing quote.
 */
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
        if (i >= n) throw new TrainingCsvError(`line ${startLine}: a quoted field is never closed`);
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
        throw new TrainingCsvError(`line ${line}: text after a closing quote`);
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

/** Control characters other than tab and newline (NUL and friends) say nothing about a review: dropped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * The labelled rows of a training CSV: a header naming `label` and `text` (any order, other columns ignored), then one
 * row each. Rows with another label or an empty text are skipped and counted; a missing column throws.
 */
export function parseLabelledCsv(input: string): { rows: LabelledText[]; skipped: number } {
  const records = parseCsv(input);
  const header = records[0]?.map((h) => h.trim().toLowerCase());
  const li = header?.indexOf('label') ?? -1;
  const ti = header?.indexOf('text') ?? -1;
  if (li < 0 || ti < 0) throw new TrainingCsvError('line 1: the header names no `label` and `text` columns');
  const rows: LabelledText[] = [];
  let skipped = 0;
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.length === 1 && rec[0] === '') continue; // a blank line
    const label = rec[li]?.trim().toUpperCase();
    const text = (rec[ti] ?? '').replace(CONTROL, '').slice(0, MAX_TRAINING_TEXT);
    if ((label !== 'CG' && label !== 'OR') || text.trim() === '') {
      skipped++;
      continue;
    }
    rows.push({ text, label: label === 'CG' ? 1 : 0 });
  }
  return { rows, skipped };
}

/** The team's data set beside the repository (`<repo>/../shared/data/reviews/salminen2022-dev.csv`). */
export const DEFAULT_TRAINING_CSV = fileURLToPath(
  new URL('../../../../../../shared/data/reviews/salminen2022-dev.csv', import.meta.url),
);

/** The CSV a hub trains on: the one its settings name, else the team's when it is there; null = none (rules only). */
export function trainingCsvPath(configured: string | null): { path: string | null; why: string | null } {
  if (configured) return { path: configured, why: null };
  if (existsSync(DEFAULT_TRAINING_CSV)) return { path: DEFAULT_TRAINING_CSV, why: null };
  return {
    path: null,
    why: `no training data: REVIEWS_TRAINING_CSV is not set and ${DEFAULT_TRAINING_CSV} is not there (reviews are scored by the rules alone)`,
  };
}
