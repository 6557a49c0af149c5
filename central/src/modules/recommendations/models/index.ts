/**
 * The recommendation models: pure functions on typed arrays, no database, no clock, deterministic for a seed. The
 * training pipeline (training.ts, on a worker) and the benchmark (bench/src/benches/recs-eval.ts) call these.
 */
export {
  closestByFactors,
  foldInUsers,
  IALS_DEFAULTS,
  type IalsModel,
  type IalsOptions,
  scoreItemsForUser,
  trainIals,
} from './ials.js';
export { ITEM_KNN_DEFAULTS, type ItemKnnOptions, itemNeighbours, knnScoresForUser } from './item-knn.js';
export { type ContentOptions, contentNeighbours, productTokens } from './content.js';
export { buildMatrix, hasItem, type InteractionMatrix, rowItems, transpose, type Triple } from './matrix.js';
export { evaluateAtK, type RankingMetrics } from './metrics.js';
export { type Neighbours, neighboursOf } from './neighbours.js';
export { popularity } from './popularity.js';
export { type Rng, seededRng, shuffleInPlace } from './rng.js';
export { type Split, splitPerUser } from './split.js';
export { type TopN, topN } from './top-n.js';
