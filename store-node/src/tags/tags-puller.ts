import type { SyncLogger } from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { HubGet } from '../hub-link/hub-get.js';
import { PullRetry } from '../hub-link/pull-retry.js';
import { StoreTagsRepository } from './tags-repository.js';

export const PAGE = 1000;

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
  readonly #loop: PullRetry;

  constructor(
    readonly db: SqliteDb,
    readonly get: HubGet | undefined,
    readonly log: SyncLogger,
    readonly now: () => number = Date.now,
  ) {
    this.repo = new StoreTagsRepository(db);
    // Pulls when behind what the feed announced, a pull was left half done, or the store never pulled.
    const due = () => {
      if (this.get === undefined) return false; // a store without a hub link: nothing to pull from
      const s = this.repo.state();
      return !(s.pulled && s.cursor === null && s.version >= s.wanted);
    };
    this.#loop = new PullRetry('tags', log, due, () => this.#pull(this.get!));
  }

  /** The feed handler: runs inside the feed page's transaction; the pull starts after it commits. */
  noticed(version: number): void {
    this.repo.want(version, this.now());
    setImmediate(() => this.poke());
  }

  status(): TagsSyncStatus {
    const { version, wanted, pulledAt } = this.repo.state();
    return { version, wanted, pulling: this.#loop.pulling, lastError: this.#loop.lastError, pulledAt };
  }

  poke(): void {
    this.#loop.poke();
  }

  stop(): void {
    this.#loop.stop();
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
      if (this.#loop.stopped) return;
      if (!Array.isArray(page?.rows) || !(page.next === null || typeof page.next === 'string'))
        throw new Error('the hub answered a tags page without rows and next');
      const { rows: pageRows, next } = page as { rows: unknown[]; next: string | null };
      checkPageShape(after, pageRows, next);
      this.db.transaction(() => this.repo.applyPage(pageRows, next, this.now())).immediate();
      rows += pageRows.length;
      if (next === null) break;
    }
    // The hub's answer is the authority: a pull that reached the end holds what the hub served. An announcement past
    // it (a notice of a version never served, a hub restored from an older backup) is lowered to it, said once (a
    // notice that arrived during this pull is kept: the next pull asks for it), and
    // a copy that reached past what was announced holds only the announced version, so a row dated ahead of the
    // hub's own announcements cannot make the next pull start after changes it has not seen.
    const settled = this.repo.settle(wanted);
    if (settled.aheadOfServed)
      this.log.warn(
        { announced: settled.aheadOfServed, served: settled.version },
        'the hub announced a tags version it did not serve; the copy holds what the hub served',
      );
    this.log.info({ version: settled.version, rows }, 'tags updated from the hub');
  }
}

/** The hub's `next` as the section gives it: `version:kind:id` (kind 0 tags, 1 products). */
const CURSOR = /^(\d{1,16}):([01]):(\d{1,10})$/;
/** A cursor longer than this is not one the hub gives (its own is at most 29 characters). */
export const MAX_CURSOR_LENGTH = 200;

/** A cursor or plain version as a (version, kind, id) position, to see that a page moved forward. */
function positionOf(cursor: string): [number, number, number] {
  const m = CURSOR.exec(cursor);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [Number(cursor), 1, 2_147_483_647];
}
const beyond = (a: readonly number[], b: readonly number[]) =>
  a[0]! !== b[0]! ? a[0]! > b[0]! : a[1]! !== b[1]! ? a[1]! > b[1]! : a[2]! > b[2]!;

/**
 * A page that cannot make progress is refused (issue #20 review) as a failed pull, so it is asked again with backoff
 * and the reason logged: more rows than asked (300,000 rows applied in one transaction stalled the store 2.4 s), a
 * `next` that is not the hub's cursor (a megabyte of it was stored and sent back, 414 for ever), or a `next` not past
 * the cursor sent (an empty page pointing at itself was asked for 3,600 times a second).
 */
export function checkPageShape(after: string, rows: readonly unknown[], next: string | null): void {
  if (rows.length > PAGE)
    throw new Error(`the hub sent ${rows.length.toLocaleString('en')} rows for a page of ${PAGE}; page refused`);
  if (next === null) return;
  if (next.length > MAX_CURSOR_LENGTH || !CURSOR.test(next))
    throw new Error(
      `the hub's next (${next.length} characters: ${JSON.stringify(next.slice(0, 40))}) is not a tags cursor ` +
        '(version:kind:id); page refused',
    );
  if (!beyond(positionOf(next), positionOf(after)))
    throw new Error(`the hub's page did not move past ${after} (next ${next}, ${rows.length} rows); page refused`);
}
