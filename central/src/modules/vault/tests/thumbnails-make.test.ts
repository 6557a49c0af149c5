import { Readable } from 'node:stream';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeThumbnail, THUMBNAIL_MAX_INPUT_BYTES, wantsThumbnail } from '../thumbnails.js';
import { corruptPng, pngBomb, solid } from './thumbnail-images.js';

const inPieces = (bytes: Buffer, size = 4096) =>
  Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    })(),
  );

async function looksAt(png: Buffer) {
  const m = await sharp(png).metadata();
  return { format: m.format, width: m.width, height: m.height };
}

describe('thumbnails of uploaded images', () => {
  it.each(['png', 'jpeg', 'webp', 'gif'] as const)('a wide %s becomes a PNG 256 px wide', async (format) => {
    const made = await makeThumbnail(inPieces(await solid(1200, 800, format)));
    if (!made.ok) throw new Error(made.reason);
    expect(await looksAt(made.png)).toEqual({ format: 'png', width: 256, height: 171 });
    expect(made).toMatchObject({ width: 256, height: 171 });
  });

  it('a tall image is 256 px high; a small one is not enlarged', async () => {
    const tall = await makeThumbnail(inPieces(await solid(300, 1000, 'jpeg')));
    if (!tall.ok) throw new Error(tall.reason);
    expect(await looksAt(tall.png)).toEqual({ format: 'png', width: 77, height: 256 });
    const small = await makeThumbnail(inPieces(await solid(40, 30, 'png')));
    if (!small.ok) throw new Error(small.reason);
    expect(await looksAt(small.png)).toEqual({ format: 'png', width: 40, height: 30 });
  });

  it('a corrupt or truncated PNG, or bytes that are no image, give no thumbnail and a reason', async () => {
    for (const bad of [
      await corruptPng(),
      (await solid(300, 200, 'png')).subarray(0, 60),
      Buffer.from('this is a text file'),
    ]) {
      const made = await makeThumbnail(inPieces(bad));
      expect(made.ok).toBe(false);
      if (!made.ok) expect(made.reason.length).toBeGreaterThan(0);
    }
  });

  it('a decompression bomb (16384² pixels in a few hundred kB) is refused before it is decoded', async () => {
    const bomb = await pngBomb(16_384);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const made = await makeThumbnail(inPieces(bomb, 64 * 1024));
    // the pixel limit is checked on the header, before any pixel is decoded (decoded, it would be 268 MB). No RSS
    // reading here: on a loaded machine it moves with everything else in the process, not with this image.
    expect(made).toEqual({ ok: false, reason: expect.stringMatching(/pixel limit/i) });
  });

  it('reads a refused input to its end (a tee feeding it is never left waiting)', async () => {
    const stream = inPieces(Buffer.alloc(200_000, 1));
    await makeThumbnail(stream);
    expect(stream.readableEnded).toBe(true);
  });

  it('only the four image types up to 50 MB get one', () => {
    expect(wantsThumbnail('image/png', 1000)).toBe(true);
    expect(wantsThumbnail('IMAGE/JPEG', 1000)).toBe(true);
    expect(wantsThumbnail('image/webp', THUMBNAIL_MAX_INPUT_BYTES)).toBe(true);
    expect(wantsThumbnail('image/gif', THUMBNAIL_MAX_INPUT_BYTES + 1)).toBe(false);
    expect(wantsThumbnail('image/svg+xml', 1000)).toBe(false);
    expect(wantsThumbnail('application/pdf', 1000)).toBe(false);
    expect(wantsThumbnail('image/png', 0)).toBe(false);
  });
});
