import type { SyncLogger } from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { HubGet } from '../hub-link/hub-get.js';
import { PullRetry } from '../hub-link/pull-retry.js';
import { upsertCatalog } from './catalog-sink.js';

const PAGE = 1000;

export interface CatalogSyncStatus {
  readonly version: number;
  readonly wanted: number;
  readonly pulling: boolean;
  readonly lastError: string | null;
}

/**
 * Keeps the store's catalog copy at the hub's version. The hub broadcasts a small `catalog.changed {version}` notice
 * to every store's feed; the feed handler records it as `wanted` (in the feed's transaction, so a notice is never
 * lost), and this puller fetches the products changed after the version held, page by page, each page committed
 * with the new version. A failed pull is retried with backoff; a restart resumes from what is on disk.
 */
export class CatalogPuller {
  readonly #loop: PullRetry;

  constructor(
    readonly db: SqliteDb,
    readonly get: HubGet,
    readonly log: SyncLogger,
  ) {
    // Pulls if the copy is behind what the feed announced (also at start, for a notice received before a restart).
    const due = () => {
      const { version, wanted } = this.status();
      return version < wanted;
    };
    this.#loop = new PullRetry('catalog', log, due, () => this.#pull());
  }

  /** The feed handler: runs inside the feed page's transaction; the pull starts after it commits. */
  noticed(version: number): void {
    this.db.prepare('UPDATE catalog_sync SET wanted = MAX(wanted, ?) WHERE id = 1').run(version);
    setImmediate(() => this.poke());
  }

  status(): CatalogSyncStatus {
    const { version, wanted } = this.db.prepare('SELECT version, wanted FROM catalog_sync WHERE id = 1').get() as {
      version: number;
      wanted: number;
    };
    return { version, wanted, pulling: this.#loop.pulling, lastError: this.#loop.lastError };
  }

  poke(): void {
    this.#loop.poke();
  }

  stop(): void {
    this.#loop.stop();
  }

  async #pull(): Promise<void> {
    for (;;) {
      const { version, wanted } = this.status();
      const page = (await this.get(`/api/sync/bootstrap/catalog?after=${version}&limit=${PAGE}`)) as {
        rows: unknown[];
        next: string | null;
      };
      if (this.#loop.stopped) return;
      this.db.transaction(() => upsertCatalog(this.db, page.rows)).immediate();
      if (page.next === null) {
        const now = this.status();
        if (now.version < wanted)
          throw new Error(`the hub announced catalog version ${wanted} but served up to ${now.version}`);
        this.log.info({ version: now.version, products: page.rows.length }, 'catalog updated from the hub');
        return;
      }
    }
  }
}
