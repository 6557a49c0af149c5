import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { blobsRepository as sql } from './blobs-repository.js';
import { OciError } from './errors.js';

/**
 * Repositories and their quotas (lane: blobs). A repository exists from its first push (or mount); its quota is its
 * own `quota_bytes`, else the hub's default (`ctx.settings.registry.defaultQuotaBytes`, 0 = none).
 */
export class RegistryRepositories {
  constructor(readonly ctx: HubContext) {}
  /** Makes the repository's row if it has none (in the caller's transaction). */
  ensure(q: Queryable, name: string): Promise<void> {
    return sql.ensureRepository(q, name, this.ctx.now());
  }
  /**
   * Refuses (OciError QUOTA_EXCEEDED, 403, saying the quota, the use and the size) when `addBytes` more would take the
   * repository past its quota. Call in the transaction that links the bytes: the repository's row is locked here
   * (FOR UPDATE) to the end of it, so two pushes to one repository cannot both pass on the same use.
   */
  async checkQuota(q: Queryable, name: string, addBytes: number): Promise<void> {
    const row = await sql.lockRepository(q, name);
    const own = row?.quotaBytes ?? null;
    const quota = own ?? (this.ctx.settings.registry.defaultQuotaBytes || null);
    if (quota === null || addBytes <= 0) return;
    const used = await sql.repositoryUse(q, name);
    if (used + addBytes > quota)
      throw new OciError(
        'QUOTA_EXCEEDED',
        `repository ${name} has a quota of ${quota} bytes and holds ${used}: ${addBytes} more bytes would take it to ${used + addBytes}; delete something from it or raise its quota`,
        { quota, used, size: addBytes },
      );
  }
  /** Whether the repository exists. */
  exists(name: string): Promise<boolean> {
    return sql.repositoryExists(this.ctx.db, name);
  }
}
