import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { parseTicketCode, TICKET_CODE_PREFIX, ticketPayload, type TicketClaim } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';

const KEY_NAME = 'booking-ticket-signing-key';

/**
 * Signs tickets with the hub's Ed25519 ticket key, shared by every replica through the database (created once by
 * whichever replica starts first, like the pickup codes' key — but a separate key: a leaked ticket key forges no
 * pickups). Stores verify tickets offline with `publicKey` (`GET /api/booking/ticket-key`).
 */
export class TicketSigner {
  #privateKey: KeyObject | undefined;
  #publicKey: KeyObject | undefined;
  #publicKeyText = '';

  constructor(readonly ctx: HubContext) {}

  async load(): Promise<void> {
    if (this.#privateKey) return;
    const candidate = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'der', type: 'pkcs8' })
      .toString('base64url');
    await this.ctx.db.query(
      'INSERT INTO hub_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [KEY_NAME, candidate, this.ctx.now()],
    );
    const { rows } = await this.ctx.db.query<{ value: string }>('SELECT value FROM hub_secrets WHERE name = $1', [
      KEY_NAME,
    ]);
    const privateKey = createPrivateKey({
      key: Buffer.from(rows[0]!.value, 'base64url'),
      format: 'der',
      type: 'pkcs8',
    });
    this.#privateKey = privateKey;
    this.#publicKey = createPublicKey(privateKey);
    this.#publicKeyText = this.#publicKey.export({ format: 'der', type: 'spki' }).toString('base64url');
  }

  /** SPKI DER, base64url: what a store's door verifies tickets with. */
  get publicKey(): string {
    return this.#publicKeyText;
  }

  /** `SFT1.<payload>.<signature>` for one ticket (shared/src/booking-ticket.ts). */
  code(claim: TicketClaim): string {
    if (!this.#privateKey) throw new Error('the ticket key is not loaded yet');
    const payload = ticketPayload(claim);
    return `${TICKET_CODE_PREFIX}.${payload}.${sign(null, Buffer.from(payload), this.#privateKey).toString('base64url')}`;
  }

  /** The claim of a genuine code signed with this hub's key; undefined for anything malformed, tampered or foreign. */
  verify(code: string): TicketClaim | undefined {
    if (!this.#publicKey) throw new Error('the ticket key is not loaded yet');
    const parsed = parseTicketCode(code);
    if (!parsed) return undefined;
    try {
      return verify(null, Buffer.from(parsed.payload), this.#publicKey, parsed.signature) ? parsed.claim : undefined;
    } catch {
      return undefined;
    }
  }
}
