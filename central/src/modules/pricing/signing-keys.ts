import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError, newSigningKeyPair, type SigningKey } from '@storefleet/shared';
import { z } from 'zod';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { KeysRepository } from './keys-repository.js';
import { announce, nextRevision } from './revision.js';

const DAY_MS = 86_400_000;

/** The keys file: the private halves this hub (and any hub sharing the file) signs with. */
const keysFileSchema = z.object({
  version: z.literal(1),
  keys: z
    .array(
      z.object({
        keyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
        publicKey: z.string(),
        privateKey: z.string().min(1),
        createdAt: z.number(),
      }),
    )
    .max(1_000),
});
type KeysFile = z.infer<typeof keysFileSchema>;

/**
 * The hub's Ed25519 signing keys (coupons and Scan & Go exit tokens).
 *
 * - The private halves live in the keys file (`ctx.settings.pricing.keysFile`, else `pricing-keys.json` in the blob
 *   folder, else a temporary folder made at start and removed at stop — a hub in memory), written whole to a temporary
 *   file (mode 0600) and renamed over it, so a crash leaves the old file or the new one. They are never logged.
 * - The public halves are rows of `pricing_signing_keys`, each with a pricing revision and a `pricing.changed` notice,
 *   so stores verify offline with every key the hub signs with.
 * - Several hubs on one database: key changes take one advisory lock, and each re-reads the file under it. Hubs that
 *   share a keys file (one blob folder) share its key; hubs with files of their own (each its temporary folder) each
 *   add a key of their own to the table — every one known to stores, so a code signed by any of them verifies.
 * - The key to sign with is the newest key in the table that is not retired and whose private half this hub holds;
 *   when there is none (the first start, a rotation at another hub, a keys file that lost its keys) the hub makes one.
 *   A key the table lists but the file lost is not an error: this hub just cannot sign with it.
 * - Rotation adds a key that signs from then on and retires the others after a grace (`retireAfterDays`): codes they
 *   signed verify until then.
 */
export class SigningKeys {
  #path: string | null = null;
  #temporary: string | null = null;
  /** Cached file contents (re-read when a key is not in it, and always under the lock). */
  #file: KeysFile | null = null;
  /** Why this hub may not sign (a production hub with its keys in the blob folder), or null. */
  #refusal: string | null = null;

  constructor(readonly ctx: HubContext) {}

  /** Where the keys file is (after `start`). */
  get path(): string {
    if (!this.#path) throw new Error('pricing signing keys not started');
    return this.#path;
  }

  async start(): Promise<void> {
    const configured = this.ctx.settings.pricing?.keysFile ?? null;
    if (configured) this.#path = configured;
    else if (this.ctx.settings.blobs.dir) this.#path = join(this.ctx.settings.blobs.dir, 'pricing-keys.json');
    else {
      this.#temporary = await mkdtemp(join(tmpdir(), 'storefleet-hub-pricing-keys-'));
      this.#path = join(this.#temporary, 'pricing-keys.json');
    }
    this.#refusal = this.#refusalFor(this.#path, configured);
    if (this.#refusal) {
      // Nothing is made or read: a private key written beside the data would be the leak this refuses.
      this.ctx.log.error(
        `pricing: ${this.#refusal}. Coupon batches and Scan & Go checkouts answer 503 until the hub restarts with it set.`,
      );
      return;
    }
    await this.current();
  }

  /**
   * Why this hub must not sign, or null when it may: a production hub's keys in the blob folder (the default) mean one
   * stolen folder (a backup, a disk, a shared volume) lets anyone mint coupons and exit tokens every store accepts.
   * HUB_DATA_DIR is not in the settings: the blob folder (`<HUB_DATA_DIR>/blobs` by default) stands for it, as for the
   * vault's keys. Demo and test hubs keep the default.
   */
  #refusalFor(file: string, configured: string | null): string | null {
    if (this.ctx.settings.mode !== 'production') return null;
    const blobDir = this.ctx.settings.blobs.dir;
    const inside = blobDir !== null && isInside(file, blobDir);
    if (configured && !inside) return null;
    return `set PRICING_KEYS_FILE to a file outside the data and blob folders (${
      configured ? `${file} is inside the blob folder ${blobDir}` : 'it is not set'
    }): signing keys kept beside the data let whoever copies it mint coupons and exit tokens`;
  }

  /**
   * Why this hub may not sign (a production hub without PRICING_KEYS_FILE apart from its data), or null. A reader
   * that only adds signed material to something else (a store's door key on its pricing page) leaves it out then,
   * rather than fail the whole answer.
   */
  get refusal(): string | null {
    return this.#refusal;
  }

