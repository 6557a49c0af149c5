import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { PICKUP_CODE_PREFIX, pickupPayload, type PickupClaim } from '@storefleet/shared';
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
