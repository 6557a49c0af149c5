import type { Queryable } from '../../db/db.js';
import { notBuilt } from './not-built.js';
import type { ReviewResponse } from './types.js';

/** The SQL of votes, responses and reports (lane B). */
export class EngagementRepository {
  constructor(readonly q: Queryable) {}

  /** The response of each review that has one. */
  async responses(_reviewIds: readonly string[]): Promise<Map<string, ReviewResponse>> {
    return notBuilt('EngagementRepository.responses');
  }
}