  /** Throws the 503 a request that would sign answers while this hub may not sign (see `start`). */
  assertCanSign(): void {
    if (this.#refusal) throw new AppError('unavailable', this.#refusal, { setting: 'PRICING_KEYS_FILE' });
  }

  async stop(): Promise<void> {
    if (this.#temporary) await rm(this.#temporary, { recursive: true, force: true });
    this.#temporary = null;
  }

  /** Every public key (newest first), retired ones too. */
  async publicKeys(q: Queryable = this.ctx.db): Promise<SigningKey[]> {
    return new KeysRepository(q).all();
  }

  /** The key id and private key to sign with now (made when this hub holds none in use). */
  async current(): Promise<{ keyId: string; privateKey: string }> {
    this.assertCanSign();
    const held = this.#pick(await this.publicKeys(), await this.#read(false));
    if (held) return held;
    return this.ctx.db.transaction(async (tx) => {
      const repo = new KeysRepository(tx);
      await repo.lock();
      const file = await this.#read(true);
      const again = this.#pick(await repo.all(), file);
      if (again) return again;
      const made = await this.#make(tx, file);
      this.ctx.log.info({ keyId: made.keyId }, 'pricing: made a signing key (its private half is in the keys file)');
      return made;
    });
  }

  /** A new key signs from now on; every other key in use is retired `retireAfterDays` from now. */
  async rotate(retireAfterDays: number): Promise<{ key: SigningKey; retiring: string[] }> {
    this.assertCanSign();
    const out = await this.ctx.db.transaction(async (tx) => {
      const repo = new KeysRepository(tx);
      await repo.lock();
      const made = await this.#make(tx, await this.#read(true), false);
      const revision = await nextRevision(tx);
      const retiring = await repo.retireOthers(made.keyId, this.ctx.now() + retireAfterDays * DAY_MS, revision);
      await announce(tx, this.ctx.feed, revision);
      return { made, retiring };
    });
    this.ctx.log.info({ keyId: out.made.keyId, retiring: out.retiring }, 'pricing: signing keys rotated');
    return {
      key: { keyId: out.made.keyId, publicKey: out.made.publicKey, createdAt: out.made.createdAt, retiredAt: null },
      retiring: out.retiring,
    };
  }

  #pick(keys: readonly SigningKey[], file: KeysFile): { keyId: string; privateKey: string } | null {
    const mine = new Map(file.keys.map((k) => [k.keyId, k]));
    for (const k of keys) {
      const own = mine.get(k.keyId);
      if (k.retiredAt === null && own && own.publicKey === k.publicKey)
        return { keyId: k.keyId, privateKey: own.privateKey };
    }
    return null;
  }

  /** Makes a key: its private half into the file first, then its public half into the table (in `tx`). */
  async #make(
    tx: Queryable,
    file: KeysFile,
    announceIt = true,
  ): Promise<{ keyId: string; privateKey: string; publicKey: string; createdAt: number }> {
    const pair = newSigningKeyPair(`k${randomBytes(12).toString('base64url')}`);
    const createdAt = this.ctx.now();
    await this.#write({
      version: 1,
      keys: [...file.keys, { keyId: pair.keyId, publicKey: pair.publicKey, privateKey: pair.privateKey, createdAt }],
    });
    const revision = await nextRevision(tx);
    await new KeysRepository(tx).insert({ keyId: pair.keyId, publicKey: pair.publicKey, createdAt }, revision);
    if (announceIt) await announce(tx, this.ctx.feed, revision);
    return { keyId: pair.keyId, privateKey: pair.privateKey, publicKey: pair.publicKey, createdAt };
  }

  async #read(fresh: boolean): Promise<KeysFile> {
    if (this.#file && !fresh) return this.#file;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.#file = { version: 1, keys: [] };
      return this.#file;
    }
    const parsed = keysFileSchema.safeParse(JSON.parse(text));
    // Never the file's text in the error: it holds private keys.
    if (!parsed.success) throw new Error(`the pricing keys file ${this.path} is not a keys file`);
    this.#file = parsed.data;
    return this.#file;
  }

  async #write(file: KeysFile): Promise<void> {
    const path = this.path;
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(file));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, 0o600);
    await rename(temp, path);
    this.#file = file;
  }
}

/** Whether `file` is `dir` itself or somewhere under it (both resolved; no symbolic links followed). */
function isInside(file: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
