import { backoffDelay, type SyncLogger } from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { HubGet } from '../hub-link/hub-get.js';
import { StoreTagsRepository } from './tags-repository.js';

const PAGE = 1000;

/** Where the store's tags copy stands, for `GET /api/tags` and the sync status. */
export interface TagsSyncStatus {
  /** Every change up to this hub version is applied here. */
  readonly version: number;
  /** The newest version a `tags.changed` notice named (the copy is behind while version < wanted). */
  readonly wanted: number;
  readonly pulling: boolean;
  readonly lastError: string | null;
  /** When the copy last finished a pull (ms since the epoch), null if it never did: the pages' "Tags as of 10:42". */
  readonly pulledAt: number | null;
}

/**
 * Keeps the store's tags copy at the hub's version (the catalog puller's pattern). The hub broadcasts a small
 * `tags.changed {version}` notice; the feed handler records it as `wanted` in the feed's transaction, and this puller
 * asks the hub's `tags` section for what changed after the version held, page by page: each page is checked whole
 * and committed with the hub's cursor, so a restart resumes inside a pull from the last page applied. A refused page
 * (a bad row) writes nothing and is asked for again with backoff. A store that never pulled pulls from version 0.
 */
export class TagsPuller {
  readonly repo: StoreTagsRepository;
  #pulling = false;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #lastError: string | null = null;

  constructor(
    readonly db: SqliteDb,
    readonly get: HubGet | undefined,
    readonly log: SyncLogger,
    readonly now: () => number = Date.now,
  ) {
    this.repo = new StoreTagsRepository(db);
  }

  /** The feed handler: runs inside the feed page's transaction; the pull starts after it commits. */
  noticed(version: number): void {
    this.repo.want(version, this.now());
    setImmediate(() => this.poke());
  }

  status(): TagsSyncStatus {
    const { version, wanted, pulledAt } = this.repo.state();
    return { version, wanted, pulling: this.#pulling, lastError: this.#lastError, pulledAt };
  }

  /** Pulls when behind what the feed announced, a pull was left half done, or the store never pulled. */
  poke(): void {
    if (this.#pulling || this.#stopped || !this.get) return;
    const s = this.repo.state();
    if (s.pulled && s.cursor === null && s.version >= s.wanted) return;
    this.#pulling = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#pull(this.get).then(
      () => {
        this.#pulling = false;
        this.#attempt = 0;
        this.#lastError = null;
        this.poke(); // a notice may have arrived meanwhile
      },
      (err: unknown) => {
        this.#pulling = false;
        if (this.#stopped) return;
        this.#lastError = (err as Error).message;
        this.log.warn({ err: this.#lastError, attempt: this.#attempt }, 'tags pull failed; retrying');
        this.#retry = setTimeout(() => this.poke(), backoffDelay(this.#attempt++, { baseMs: 1000, capMs: 60_000 }));
        this.#retry.unref();
      },
    );
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
  }

  async #pull(get: HubGet): Promise<void> {
    const { wanted } = this.repo.state();
    let rows = 0;
    for (;;) {
      const s = this.repo.state();
      const after = s.cursor ?? String(s.version);
      const page = (await get(`/api/sync/bootstrap/tags?after=${encodeURIComponent(after)}&limit=${PAGE}`)) as {
        rows?: unknown;
        next?: unknown;
      };
      if (this.#stopped) return;
      if (!Array.isArray(page?.rows) || !(page.next === null || typeof page.next === 'string'))
        throw new Error('the hub answered a tags page without rows and next');
      const { rows: pageRows, next } = page as { rows: unknown[]; next: string | null };
      this.db.transaction(() => this.repo.applyPage(pageRows, next, this.now())).immediate();
      rows += pageRows.length;
      if (next === null) break;
    }
    const held = this.repo.state().version;
    if (held < wanted) throw new Error(`the hub announced tags version ${wanted} but served up to ${held}`);
    this.log.info({ version: held, rows }, 'tags updated from the hub');
  }
}
