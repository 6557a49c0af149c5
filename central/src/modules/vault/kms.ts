import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { inspect } from 'node:util';
import { AppError } from '@storefleet/shared';
import { z } from 'zod';

/**
 * Key-encryption keys (lane: crypto). The vault wraps each version's data key with the current master key and never
 * stores a master key in the database. `LocalKms` keeps its master keys in a file outside the database (mode 0600).
 */
export interface Kms {
  /** The key new data keys are wrapped with. */
  currentKeyId(): string;
  /** Every key this KMS can unwrap with, oldest first. */
  keyIds(): readonly string[];
  wrap(dataKey: Buffer): Promise<{ readonly kekId: string; readonly wrapped: Buffer }>;
  /** Throws `KmsKeyUnknownError` for a key it does not hold, `KmsUnwrapError` when the wrapped key fails its check. */
  unwrap(kekId: string, wrapped: Buffer): Promise<Buffer>;
  /** Makes a new current key (kept with the old ones); returns its id. */
  rotate(): Promise<string>;
  /** When the key was made (epoch ms), or null when this KMS does not know. */
  createdAt?(kekId: string): number | null;
}

export class KmsKeyUnknownError extends Error {
  override readonly name = 'KmsKeyUnknownError';
}
export class KmsUnwrapError extends Error {
  override readonly name = 'KmsUnwrapError';
}

/** The keys file as written: `keys` oldest first, the last one current. Key material in base64, 32 bytes each. */
const keysFileSchema = z.object({
  format: z.literal(1),
  keys: z
    .array(
      z.object({
        id: z.string().regex(/^kek-[0-9a-z-]{1,60}$/),
        createdAt: z.number().int().nonnegative(),
        aes256: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
      }),
    )
    .min(1),
});
type KeysFile = z.infer<typeof keysFileSchema>;

const WRAP_FORMAT = 1;
/** A wrapped data key: format (1) | IV (12) | AES-256-GCM of the 32-byte data key (32) | tag (16). */
const WRAPPED_BYTES = 1 + 12 + 32 + 16;
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

const aadOf = (kekId: string) => Buffer.from(`storefleet-vault-kek:${kekId}`, 'utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The local KMS over a keys file; made with one new key when the file does not exist.
 *
 * Several hub processes may share one file: every change (the first key, a rotation) happens under a lock file made
 * with O_EXCL, re-reads the file, appends, writes a temporary file (0600) and renames it into place, so no process
 * loses another's key. A process learns of a rotation elsewhere when it next wraps (the file's stamp changed) or is
 * asked to unwrap with a key it does not hold (it re-reads the file then).
 */
export class LocalKms implements Kms {
  #keys = new Map<string, Buffer>();
  #created = new Map<string, number>();
  #order: string[] = [];
  #stamp = '';
  #reloads: Promise<void> = Promise.resolve();
  private constructor(
    readonly file: string,
    readonly now: () => number,
  ) {}

