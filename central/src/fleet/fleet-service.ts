import { ConflictError, NotFoundError, uuidv7, type StoreId } from '@storefleet/shared';
import { hashStoreSecret, newSecret, verifyStoreSecret } from '../auth/passwords.js';
import type { FleetRepository } from './fleet-repository.js';
import type { Location, LocationKind, NewLocation, StoreCredential } from './types.js';

export class FleetService {
  constructor(
    readonly repo: FleetRepository,
    readonly now: () => number,
  ) {}

  /** Registers a store or DC. A store gets its credential here, the only time the secret is ever shown. */
  async register(input: NewLocation): Promise<{ location: Location; credential: StoreCredential | null }> {
    const secret = input.kind === 'STORE' ? newSecret() : null;
    const location = await this.repo.insert(
      uuidv7(this.now()),
      input,
      secret ? hashStoreSecret(secret) : null,
      this.now(),
    );
    if (!location) throw new ConflictError(`a location with code ${input.code} already exists`, { code: input.code });
    return { location, credential: secret ? { storeId: location.id, secret } : null };
  }

  async get(id: string): Promise<Location> {
    const loc = await this.repo.get(id);
    if (!loc) throw new NotFoundError('location', id);
    return loc;
  }

  list(kind: LocationKind | undefined, limit: number, afterCode?: string): Promise<Location[]> {
    return this.repo.list(kind, limit, afterCode);
  }

  async update(id: string, patch: Partial<Pick<Location, 'name' | 'lat' | 'lon' | 'timezone'>>): Promise<Location> {
    const loc = await this.repo.update(id, patch, this.now());
    if (!loc) throw new NotFoundError('location', id);
    return loc;
  }

  async rotateCredential(id: string): Promise<StoreCredential> {
    const secret = newSecret();
    if (!(await this.repo.rotateCredential(id, hashStoreSecret(secret), this.now())))
      throw new NotFoundError('store', id);
    return { storeId: id as StoreId, secret };
  }

  /**
   * The credential version when `secret` is the store's current one; undefined otherwise (unknown store too). A
   * credential still kept as an scrypt hash (from before the fast form) is rewritten in the fast form once it matches.
   */
  async verifyCredential(storeId: string, secret: string): Promise<number | undefined> {
    const cred = await this.repo.credential(storeId);
    const checked = await verifyStoreSecret(secret, cred?.secretHash); // an unknown id costs the same hash
    if (!checked.ok || !cred?.secretHash) return undefined;
    if (checked.upgrade) await this.repo.replaceSecretHash(storeId, cred.secretHash, checked.upgrade);
    return cred.version;
  }

  async credentialVersion(storeId: string): Promise<number | undefined> {
    return (await this.repo.credential(storeId))?.version;
  }
}
