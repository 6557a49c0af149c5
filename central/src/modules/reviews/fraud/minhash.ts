/**
 * MinHash signatures of a review's text and their LSH bands, for near-duplicates across customers (pure; no I/O).
 *
 * - Text → normalised (format and default-ignorable code points removed — a zero-width space, soft hyphen or joiner
 *   inside a word must not split it, or a copy with U+200B after each word's first letter would share no shingle —
 *   then NFKC, lower case, anything but letters and digits a space) → shingles: word 3-grams, or
 *   character 5-grams of the normalised text when it has fewer than SHORT_TEXT_WORDS words (a short text has too few
 *   word 3-grams to compare).
 * - Each shingle hashed once (FNV-1a, 32 bits), then mixed with HASHES fixed seeds (murmur3's finaliser): the
 *   signature keeps each seed's minimum. Two texts agree at one position with probability = the Jaccard similarity of
 *   their shingle sets, so the share of equal positions estimates it (±0.04 at 128 hashes).
 * - LSH: BANDS bands of ROWS positions each; a band's 4 values hashed to one 64-bit bucket. Two texts land in a
 *   common bucket with probability 1 − (1 − J⁴)³², ≈ 0.9998 at J = 0.8 and ≈ 0.03 at J = 0.2.
 * - A text with no shingle (nothing but punctuation) has an empty signature (length 0) and no bucket.
 */
export const HASHES = 128;
export const BANDS = 32;
export const ROWS = 4;
export const SHORT_TEXT_WORDS = 8;
const CHAR_SHINGLE = 5;
const WORD_SHINGLE = 3;

/** The fixed seeds (a generator of its own, so a signature never changes between releases or processes). */
const SEEDS = (() => {
  const s = new Uint32Array(HASHES);
  let x = 0x9e3779b9;
  for (let i = 0; i < HASHES; i++) {
    x = (x + 0x6d2b79f5) >>> 0;
    s[i] = fmix32(x ^ 0x85ebca6b);
  }
  return s;
})();

function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Format characters (\p{Cf}: zero-width space and joiners, soft hyphen, bidi marks, word joiner, BOM…) and the other
 * default-ignorable code points (variation selectors, the combining grapheme joiner, Hangul fillers…): invisible,
 * so removed before anything reads the text — here and in the text model's features (text-features.ts).
 */
export const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/** The text without its invisible code points (INVISIBLE). */
export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** Lower case, letters and digits only, single spaces; invisible code points removed first (they join, not split). */
export function normaliseText(text: string): string {
  return withoutInvisible(text)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The distinct shingles' 32-bit hashes (each word hashed once; a 3-gram mixes its words' hashes in order). */
export function shingleHashes(text: string): Uint32Array {
  const norm = normaliseText(text);
  if (norm === '') return new Uint32Array(0);
  const words = norm.split(' ');
  const set = new Set<number>();
  if (words.length >= SHORT_TEXT_WORDS) {
    const wh = new Uint32Array(words.length);
    for (let i = 0; i < words.length; i++) wh[i] = fnv1a(words[i]!);
    for (let i = 0; i + WORD_SHINGLE <= wh.length; i++) {
      let h = Math.imul(wh[i]! ^ 0x9e3779b9, 0x01000193);
      h = Math.imul(h ^ wh[i + 1]!, 0x01000193);
      h = Math.imul(h ^ wh[i + 2]!, 0x01000193);
      set.add(fmix32(h));
    }
  } else if (norm.length <= CHAR_SHINGLE) {
    set.add(fnv1a(norm));
  } else {
    for (let i = 0; i + CHAR_SHINGLE <= norm.length; i++) {
      let h = 0x811c9dc5;
      for (let j = i; j < i + CHAR_SHINGLE; j++) h = Math.imul(h ^ norm.charCodeAt(j), 0x01000193);
      set.add(h >>> 0);
    }
  }
  return Uint32Array.from(set);
}

/** The text's MinHash signature: HASHES values, or none for a text with no letter or digit. */
export function minhash(text: string): Uint32Array {
  const shingles = shingleHashes(text);
  if (shingles.length === 0) return new Uint32Array(0);
  const sig = new Uint32Array(HASHES).fill(0xffffffff);
  const seeds = SEEDS;
  for (let j = 0; j < shingles.length; j++) {
    const x = shingles[j]!;
    for (let i = 0; i < HASHES; i++) {
      // fmix32(x ^ seed), inlined: the hot loop of scoring
      let v = x ^ seeds[i]!;
      v ^= v >>> 16;
      v = Math.imul(v, 0x85ebca6b);
      v ^= v >>> 13;
      v = Math.imul(v, 0xc2b2ae35);
      v = (v ^ (v >>> 16)) >>> 0;
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

/** The share of positions two signatures agree on: their estimated Jaccard similarity (0 when either is empty). */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== HASHES || b.length !== HASHES) return 0;
  let same = 0;
  for (let i = 0; i < HASHES; i++) if (a[i] === b[i]) same++;
  return same / HASHES;
}

/** One LSH bucket per band (as decimal strings of signed 64-bit integers, for a bigint column); none for no text. */
export function lshBuckets(sig: Uint32Array): { readonly band: number; readonly bucket: string }[] {
  if (sig.length !== HASHES) return [];
  const out: { band: number; bucket: string }[] = [];
  for (let band = 0; band < BANDS; band++) {
    let hi = 0x2545f491 ^ band;
    let lo = 0x6c8e9cf5 ^ Math.imul(band, 0x9e3779b9);
    for (let r = 0; r < ROWS; r++) {
      const v = sig[band * ROWS + r]!;
      hi = fmix32(Math.imul(hi ^ v, 0x01000193) + r);
      lo = fmix32(Math.imul(lo + v, 0x27d4eb2d) ^ hi);
    }
    out.push({ band, bucket: BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString() });
  }
  return out;
}

/** A signature as bytes (little-endian), for `review_signatures.signature`. */
export function signatureBytes(sig: Uint32Array): Uint8Array {
  const out = new Uint8Array(sig.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < sig.length; i++) view.setUint32(i * 4, sig[i]!, true);
  return out;
}

/** The signature back from its bytes (a Buffer from pg, a Uint8Array from PGlite). */
export function signatureFromBytes(bytes: Uint8Array): Uint32Array {
  const n = Math.floor(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sig = new Uint32Array(n);
  for (let i = 0; i < n; i++) sig[i] = view.getUint32(i * 4, true);
  return sig;
}
