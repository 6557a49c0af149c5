import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CsvError, parseCsv as parseCsvText } from '@storefleet/shared';

/**
 * The text model's labelled rows: the CSV (`label,text`; OR = written by a customer, CG = generated) read by
 * @storefleet/shared's RFC 4180 parser (quoted fields, `""` inside quotes, newlines inside quotes, CRLF or LF, a BOM), and the moderators'
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
export class TrainingCsvError extends CsvError {
  override readonly name = 'TrainingCsvError';
}

/** Splits CSV text into records of fields (@storefleet/shared's parser); throws TrainingCsvError when it cannot. */
export function parseCsv(input: string): string[][] {
  try {
    return parseCsvText(input);
  } catch (err) {
    if (err instanceof CsvError) throw new TrainingCsvError(err.message);
    throw err;
  }
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
