/**
 * What a photo is, told by its bytes (never by its name or the caller's Content-Type): JPEG, PNG or WebP, and its
 * width and height from the header (PNG IHDR, JPEG SOFn, WebP VP8 / VP8L / VP8X). Pure functions on the first bytes.
 */

export type PhotoMediaType = 'image/jpeg' | 'image/png' | 'image/webp';
export const PHOTO_MEDIA_TYPES: readonly PhotoMediaType[] = ['image/jpeg', 'image/png', 'image/webp'];

/** Bytes enough to tell the type. */
export const SNIFF_BYTES = 16;

/** A photo is at most this many pixels wide and high, and this many pixels in all (50 MP). */
export const MAX_PHOTO_SIDE = 12_000;
export const MAX_PHOTO_PIXELS = 50_000_000;
export const PHOTO_SIZE_LIMIT = `a photo is at most ${MAX_PHOTO_SIDE} pixels a side and ${MAX_PHOTO_PIXELS / 1_000_000} megapixels`;

/** Why an image of `width` × `height` is too large to keep (PHOTO_SIZE_LIMIT and its size), or null when it is not. */
export function photoSizeProblem(width: number, height: number): string | null {
  if (width <= MAX_PHOTO_SIDE && height <= MAX_PHOTO_SIDE && width * height <= MAX_PHOTO_PIXELS) return null;
  return `${PHOTO_SIZE_LIMIT}, not ${width} × ${height}`;
}

/** The type the first bytes announce, or null (not one of the three, or too few bytes to tell). */
export function sniffPhotoType(head: Uint8Array): PhotoMediaType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= 8 && png.every((b, i) => head[i] === b)) return 'image/png';
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return 'image/webp';
  return null;
}

/**
 * Width and height from the header of an image of `type`, given its first bytes: `{width, height}`; 'more' when the
 * header lies past these bytes (a JPEG whose metadata comes first); 'invalid' when the header is not one.
 */
export function photoDimensions(
  type: PhotoMediaType,
  b: Uint8Array,
): { width: number; height: number } | 'more' | 'invalid' {
  const dims = (width: number, height: number) =>
    width > 0 && height > 0 && width <= 0x7fffffff && height <= 0x7fffffff ? { width, height } : 'invalid';
  if (type === 'image/png') {
    if (b.length < 24) return 'more';
    if (ascii(b, 12, 4) !== 'IHDR') return 'invalid';
    return dims(u32be(b, 16), u32be(b, 20));
  }
  if (type === 'image/webp') {
    if (b.length < 30) return 'more';
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8X') return dims(u24le(b, 24) + 1, u24le(b, 27) + 1);
    if (chunk === 'VP8L') {
      if (b[20] !== 0x2f) return 'invalid';
      const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
      return dims((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    }
    if (chunk === 'VP8 ') {
      if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return 'invalid';
      return dims((b[26]! | (b[27]! << 8)) & 0x3fff, (b[28]! | (b[29]! << 8)) & 0x3fff);
    }
    return 'invalid';
  }
  // JPEG: walk the segments after SOI up to the first start-of-frame (SOF0–SOF15 but DHT C4, JPG C8, DAC CC)
  let i = 2;
  for (;;) {
    if (i >= b.length) return 'more';
    if (b[i] !== 0xff) return 'invalid';
    while (i < b.length && b[i] === 0xff) i++; // fill bytes
    if (i >= b.length) return 'more';
    const marker = b[i]!;
    i++;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) return 'invalid'; // end of image or scan before any frame header
    if (i + 2 > b.length) return 'more';
    const len = (b[i]! << 8) | b[i + 1]!;
    if (len < 2) return 'invalid';
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 7 > b.length) return 'more';
      return dims((b[i + 5]! << 8) | b[i + 6]!, (b[i + 3]! << 8) | b[i + 4]!);
    }
    i += len;
  }
}

/** The media type of a Content-Type header (its parameters dropped, lower-cased), or null when none was sent. */
export function declaredMediaType(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const t = raw.split(';')[0]!.trim().toLowerCase();
  return t === '' ? null : t;
}

function ascii(b: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...b.subarray(at, at + n));
}
function u32be(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
function u24le(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
}
