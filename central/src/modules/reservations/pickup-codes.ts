import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { PICKUP_CODE_PREFIX, pickupPayload, typedCodeFrom, typedCodeHash, type PickupClaim } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';

const KEY_NAME = 'pickup-signing-key';

/** Signs pickup codes with the hub's Ed25519 key, created once and shared by every replica through the database. */
export class PickupCodes {
  private constructor(
    readonly privateKey: KeyObject,
    /** SPKI DER, base64url: what stores verify codes with. */
    readonly publicKey: string,
  ) {}

  static async load(db: Queryable, now: number): Promise<PickupCodes> {
    const candidate = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'der', type: 'pkcs8' })
      .toString('base64url');
    await db.query(
      'INSERT INTO hub_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [KEY_NAME, candidate, now],
    );
    const { rows } = await db.query<{ value: string }>('SELECT value FROM hub_secrets WHERE name = $1', [KEY_NAME]);
    const privateKey = createPrivateKey({
      key: Buffer.from(rows[0]!.value, 'base64url'),
      format: 'der',
      type: 'pkcs8',
    });
    const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64url');
    return new PickupCodes(privateKey, publicKey);
  }

  code(claim: PickupClaim): string {
    const payload = pickupPayload(claim);
    return `${PICKUP_CODE_PREFIX}.${payload}.${sign(null, Buffer.from(payload), this.privateKey).toString('base64url')}`;
  }
}

const TYPED_KEY_NAME = 'typed-pickup-code-key';

/**
 * The typed pickup codes beside the QR (issue #17). A hold's code is derived from the hub's key and the hold's id (and
 * a try number, bumped while the code would repeat one of the store's open holds), so the hub stores no code in clear:
 * it keeps the try number and the store's keyed hash, which its partial unique index keeps unique among the store's
 * open holds. Each store gets its own hash key (derived from the hub's key and the store's id; see
 * `GET /api/reservations/pickup-key`) and each hold's feed entry carries the hash, so the store checks a typed code
 * offline. Shared by every replica through the database, like the signing key.
 */
export class TypedCodes {
  private constructor(readonly key: Buffer) {}

  static async load(db: Queryable, now: number): Promise<TypedCodes> {
    await db.query(
      'INSERT INTO hub_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [TYPED_KEY_NAME, randomBytes(32).toString('base64url'), now],
    );
    const { rows } = await db.query<{ value: string }>('SELECT value FROM hub_secrets WHERE name = $1', [
      TYPED_KEY_NAME,
    ]);
    return new TypedCodes(Buffer.from(rows[0]!.value, 'base64url'));
  }

  /** The hold's code (`K7M4QH`) at try `n`. */
  code(reservationId: string, n: number): string {
    return typedCodeFrom(createHmac('sha256', this.key).update(`typed-code:${reservationId}:${n}`).digest());
  }

  readonly #storeKeys = new Map<string, string>();

  /** The key store `storeId` hashes typed codes with (base64url); only that store's own token is given it. */
  storeKey(storeId: string): string {
    let key = this.#storeKeys.get(storeId);
    if (!key) {
      key = createHmac('sha256', this.key).update(`store-key:${storeId}`).digest().toString('base64url');
      if (this.#storeKeys.size >= 10_000) this.#storeKeys.clear(); // a fleet's worth; never unbounded
      this.#storeKeys.set(storeId, key);
    }
    return key;
  }

  /** The hash store `storeId` keeps of the hold's code at try `n`. */
  hash(storeId: string, reservationId: string, n: number): string {
    return typedCodeHash(this.storeKey(storeId), this.code(reservationId, n));
  }
}

/** Tries of a hold's code before giving up: 30^6 codes against a store's open holds almost never need a second. */
const CODE_TRIES = 20;

/**
 * The typed-code hash of each new or moved hold, each unique among its store's open holds and within the batch: a hold
 * whose code at try n is taken moves to try n + 1. Runs in the transaction that writes the holds; a hold granted at the
 * same moment by another replica with the same code fails that write on the unique index, and its retry (the hold
 * batcher retries a refused batch) sees it and moves on.
 */
export async function freeCodeHashes(
  codes: TypedCodes,
  taken: (pairs: readonly { storeId: string; hash: string }[]) => Promise<Set<string>>,
  holds: readonly { readonly id: string; readonly storeId: string }[],
): Promise<string[]> {
  const tries = holds.map(() => 0);
  for (let round = 0; round < CODE_TRIES; round++) {
    const hashes = holds.map((h, i) => codes.hash(h.storeId, h.id, tries[i]!));
    const used = await taken(hashes.map((hash, i) => ({ storeId: holds[i]!.storeId, hash })));
    let clash = false;
    hashes.forEach((hash, i) => {
      const k = `${holds[i]!.storeId}/${hash}`;
      if (used.has(k)) {
        tries[i]!++;
        clash = true;
      } else used.add(k);
    });
    if (!clash) return hashes;
  }
  throw new Error(`no free typed pickup code after ${CODE_TRIES} tries`);
}

/** The hold's typed code in clear (`K7M4QH`), found again from its hash; undefined for a hold that has none. */
export function typedCodeOf(
  codes: TypedCodes,
  hold: { readonly id: string; readonly storeId: string; readonly pickupCodeHash: string | null },
): string | undefined {
  if (!hold.pickupCodeHash) return undefined;
  for (let n = 0; n < CODE_TRIES; n++)
    if (codes.hash(hold.storeId, hold.id, n) === hold.pickupCodeHash) return codes.code(hold.id, n);
  return undefined;
}
