import { withoutInvisible } from './minhash.js';

/**
 * A review's text as a sparse vector, by the hashing trick (no vocabulary to store): the text lower-cased with its
 * whitespace collapsed, then word 1…wordMax-grams and character charMin…charMax-grams, each hashed (FNV-1a, a
 * different seed per kind so a word and a 3-gram never share a slot on purpose) to one of 2^bits slots. A slot's
 * value is 1 + ln(count) (sublinear TF) times its IDF, and the row is L2-normalised. Pure and synchronous.
 */

/** What the features are: stored with a model (`spec`), so a hub hashes as the model was trained. */
export interface FeatureSpec {
  readonly bits: number;
  readonly wordMax: number;
  readonly charMin: number;
  readonly charMax: number;
}

export const DEFAULT_FEATURES: FeatureSpec = { bits: 19, wordMax: 3, charMin: 3, charMax: 5 };

/** A sparse row: slot indices ascending, with their values. */
export interface SparseRow {
  readonly idx: Uint32Array;
  readonly val: Float32Array;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_SEED = 0x9e3779b9;
const CHAR_SEED = 0x85ebca6b;
const WORD = /[\p{L}\p{N}']+/gu;

/**
 * Lower case, whitespace collapsed, and the invisible code points (format and default-ignorable: U+200B, U+00AD,
 * U+2060…) removed, so zero-width characters inside words neither split them nor make unseen character n-grams.
 */
export function normaliseText(text: string): string {
  return withoutInvisible(text).toLowerCase().replace(/\s+/g, ' ').trim();
}

function mix(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashString(s: string, seed: number): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** Every hashed feature of a text, one entry per occurrence (unsorted; the same slot may repeat). */
export function hashedFeatures(text: string, spec: FeatureSpec): Uint32Array {
  const t = normaliseText(text);
  const mask = (1 << spec.bits) - 1;
  const words = t.match(WORD) ?? [];
  const padded = ` ${t} `;
  const charSpan = Math.max(0, spec.charMax - spec.charMin + 1);
  const out = new Uint32Array(words.length * spec.wordMax + Math.max(0, padded.length) * Math.max(0, charSpan));
  let k = 0;
  const wordHashes = new Uint32Array(words.length);
  for (let w = 0; w < words.length; w++) {
    const h = hashString(words[w]!, WORD_SEED);
    wordHashes[w] = h;
    out[k++] = mix(h) & mask;
    let g = h;
    for (let n = 2; n <= spec.wordMax && w - n + 1 >= 0; n++) {
      g = (Math.imul(g, FNV_PRIME) ^ wordHashes[w - n + 1]!) + n;
      out[k++] = mix(g) & mask;
    }
  }
  for (let i = 0; i < padded.length; i++) {
    let h = (FNV_OFFSET ^ CHAR_SEED) >>> 0;
    for (let n = 1; n <= spec.charMax && i + n <= padded.length; n++) {
      h = Math.imul(h ^ padded.charCodeAt(i + n - 1), FNV_PRIME);
      if (n >= spec.charMin) out[k++] = mix(h ^ n) & mask;
    }
  }
  return out.subarray(0, k);
}

/** Distinct slots of a text with their counts, slots ascending. */
export function countedFeatures(text: string, spec: FeatureSpec): { idx: Uint32Array; counts: Float32Array } {
  const all = hashedFeatures(text, spec).sort();
  const idx = new Uint32Array(all.length);
  const counts = new Float32Array(all.length);
  let m = -1;
  for (let i = 0; i < all.length; i++) {
    if (m >= 0 && idx[m] === all[i]) counts[m]!++;
    else {
      m++;
      idx[m] = all[i]!;
      counts[m] = 1;
    }
  }
  return { idx: idx.subarray(0, m + 1), counts: counts.subarray(0, m + 1) };
}

/**
 * Smoothed IDF over the training texts' slots: ln((1 + n) / (1 + df)) + 1, and 0 for a slot no training text has (it
 * carries no weight, and leaving it out of the norm keeps an unseen word from diluting the rest).
 */
export function fitIdf(rows: readonly { idx: Uint32Array }[], bits: number): Float32Array {
  const df = new Float32Array(1 << bits);
  for (const r of rows) for (const j of r.idx) df[j]!++;
  const n = rows.length;
  for (let j = 0; j < df.length; j++) df[j] = df[j]! > 0 ? Math.log((1 + n) / (1 + df[j]!)) + 1 : 0;
  return df;
}

/** Sublinear TF × IDF, L2-normalised; slots with no IDF (unseen in training) dropped. */
export function weightRow(c: { idx: Uint32Array; counts: Float32Array }, idf: Float32Array): SparseRow {
  const idx = new Uint32Array(c.idx.length);
  const val = new Float32Array(c.idx.length);
  let m = 0;
  let norm = 0;
  for (let i = 0; i < c.idx.length; i++) {
    const w = idf[c.idx[i]!]!;
    if (w === 0) continue;
    const v = (1 + Math.log(c.counts[i]!)) * w;
    idx[m] = c.idx[i]!;
    val[m] = v;
    norm += v * v;
    m++;
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < m; i++) val[i]! *= inv;
  return { idx: idx.subarray(0, m), val: val.subarray(0, m) };
}
