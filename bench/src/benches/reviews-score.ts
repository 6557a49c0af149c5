import type { Benchmark } from '../figure.js';

/** Issue #24 (lane D): reviews scored per second on one core, and submit p95 through the API. */
export const reviewsScoreBench: Benchmark = {
  name: 'reviews-score',
  description: 'reviews scored per second on one core, and submit p95 through the API',
  async run() {
    throw new Error('reviews-score is not built yet');
  },
};
