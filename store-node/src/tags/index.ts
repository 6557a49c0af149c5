import { parseEventPayload } from '@storefleet/shared';
import type { BootstrapSink } from '../sync/bootstrap.js';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import type { TagsPuller } from './tags-puller.js';

export { TagFilter, type TagFilterPage } from './tag-filter.js';
export { TagsPuller, type TagsSyncStatus } from './tags-puller.js';
export { StoreTagsRepository } from './tags-repository.js';
export { tagsRoutes } from './routes.js';
export const tagsMigrations = new URL('./schema/', import.meta.url);

/**
 * The hub's `tags.changed {version}` notice: recorded as wanted in the feed's transaction (checked even with no hub to
 * pull from; a bad payload is parked), then the puller fetches the changes.
 */
export function registerTagsFeed(feed: FeedHandlerRegistry, puller: TagsPuller): void {
  feed.register('tags.changed', (_db, entry) => {
    const { version } = parseEventPayload('tags.changed', entry.payload);
    puller.noticed(version);
  });
}

/**
 * A new disk's cold start: the hub's `tags` section applied as the puller applies its pages (checked whole, with the
 * hub's cursor), so the last page leaves the copy pulled at the hub's version and the puller has nothing left to do.
 * Only a copy nothing had pulled into is filled this way: when the puller started first (or a restart cut this run,
 * leaving the copy's cursor), the puller resumes from the copy's own cursor and the section's rows are not applied
 * twice.
 */
export function tagsSink(puller: TagsPuller): BootstrapSink {
  let mine: boolean | undefined;
  return (_db, rows, next) => {
    if (mine === undefined) {
      const s = puller.repo.state();
      mine = !s.pulled && s.cursor === null && s.version === 0;
    }
    if (mine) puller.repo.applyPage(rows, next ?? null, puller.now());
  };
}
