import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const DOCUMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The bytes did not match the digest the hub's feed named: nothing was kept. */
export class DigestMismatchError extends Error {}

/**
 * The store's copies of document contents: one file per document, named by its id (a UUID, checked; never the
 * document's name, so no name reaches the file system), mode 0600 in a folder of mode 0700 beside the node's
 * database. A download goes to a temporary file, hashed as it streams, and is renamed into place only when its
 * SHA-256 and size are the ones the feed named; otherwise it is deleted.
 */
export class VaultCache {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // downloads a killed process left half-written
    for (const f of readdirSync(dir)) if (f.includes('.part-')) rmSync(join(dir, f), { force: true });
  }

  pathOf(documentId: string): string {
    if (!DOCUMENT_ID.test(documentId)) throw new Error(`not a document id: ${JSON.stringify(documentId)}`);
    return join(this.dir, documentId);
  }

  has(documentId: string): boolean {
    try {
      return statSync(this.pathOf(documentId)).isFile();
    } catch {
      return false;
    }
  }

  /** Streams `body` into the document's file when it hashes to `sha256` and is `size` bytes; throws otherwise. */
  async keep(
    documentId: string,
    body: ReadableStream<Uint8Array>,
    expected: { sha256: string; size: number },
  ): Promise<void> {
    const target = this.pathOf(documentId);
    const temp = `${target}.part-${randomBytes(6).toString('hex')}`;
    const hash = createHash('sha256');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > expected.size) return done(new DigestMismatchError(`more than the ${expected.size} bytes named`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const out = createWriteStream(temp, { mode: 0o600 });
    try {
      await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), count, out);
      const digest = hash.digest('hex');
      if (size !== expected.size || digest !== expected.sha256)
        throw new DigestMismatchError(
          `got ${size} bytes with SHA-256 ${digest}; the feed named ${expected.size} bytes with ${expected.sha256}`,
        );
      renameSync(temp, target);
    } catch (err) {
      // The file is opened asynchronously: a download refused before the open finished would find nothing to remove
      // and the open would then leave an empty part file behind. Wait for the stream to close first.
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      rmSync(temp, { force: true });
      throw err;
    }
  }

  remove(documentId: string): void {
    rmSync(this.pathOf(documentId), { force: true });
  }

  /** Files of documents the store no longer lists (a removal whose file could not be deleted then). */
  sweep(keep: ReadonlySet<string>): number {
    let removed = 0;
    for (const f of readdirSync(this.dir))
      if (DOCUMENT_ID.test(f) && !keep.has(f)) {
        rmSync(join(this.dir, f), { force: true });
        removed++;
      }
    return removed;
  }
}
