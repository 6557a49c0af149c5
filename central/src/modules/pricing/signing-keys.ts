import type { HubContext } from '../../kernel/module-contract.js';

/**
 * The hub's Ed25519 signing keys (lane C): the private halves in the keys file (`ctx.settings.pricing.keysFile`, else
 * `pricing-keys.json` in the blob folder, else a temporary folder), the public halves in `pricing_signing_keys`
 * (announced to stores). `start()` makes the first key when there is none; rotation adds one and retires the old
 * after a grace. `current()` is the key to sign with. CONTRACT STUB.
 */
export class SigningKeys {
  constructor(readonly ctx: HubContext) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  /** The key id and private key to sign with now. */
  async current(): Promise<{ keyId: string; privateKey: string }> {
    throw new Error('not built');
  }
}
