import { feedEntry, UnprocessableError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext, SnapshotSource } from '../../kernel/module-contract.js';
import { type SectionCursor, sectionPage } from './store-feed-section.js';
import { TagsStoreFeedRepository } from './store-feed-repository.js';

/**
 * What stores get of tags (lane D): the `tags` bootstrap section (tag rows and product rows changed after a position,
 * oldest version first, tags before products within a version; shared/src/protocol/tags.ts `tagsPullRowSchema`), and
 * the announcer: a job (`tags.announce`, every few seconds, one run per period across hubs) that broadcasts
 * `tags.changed {version}` when the newest version is past the one last announced — one feed row per store per
 * period, however many products a bulk job changes.
 *
 * The section's cursor: a store hands back the `next` it got (opaque to it), or a plain version `V` ("everything after
 * V"; `0` for all). Writers take versions under one lock and commit in version order, so a position in (version,
 * tags-then-products, id) order never skips a row that commits later: any later write has a higher version.
 */
export class TagsStoreFeed {
  constructor(readonly ctx: HubContext) {}

  bootstrap(): SnapshotSource {
    return {
      count: (q) => new TagsStoreFeedRepository(q).rowCount(),
      page: (q, _storeId, after, limit) => sectionPage(q, parseCursor(after), limit),
    };
  }

  /**
   * Broadcasts `tags.changed` when tags are past the version last announced. It holds the announcement's row, not the
   * tags write lock (a broadcast writes a feed row per store: thousands at fleet size, which every tag write would
   * wait behind): writers take versions under their lock and commit in version order, so the highest committed
   * version is one every store can pull in full. Returns the version announced, or null when nothing was new.
   */
  async announce(): Promise<number | null> {
    return this.ctx.db.transaction(async (tx: Queryable) => {
      const feed = new TagsStoreFeedRepository(tx);
      const announced = await feed.lockAnnounced();
      const version = await feed.storeVersion();
      if (version <= announced) return null;
      await this.ctx.feed.broadcast(tx, feedEntry('tags.changed', { version }));
      await feed.setAnnounced(version);
      return version;
    });
  }

  async start(): Promise<void> {
    this.ctx.jobs.define({
      name: 'tags.announce',
      run: async () => {
        const version = await this.announce();
        if (version !== null) this.ctx.log.debug({ version }, 'stores told tags changed');
      },
    });
    await this.ctx.jobs.schedule('tags.announce', { everyMs: this.ctx.settings.tuning.tagsAnnounceMs });
  }
}

const MAX_ID = 2_147_483_647;

/** A store's `after`: null or a plain version (everything after it), or the `next` a page gave (`v:k:id`). */
export function parseCursor(after: string | null): SectionCursor {
  if (after === null || after === '') return { version: 0, kind: 1, id: MAX_ID };
  if (/^\d{1,16}$/.test(after)) return checked({ version: Number(after), kind: 1, id: MAX_ID });
  const m = /^(\d{1,16}):([01]):(\d{1,10})$/.exec(after);
  if (!m) throw badCursor();
  return checked({ version: Number(m[1]), kind: Number(m[2]) as 0 | 1, id: Number(m[3]) });
}
function checked(c: SectionCursor): SectionCursor {
  if (!Number.isSafeInteger(c.version) || c.id > MAX_ID) throw badCursor();
  return c;
}
const badCursor = () =>
  new UnprocessableError('after is not a tags cursor: give a version (0 for everything) or the next a page gave', {
    field: 'after',
  });
