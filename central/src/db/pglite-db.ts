import { randomUUID } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.js';
import { runAll } from './pg-db.js';
import { asUnreachable, DatabaseUnreachableError } from './db-unreachable.js';

let imageOnce: Promise<Blob | undefined> | undefined;

/** Where the fresh database's image is kept between processes: the temp folder, named by PGlite's version. */
function imageFile(): string {
  const pkg = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'));
  const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string };
  return join(tmpdir(), `storefleet-pglite-${version}-fresh.tar`);
}

/**
 * The files of a fresh PGlite database (after initdb, before any migration): read from the temp folder when an
 * earlier process left them, else made here and left there (written aside, then renamed: a reader never sees half).
 */
async function freshImage(): Promise<Blob> {
  const file = imageFile();
  // only an image this user wrote and nobody else may change (the temp folder is shared): not a link, not writable
  // by group or others — another user's file there is never loaded (it could hold any data)
  const kept = await readOurs(file);
  // the bytes copied into a plain Uint8Array: Blob's type refuses a Buffer, which may sit on a shared buffer
  if (kept) return new Blob([new Uint8Array(kept)]);
  const fresh = await PGlite.create();
  try {
    const image = await fresh.dumpDataDir('none');
    const aside = `${file}.${process.pid}.${randomUUID()}`;
    await writeFile(aside, Buffer.from(await image.arrayBuffer()), { mode: 0o600, flag: 'wx' })
      .then(() => rename(aside, file))
      .catch(() => rm(aside, { force: true }));
    return image;
  } finally {
    await fresh.close();
  }
}

/** The file's bytes if it is a plain file (opened without following a link) owned by this user, writable by no other. */
async function readOurs(file: string): Promise<Buffer | undefined> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) return undefined;
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * PGlite is one backend in-process. Every top-level call goes through one FIFO lock so a query from another request
 * can never run inside someone else's open transaction.
 */
export class PgliteDb implements Db {
  readonly dialect = 'pglite' as const;
  readonly #pg: PGlite;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(pg: PGlite) {
    this.#pg = pg;
  }

  /**
   * `dataDir` undefined → in memory (tests, the demo); otherwise a folder that persists across restarts. An in-memory
   * database starts from an image of a fresh one (freshImage below): PGlite's initdb takes ~2 s of WASM, the image
   * loads in ~0.5 s, and a test run opens hundreds of them.
   */
  static async open(dataDir?: string): Promise<PgliteDb> {
    if (dataDir !== undefined) return new PgliteDb(await PGlite.create(dataDir));
    imageOnce ??= freshImage().catch(() => undefined); // no image: every open runs initdb, as before
    const image = await imageOnce;
    if (image) {
      try {
        return new PgliteDb(await PGlite.create({ loadDataDir: image }));
      } catch {
        imageOnce = undefined; // a damaged image: made again by the next open
        await rm(imageFile(), { force: true }).catch(() => undefined);
      }
    }
    return new PgliteDb(await PGlite.create());
  }

  /** Runs `fn` after every call before it; its failure is told as the Postgres stack tells it (disk full → 507). */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run.catch((err: unknown) => {
      throw asUnreachable(err);
    });
  }

  query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return this.#serial(async () => toResult<R>(await this.#pg.query<R>(sql, params as unknown[])));
  }

  exec(sql: string): Promise<void> {
    return this.#serial(async () => {
      await this.#pg.exec(sql);
    });
  }

  afterCommit(fn: () => void): void {
    fn();
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      const committed: (() => void)[] = [];
      const result = await this.#pg.transaction((tx) => fn(wrapTx(tx, committed)));
      runAll(committed);
      return result;
    });
  }

  /** PGlite has one connection: the session is it, between transactions, and nothing else runs meanwhile. */
  session<T>(fn: (session: Queryable) => Promise<T>): Promise<T> {
    return this.#serial(() => fn(wrapTx(this.#pg, null)));
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.#serial(() => this.#pg.listen(channel, onPayload));
    return () => this.#serial(() => unlisten());
  }

  /** PGlite is in-process: it is slow only behind a long transaction, which the bound then reports. */
  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const busy = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new DatabaseUnreachableError(new Error(`Query read timeout after ${timeoutMs} ms`))),
        timeoutMs,
      );
    });
    const probe = this.query('SELECT 1');
    try {
      await Promise.race([probe, busy]);
    } finally {
      clearTimeout(timer);
      probe.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.#serial(() => this.#pg.close());
  }
}

// pg counts returned rows for a SELECT and affected rows for a write; PGlite reports 0 affected for a SELECT.
function toResult<R>(res: { rows: R[]; affectedRows?: number }): QueryResult<R> {
  return { rows: res.rows, rowCount: Math.max(res.affectedRows ?? 0, res.rows.length) };
}

/** `committed` null: outside a transaction, where a post-commit hook runs at once. */
function wrapTx(tx: Pick<Transaction, 'query' | 'exec'>, committed: (() => void)[] | null): Queryable {
  return {
    afterCommit(fn) {
      if (committed) committed.push(fn);
      else fn();
    },
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return toResult<R>(await tx.query<R>(sql, params as unknown[]));
    },
    async exec(sql: string) {
      await tx.exec(sql);
    },
  };
}