  /**
   * Opens (or makes) the keys file. `onWarning` hears what an operator should fix (a file others may read) — never
   * key material. Throws with a reason fit for an operator when the file cannot be read or is not a keys file.
   */
  static async open(
    file: string,
    options: { readonly now?: () => number; readonly onWarning?: (message: string) => void } = {},
  ): Promise<LocalKms> {
    const kms = new LocalKms(file, options.now ?? Date.now);
    const s = await stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw new Error(`the vault keys file ${file} cannot be read (${err.code ?? err.message})`);
    });
    if (!s) {
      await kms.#locked(async (current) => (current ? null : kms.#newKey(0)));
    } else if ((s.mode & 0o077) !== 0) {
      await chmod(file, 0o600);
      options.onWarning?.(`the vault keys file ${file} was readable by others; its mode is now 0600`);
    }
    await kms.#reload(true);
    return kms;
  }

  currentKeyId(): string {
    return this.#order.at(-1)!;
  }
  keyIds(): readonly string[] {
    return [...this.#order];
  }

  async wrap(dataKey: Buffer): Promise<{ kekId: string; wrapped: Buffer }> {
    if (dataKey.length !== 32) throw new RangeError('a data key is 32 bytes');
    await this.#reload(false);
    const kekId = this.currentKeyId();
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#keys.get(kekId)!, iv);
    c.setAAD(aadOf(kekId));
    const body = Buffer.concat([c.update(dataKey), c.final()]);
    return { kekId, wrapped: Buffer.concat([Buffer.from([WRAP_FORMAT]), iv, body, c.getAuthTag()]) };
  }

  async unwrap(kekId: string, wrapped: Buffer): Promise<Buffer> {
    if (!this.#keys.has(kekId)) await this.#reload(true);
    const kek = this.#keys.get(kekId);
    if (!kek) throw new KmsKeyUnknownError(`master key ${kekId} is not in the vault keys file`);
    if (wrapped.length !== WRAPPED_BYTES || wrapped[0] !== WRAP_FORMAT)
      throw new KmsUnwrapError(`a data key wrapped by ${kekId} is not in the wrapped form`);
    const d = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(1, 13));
    d.setAAD(aadOf(kekId));
    d.setAuthTag(wrapped.subarray(WRAPPED_BYTES - 16));
    try {
      return Buffer.concat([d.update(wrapped.subarray(13, WRAPPED_BYTES - 16)), d.final()]);
    } catch {
      throw new KmsUnwrapError(`a data key wrapped by ${kekId} failed its integrity check`);
    }
  }

  createdAt(kekId: string): number | null {
    return this.#created.get(kekId) ?? null;
  }

  async rotate(): Promise<string> {
    let made = '';
    await this.#locked(async (current) => {
      if (!current) throw new Error(`the vault keys file ${this.file} is gone`);
      const next = this.#newKey(current.keys.length);
      made = next.keys[0]!.id;
      return { format: 1, keys: [...current.keys, ...next.keys] };
    });
    await this.#reload(true);
    return made;
  }

  /** Keeps key material out of logs and error reports. */
  [inspect.custom](): string {
    return `LocalKms { file: ${this.file}, keys: ${this.#order.join(', ')} }`;
  }
  toJSON(): unknown {
    return { file: this.file, keys: this.#order };
  }

  #newKey(ordinal: number): KeysFile {
    const at = this.now();
    const day = new Date(at).toISOString().slice(0, 10);
    return {
      format: 1,
      keys: [{ id: `kek-${day}-${ordinal + 1}`, createdAt: at, aes256: randomBytes(32).toString('base64') }],
    };
  }

  /**
   * Re-reads the file when forced or when its stamp (inode, size, mtime) changed since the last read. Reloads run one
   * at a time: two overlapping ones could finish out of order, and a read from before a rotation landing after one
   * from after it would make the old key current again.
   */
  #reload(force: boolean): Promise<void> {
    const next = this.#reloads.then(() => this.#reloadNow(force));
    this.#reloads = next.catch(() => undefined);
    return next;
  }

  async #reloadNow(force: boolean): Promise<void> {
    const s = await stat(this.file);
    const stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
    if (!force && stamp === this.#stamp) return;
    const parsed = await this.#read();
    if (!parsed) throw new Error(`the vault keys file ${this.file} is gone`);
    for (const k of parsed.keys) {
      if (this.#keys.has(k.id)) continue;
      this.#keys.set(k.id, Buffer.from(k.aes256, 'base64'));
      this.#created.set(k.id, k.createdAt);
      this.#order.push(k.id);
    }
    // the file's order is the truth for which key is current (keys this process held and the file lost stay usable)
    const fileOrder = parsed.keys.map((k) => k.id);
    this.#order = [...this.#order.filter((id) => !fileOrder.includes(id)), ...fileOrder];
    this.#stamp = stamp;
  }

  async #read(): Promise<KeysFile | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`the vault keys file ${this.file} cannot be read (${(err as NodeJS.ErrnoException).code})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`the vault keys file ${this.file} is not JSON`);
    }
    const r = keysFileSchema.safeParse(json);
    if (!r.success) throw new Error(`the vault keys file ${this.file} is not a vault keys file (format 1, keys)`);
    if (new Set(r.data.keys.map((k) => k.id)).size !== r.data.keys.length)
      throw new Error(`the vault keys file ${this.file} names a key twice`);
    return r.data;
  }

  /** Runs `change` on the file's current content under the lock; writes what it returns (null: nothing to write). */
  async #locked(change: (current: KeysFile | null) => Promise<KeysFile | null>): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const fh = await open(lock, 'wx', 0o600);
        await fh.writeFile(`${process.pid} ${Date.now()}\n`);
        await fh.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const s = await stat(lock).catch(() => null);
        // a process that died holding the lock leaves it behind: past LOCK_STALE_MS it is taken over
        if (s && Date.now() - s.mtimeMs > LOCK_STALE_MS) await rm(lock, { force: true });
        else if (Date.now() > deadline)
          throw new Error(`the vault keys file ${this.file} stayed locked (${lock}) for ${LOCK_WAIT_MS / 1000} s`);
        else await sleep(Math.min(5 + attempt * 5, 50));
      }
    }
    try {
      const next = await change(await this.#read());
      if (!next) return;
      const temp = join(dirname(this.file), `.${basename(this.file)}.${randomUUID()}.tmp`);
      const fh = await open(temp, 'wx', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(next, null, 2)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(temp, this.file).catch(async (err) => {
        await rm(temp, { force: true });
        throw err;
      });
    } finally {
      await rm(lock, { force: true });
    }
  }
}

/**
 * The KMS a hub's vault uses, opened at the module's start (the keys file is read then): before that, and when it
 * could not be opened, every call throws `KmsUnavailableError` (the routes answer 503 with the reason).
 */
export class KmsHolder implements Kms {
  #kms: Kms | null = null;
  #why = 'the vault is starting';
  set(kms: Kms): void {
    this.#kms = kms;
  }
  fail(why: string): void {
    this.#kms = null;
    this.#why = why;
  }
  /** Whether a KMS is open (false before start and after a failure). */
  get ready(): boolean {
    return this.#kms !== null;
  }
  get #k(): Kms {
    if (!this.#kms) throw new KmsUnavailableError(this.#why);
    return this.#kms;
  }
  currentKeyId(): string {
    return this.#k.currentKeyId();
  }
  keyIds(): readonly string[] {
    return this.#k.keyIds();
  }
  async wrap(dataKey: Buffer): Promise<{ readonly kekId: string; readonly wrapped: Buffer }> {
    return this.#k.wrap(dataKey);
  }
  async unwrap(kekId: string, wrapped: Buffer): Promise<Buffer> {
    return this.#k.unwrap(kekId, wrapped);
  }
  async rotate(): Promise<string> {
    return this.#k.rotate();
  }
  createdAt(kekId: string): number | null {
    return this.#k.createdAt?.(kekId) ?? null;
  }
}

/**
 * The vault's master keys are not available (the hub is starting, or the keys file could not be opened): a 503
 * problem wherever it is thrown, its detail the reason (never key material).
 */
export class KmsUnavailableError extends AppError {
  constructor(readonly reason: string) {
    super('unavailable', `the document vault is unavailable: ${reason}`);
  }
}
