import type { RoaringBitmap32 } from 'roaring';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { TagQuery } from '@storefleet/shared';
import type { Tag, TagIndexStatus } from '../types.js';

/**
 * The in-memory index of compressed bitmaps that answers tag queries (issue #20); Postgres is the truth.
 *
 * One bitmap of product numbers per tag (the products given that tag) and, derived, one per tag for the tag and its
 * subtree (what `tag:` and `path:` match: a child implies its ancestors). On `start` it rebuilds from Postgres with
 * progress (status().rebuilt, and a log line every few seconds); it stays current from the `tags_changed` NOTIFY
 * every writer sends at commit (repository.ts TAGS_CHANNEL), reading the rows changed after the version it holds
 * (tags, then product rows) and applying them, and from a periodic check in case a notice was missed. Bitmaps
 * handed out are never mutated afterwards (a change replaces a tag's bitmap), so a reader may hold one while a
 * change is applied.
 *
 * CONTRACT (lane A fills it in; other parts call only these):
 */
export class TagIndex {
  constructor(readonly ctx: HubContext) {}

  /** Rebuilds from Postgres (progress in status()), then follows changes. Resolves when the rebuild is done. */
  async start(): Promise<void> {
    throw new Error('TagIndex.start: not built yet');
  }

  async stop(): Promise<void> {}

  status(): TagIndexStatus {
    return {
      state: 'EMPTY',
      rebuilt: null,
      version: 0,
      products: 0,
      tags: 0,
      memoryBytes: 0,
      lastRebuildMs: null,
      lastError: null,
    };
  }

  /**
   * Resolves once the index reflects Postgres at least up to `version` (reads and applies what it lacks): a caller
   * that just wrote at version V and searches next sees its own write. Rejects (503-worthy) if not READY.
   */
  async caughtUp(_version: number): Promise<void> {
    throw new Error('TagIndex.caughtUp: not built yet');
  }

  /** The products `q` matches (do not mutate). Unknown slugs/paths match nothing (the service refuses them first). */
  match(_q: TagQuery): RoaringBitmap32 {
    throw new Error('TagIndex.match: not built yet');
  }

  /** Products given the tag or one of its descendants (do not mutate); empty for an unknown id. */
  closure(_tagId: number): RoaringBitmap32 {
    throw new Error('TagIndex.closure: not built yet');
  }

  /** Products given exactly this tag (do not mutate). */
  own(_tagId: number): RoaringBitmap32 {
    throw new Error('TagIndex.own: not built yet');
  }

  /** Every product with a number (tagged now or before). */
  all(): RoaringBitmap32 {
    throw new Error('TagIndex.all: not built yet');
  }

  /** The live tags as the index holds them (the tree at its version). */
  tags(): readonly Tag[] {
    return [];
  }

  /** The live tag with this slug / at this path, if any. */
  tagBySlug(_slug: string): Tag | undefined {
    return undefined;
  }
  tagByPath(_path: string): Tag | undefined {
    return undefined;
  }
}
