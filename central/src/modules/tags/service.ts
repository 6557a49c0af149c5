import type { HubContext } from '../../kernel/module-contract.js';
import type { TagIndex } from './index/tag-index.js';
import type { TagWriter } from './writer.js';

/**
 * The tags' rules (lane A): the tree (create, rename, move a subtree, delete an unused leaf), tagging products by
 * sku (through TagWriter), and search (parse → check every slug/path exists, answering a 422 with the position of
 * the first unknown one → index.caughtUp → match → page by product number → skus and names → facet counts).
 */
export class TagsService {
  /** Called after each search with the ids of the tags it named (analytics counts them). */
  onSearched: (tagIds: readonly number[]) => void = () => {};

  constructor(
    readonly ctx: HubContext,
    readonly index: TagIndex,
    readonly writer: TagWriter,
  ) {}
}
