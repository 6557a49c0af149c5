import { createDeflate, crc32 } from 'node:zlib';
import sharp from 'sharp';

/** Images the thumbnail tests upload: real encodings made by libvips, and hand-made bad PNGs. */
export const solid = (width: number, height: number, format: 'png' | 'jpeg' | 'webp' | 'gif'): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: '#2f6fb0' } })
    [format]()
    .toBuffer();

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/**
 * A decompression bomb: a valid greyscale PNG of `edge` × `edge` black pixels, a few hundred kB that decode to
 * edge² bytes (16384 → 268 MB). Made a row at a time, so the test never holds the decoded image either.
 */
export async function pngBomb(edge: number): Promise<Buffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(edge, 0);
  header.writeUInt32BE(edge, 4);
  header[8] = 8; // bit depth; colour type 0 (grey), no interlace
  const deflate = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (d: Buffer) => out.push(d));
  const row = Buffer.alloc(edge + 1); // filter byte + pixels
  for (let i = 0; i < edge; i += 1) if (!deflate.write(row)) await new Promise((r) => deflate.once('drain', r));
  await new Promise((r) => deflate.end(r));
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', Buffer.concat(out)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG whose image data is garbage after a good header (a damaged download, a renamed file). */
export async function corruptPng(): Promise<Buffer> {
  const good = await solid(300, 200, 'png');
  const bad = Buffer.from(good);
  bad.fill(0x5a, 60, bad.length - 12);
  return bad;
}
