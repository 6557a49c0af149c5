import type { HubContext } from '../../kernel/module-contract.js';
import type { TagIndex } from './index/tag-index.js';
import type { TagWriter } from './writer.js';

/**
 * Tag bulk jobs (lane B): add/remove/replace tags on products chosen by a query (its result fixed at creation) or a
 * list, run on the hub's job runner (`tags.bulk`) chunk by chunk through TagWriter, with progress, ETA, a
 * partial-failure report, cancel, idempotent retry, and resume after a crash (the run's checkpoint).
 */
export class TagBulkJobs {
  constructor(
    readonly ctx: HubContext,
    readonly index: TagIndex,
    readonly writer: TagWriter,
  ) {}

  /** Defines the job kind on the runner (called from the module's start). */
  start(): void {}
}
