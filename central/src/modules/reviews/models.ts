import type { HubContext } from '../../kernel/module-contract.js';
import { notBuilt } from './not-built.js';
import type { ModelRun } from './types.js';

export const REVIEWS_TRAIN_JOB = 'reviews.train';

/**
 * The text model's versions (lane C): trained on a worker thread from the labelled CSV (settings.reviews.trainingCsv,
 * else the team's data set when it is there) and the moderators' decisions, stored in `review_models` with its
 * cross-validated figures; the ACTIVE one loaded in every hub process and used in-process by `probability`. The job
 * `reviews.train` retrains every `reviewsRetrainEveryMs`; a hub with no model trains one soon after it starts.
 */
export class ReviewModels {
  constructor(readonly ctx: HubContext) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** The probability (0..1) that `text` was generated rather than written by a customer, or null with no model. */
  probability(_text: string): { readonly p: number; readonly version: number } | null {
    return null;
  }
  async list(): Promise<ModelRun[]> {
    return notBuilt('ReviewModels.list');
  }
  /** Queues a training run now (the job); resolves with the job's id. */
  async trainNow(): Promise<string> {
    return notBuilt('ReviewModels.trainNow');
  }
}
