import type { Readable } from 'node:stream';
import sharp from 'sharp';

/** The image types a thumbnail is made for. */
export const THUMBNAIL_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
]);
/** Larger images get none: libvips keeps the encoded image in memory while it decodes. */
export const THUMBNAIL_MAX_INPUT_BYTES = 50 * 1024 * 1024;
/** The thumbnail's long side at most, in pixels. */
export const THUMBNAIL_EDGE = 256;
/**
 * Images claiming more pixels than this are refused before they are decoded: a "decompression bomb" (a few kB of PNG
 * saying 50,000 × 50,000) would otherwise take gigabytes. 64 M pixels still takes a 48 MP phone photo.
 */
export const THUMBNAIL_MAX_PIXELS = 64 * 1024 * 1024;

/** Whether a version of this type and size gets a thumbnail. */
export function wantsThumbnail(mediaType: string, size: number): boolean {
  return THUMBNAIL_MEDIA_TYPES.has(mediaType.toLowerCase()) && size > 0 && size <= THUMBNAIL_MAX_INPUT_BYTES;
}

export type ThumbnailResult =
  | { readonly ok: true; readonly png: Buffer; readonly width: number; readonly height: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads an image from `stream` and makes a PNG at most THUMBNAIL_EDGE pixels on its long side (never enlarged; the
 * first frame of an animation). An image that cannot be decoded, is truncated, or is larger than THUMBNAIL_MAX_PIXELS
 * gives `{ ok: false, reason }`, never a throw: a bad image is the uploader's business, not the job's. The stream is
 * read to its end either way (so a tee feeding it is never stuck), and at most THUMBNAIL_MAX_INPUT_BYTES of it kept.
 */
export async function makeThumbnail(stream: Readable): Promise<ThumbnailResult> {
  const image = sharp({ limitInputPixels: THUMBNAIL_MAX_PIXELS, failOn: 'error', pages: 1 })
    .rotate() // as the camera held it (EXIF orientation)
    .resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true })
    .png();
  let failed: Error | null = null;
  image.on('error', (err: Error) => {
    failed ??= err;
  });
  let taken = 0;
  try {
    for await (const piece of stream) {
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string);
      taken += chunk.length;
      if (failed) continue;
      if (taken > THUMBNAIL_MAX_INPUT_BYTES) {
        failed = new Error(`the image is larger than ${THUMBNAIL_MAX_INPUT_BYTES} bytes`);
        image.destroy();
        continue;
      }
      if (!image.write(chunk)) await waitForDrainOrError(image);
    }
  } catch (err) {
    image.destroy();
    throw err; // the source failed (a tampered blob): not the image's fault, so the caller decides
  }
  if (failed) {
    image.destroy();
    return { ok: false, reason: describe(failed) };
  }
  // sharp decodes once its input has ended; asked for its output only now, so no promise is left waiting on a
  // stream that was destroyed
  const output = image.toBuffer({ resolveWithObject: true });
  image.end();
  try {
    const { data, info } = await output;
    return { ok: true, png: data, width: info.width, height: info.height };
  } catch (err) {
    return { ok: false, reason: describe(err as Error) };
  }
}

function waitForDrainOrError(w: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      w.off('drain', done);
      w.off('error', done);
      w.off('close', done);
      resolve();
    };
    w.on('drain', done);
    w.on('error', done);
    w.on('close', done);
  });
}

/** libvips' messages run to several lines of internals; the first line says what was wrong. */
function describe(err: Error): string {
  const first = (err.message || String(err)).split('\n')[0]!.trim();
  return first.slice(0, 300) || 'the image could not be read';
}
