import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { declaredMediaType, photoDimensions, photoSizeProblem, sniffPhotoType } from '../photo-types.js';

/** The header readers on their own: the segments a JPEG may carry before its frame header, cut and damaged headers. */
const seg = (marker: number, payload: Buffer) =>
  Buffer.concat([Buffer.from([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
const sof = (marker: number, w: number, h: number) =>
  seg(marker, Buffer.from([8, h >> 8, h & 0xff, w >> 8, w & 0xff, 1, 1, 0x11, 0]));

describe('photo headers', () => {
  it('reads a JPEG frame header after EXIF, tables, fill bytes; progressive (SOF2) too', () => {
    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      seg(0xe1, Buffer.alloc(60_000, 0x41)), // a big APP1 (EXIF) first
      seg(0xdb, Buffer.alloc(65, 1)), // DQT
      seg(0xc4, Buffer.alloc(30, 2)), // DHT is no frame header
      Buffer.from([0xff, 0xff]), // fill bytes before a marker
      sof(0xc2, 1024, 768),
    ]);
    expect(sniffPhotoType(jpeg)).toBe('image/jpeg');
    expect(photoDimensions('image/jpeg', jpeg)).toEqual({ width: 1024, height: 768 });
    // cut before the frame header: more bytes needed; a scan before any frame: not a readable image
    expect(photoDimensions('image/jpeg', jpeg.subarray(0, 30_000))).toBe('more');
    const scanFirst = Buffer.concat([Buffer.from([0xff, 0xd8]), seg(0xda, Buffer.alloc(10)), sof(0xc0, 1, 1)]);
    expect(photoDimensions('image/jpeg', scanFirst)).toBe('invalid');
    expect(photoDimensions('image/jpeg', Buffer.concat([Buffer.from([0xff, 0xd8]), sof(0xc0, 0, 5)]))).toBe('invalid');
    expect(photoDimensions('image/jpeg', Buffer.from([0xff, 0xd8, 0x00, 0x01]))).toBe('invalid');
  });

  it('reads libvips encodings and refuses damaged PNG and WebP headers', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(photoDimensions('image/png', png)).toEqual({ width: 300, height: 200 });
    const notIhdr = Buffer.from(png);
    notIhdr.write('IDAT', 12, 'latin1');
    expect(photoDimensions('image/png', notIhdr)).toBe('invalid');
    expect(photoDimensions('image/png', png.subarray(0, 20))).toBe('more');
    const webp = await sharp({ create: { width: 4000, height: 3, channels: 3, background: '#fff' } })
      .webp()
      .toBuffer();
    expect(photoDimensions('image/webp', webp)).toEqual({ width: 4000, height: 3 });
    const other = Buffer.from(webp);
    other.write('VP9 ', 12, 'latin1');
    expect(photoDimensions('image/webp', other)).toBe('invalid');
  });

  it('tells the type by the bytes only; declared types lose their parameters', () => {
    expect(sniffPhotoType(Buffer.from('GIF89a......'))).toBeNull();
    expect(sniffPhotoType(Buffer.from('RIFF....WAVE'))).toBeNull();
    expect(sniffPhotoType(Buffer.from([0x89, 0x50, 0x4e]))).toBeNull();
    expect(declaredMediaType('Image/PNG; charset=binary')).toBe('image/png');
    expect(declaredMediaType('  ')).toBeNull();
    expect(declaredMediaType(undefined)).toBeNull();
  });

  it('a photo is at most 12,000 pixels a side and 50 megapixels; the refusal names the limit and the size', () => {
    for (const [w, h] of [
      [12_000, 4_166],
      [1, 12_000],
      [7_071, 7_071],
    ] as const)
      expect([w, h, photoSizeProblem(w, h)]).toEqual([w, h, null]);
    for (const [w, h] of [
      [12_001, 1],
      [1, 12_001],
      [7_072, 7_072],
      [2147483647, 2147483647],
    ] as const)
      expect(photoSizeProblem(w, h)).toBe(`a photo is at most 12000 pixels a side and 50 megapixels, not ${w} × ${h}`);
  });
});
