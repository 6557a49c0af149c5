import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';

/**
 * An OCI image layout on disk (image-spec `image-layout.md`) built for the real-client tests and the `registry`
 * benchmark: `oci-layout`, `index.json` naming each image by its tag (`org.opencontainers.image.ref.name`), and
 * `blobs/sha256/<hex>`. Layers are tar archives made by `tarArchive` (gzip'd, or plain for the benchmark's
 * incompressible layers); the config's `rootfs.diff_ids` are the SHA-256 of the uncompressed tars, as podman checks
 * when it unpacks them. `skopeo copy oci:<dir>:<tag> docker://…` reads it as is.
 */

export const LAYOUT_MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
} as const;

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** One entry of a tar archive: a directory (name ends with '/') or a regular file. */
export interface TarEntry {
  readonly path: string;
  readonly content?: Buffer | string;
}

const BLOCK = 512;

/** A ustar header for `path` (≤ 100 bytes) of `size` bytes; `dir` makes a directory entry. */
export function tarHeader(path: string, size: number, dir: boolean): Buffer {
  if (Buffer.byteLength(path) > 100) throw new Error(`tar: path too long for this writer: ${path}`);
  const h = Buffer.alloc(BLOCK);
  const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0');
  h.write(path, 0, 100, 'utf8');
  h.write(octal(dir ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(1_700_000_000, 12), 136, 'ascii'); // a fixed mtime: the same entries make the same bytes
  h.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  h.write(dir ? '5' : '0', 156, 'ascii');
  h.write('ustar\u000000', 257, 'binary');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'binary');
  return h;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** A tar archive of `entries`, in memory (the tests' layers are small). */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const dir = e.path.endsWith('/');
    const body = dir ? Buffer.alloc(0) : Buffer.from(e.content ?? '');
    parts.push(tarHeader(e.path, body.length, dir), body, padding(body.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** A layer as it goes into a manifest: the blob's digest and size, and the uncompressed tar's digest. */
export interface LayerBlob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly diffId: string;
}

/** What `OciLayout.addImage` wrote: digests a test compares with what a registry holds. */
export interface BuiltImage {
  readonly tag: string;
  readonly manifestDigest: string;
  readonly manifest: Buffer;
  readonly configDigest: string;
  readonly layers: readonly LayerBlob[];
}

export class OciLayout {
  readonly #tags: { tag: string; digest: string; size: number }[] = [];
  private constructor(readonly dir: string) {}

  /** Makes an empty layout in `dir` (created). */
  static async create(dir: string): Promise<OciLayout> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const layout = new OciLayout(dir);
    await layout.#writeIndex();
    return layout;
  }

  blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  }

  async addBlob(bytes: Buffer | string): Promise<{ digest: string; size: number }> {
    const digest = sha256(bytes);
    await writeFile(this.blobPath(digest), bytes);
    return { digest, size: Buffer.byteLength(bytes) };
  }

  /** A gzip'd tar layer of `entries`. */
  async addLayer(entries: readonly TarEntry[]): Promise<LayerBlob> {
    const tar = tarArchive(entries);
    const blob = await this.addBlob(gzipSync(tar));
    return { mediaType: LAYOUT_MEDIA.layerGzip, ...blob, diffId: sha256(tar) };
  }

  /**
   * A layer holding one file of `bytes` random (incompressible) bytes, streamed to disk a MiB at a time (the
   * benchmark's layers are tens of MB each). gzip'd at level 0 (stored blocks: as big as the tar, cheap to make): a
   * client pushing to a registry keeps a gzip'd layer as it is, where it would compress a plain tar on the way.
   */
  async addRandomLayer(name: string, bytes: number): Promise<LayerBlob> {
    const tmp = join(this.dir, `tmp-${randomBytes(6).toString('hex')}`);
    const diff = createHash('sha256');
    const blob = createHash('sha256');
    let size = 0;
    async function* tar() {
      const hashed = (c: Buffer) => {
        diff.update(c);
        return c;
      };
      yield hashed(tarHeader(name, bytes, false));
      for (let left = bytes; left > 0; left -= 1024 ** 2) yield hashed(randomBytes(Math.min(left, 1024 ** 2)));
      yield hashed(Buffer.concat([padding(bytes), Buffer.alloc(BLOCK * 2)]));
    }
    async function* counted(source: AsyncIterable<Buffer>) {
      for await (const c of source) {
        blob.update(c);
        size += c.length;
        yield c;
      }
    }
    await pipeline(tar, createGzip({ level: 0 }), counted, createWriteStream(tmp));
    const digest = `sha256:${blob.digest('hex')}`;
    await rename(tmp, this.blobPath(digest));
    return { mediaType: LAYOUT_MEDIA.layerGzip, digest, size, diffId: `sha256:${diff.digest('hex')}` };
  }

  /** An image of `layers` (bottom first) with a runnable-looking config, tagged `tag` in index.json. */
  async addImage(tag: string, layers: readonly LayerBlob[], labels: Record<string, string> = {}): Promise<BuiltImage> {
    const config = Buffer.from(
      JSON.stringify({
        created: '2026-01-01T00:00:00Z',
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: ['/bin/app'], Labels: { 'org.storefleet.test': tag, ...labels } },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        history: layers.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `layer ${i}` })),
      }),
    );
    const cfg = await this.addBlob(config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: LAYOUT_MEDIA.manifest,
        config: { mediaType: LAYOUT_MEDIA.config, digest: cfg.digest, size: cfg.size },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      }),
    );
    const m = await this.addBlob(manifest);
    this.#tags.push({ tag, digest: m.digest, size: m.size });
    await this.#writeIndex();
    return { tag, manifestDigest: m.digest, manifest, configDigest: cfg.digest, layers };
  }

  /** The manifest digest `index.json` names for `tag` (what a `skopeo copy … oci:<dir>:<tag>` wrote, say). */
  static async digestOf(dir: string, tag: string): Promise<string | undefined> {
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    return index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)?.digest;
  }

  async #writeIndex(): Promise<void> {
    await writeFile(
      join(this.dir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: LAYOUT_MEDIA.index,
        manifests: this.#tags.map((t) => ({
          mediaType: LAYOUT_MEDIA.manifest,
          digest: t.digest,
          size: t.size,
          annotations: { 'org.opencontainers.image.ref.name': t.tag },
        })),
      }),
    );
  }
}
