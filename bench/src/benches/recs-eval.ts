import {
  buildMatrix,
  evaluateAtK,
  hasItem,
  IALS_DEFAULTS,
  type InteractionMatrix,
  ITEM_KNN_DEFAULTS,
  itemNeighbours,
  knnScoresForUser,
  popularity,
  type RankingMetrics,
  scoreItemsForUser,
  splitPerUser,
  topN,
  trainIals,
} from '../../../central/src/modules/recommendations/models/index.js';
import type { Benchmark, Figure } from '../figure.js';
import { check } from '../support/check.js';
import { ML100K_SHAPE, type RecsData, readMovieLens, syntheticMovieLens } from './recs-eval-data.js';

const DATA_DIR = process.env.RECS_DATA_DIR || undefined;
/** Ratings in the synthetic set (RECS_EVAL_RATINGS; users and items shrink in proportion for a CI-size run). */
const RATINGS = Number(process.env.RECS_EVAL_RATINGS || ML100K_SHAPE.ratings);
const SPLIT_SEED = 42;
const TEST_FRACTION = 0.2;
const K = 10;

/** Published on ml-100k under this protocol (80/20 random split per user, nDCG@10); not measured here. */
const PUBLISHED_ML100K_NDCG10 = { pop: 0.22, knn: 0.399, ials: 0.44 } as const;
const GOAL_IALS_NDCG10 = 0.45;
const GOAL_IALS_TRAIN_S = 5;

type Method = keyof typeof PUBLISHED_ML100K_NDCG10;

function loadData(): RecsData {
  if (DATA_DIR) return readMovieLens(DATA_DIR);
  if (!(Number.isInteger(RATINGS) && RATINGS >= 1000))
    throw new Error(`RECS_EVAL_RATINGS=${process.env.RECS_EVAL_RATINGS} is not a count of at least 1,000`);
  const scale = Math.min(1, RATINGS / ML100K_SHAPE.ratings);
  return syntheticMovieLens({
    ...ML100K_SHAPE,
    users: Math.max(50, Math.round(ML100K_SHAPE.users * scale)),
    items: Math.max(100, Math.round(ML100K_SHAPE.items * Math.sqrt(scale))),
    ratings: RATINGS,
  });
}

/** Ranks for user u from a score vector, leaving out what u has in training. */
function ranked(train: InteractionMatrix, u: number, scores: Float32Array, k: number): Int32Array {
  return topN(scores, k, (i) => hasItem(train, u, i)).items;
}

const seconds = (from: number) => (performance.now() - from) / 1000;

/**
 * The issue's offline evaluation: popularity, item-kNN and iALS on MovieLens-style data (`RECS_DATA_DIR/u.data`, or
 * a synthetic ml-100k-like set), 80/20 random split per user with a fixed seed, P@10, R@10 and nDCG@10 over the
 * held-out items, training items excluded from every list. Popularity is the anchor measured in the same run
 * (`ials_vs_pop_ndcg10`); the published ml-100k figures are printed beside (as anchors with a ratio only on real
 * data — on the synthetic set they are figures of another data set). The check that can fail: every figure finite
 * and in [0, 1], and on the synthetic set, whose taste clusters are planted, iALS beats popularity.
 */
export const recsEvalBench: Benchmark = {
  name: 'recs-eval',
  description: `recommendations offline: popularity, item-kNN, iALS on ${DATA_DIR ? `${DATA_DIR}/u.data` : 'a synthetic ml-100k-like set'}, 80/20 per user, P/R/nDCG@10`,
  async run() {
    const data = loadData();
    const split = splitPerUser(data.triples, TEST_FRACTION, SPLIT_SEED);
    const train = buildMatrix(data.nUsers, data.nItems, split.train);
    const testRatings = data.triples.length - split.train.length;
    console.error(
      `  data: ${data.source}: ${data.nUsers} users, ${data.nItems} items, ${data.triples.length} interactions; ` +
        `${split.train.length} to train, ${testRatings} held out from ${split.test.size} users`,
    );
    const scores = new Float32Array(data.nItems);
    const results = {} as Record<Method, { metrics: RankingMetrics; trainS: number }>;

    let t = performance.now();
    const pop = popularity(train, 'users');
    results.pop = { trainS: seconds(t), metrics: evaluateAtK((u, k) => ranked(train, u, pop, k), split.test, K) };

    t = performance.now();
    const nb = itemNeighbours(train, ITEM_KNN_DEFAULTS);
    const knnS = seconds(t);
    results.knn = {
      trainS: knnS,
      metrics: evaluateAtK((u, k) => ranked(train, u, knnScoresForUser(train, nb, u, scores), k), split.test, K),
    };

    t = performance.now();
    const cpu = process.cpuUsage();
    const model = trainIals(train, {
      ...IALS_DEFAULTS,
      onIteration: (it, of) => console.error(`  iALS iteration ${it}/${of} at ${seconds(t).toFixed(2)} s`),
    });
    const ialsS = seconds(t);
    // On a shared machine the wall clock counts other work too; this process's CPU time is what training cost.
    const ialsCpuS = process.cpuUsage(cpu).user / 1e6;
    results.ials = {
      trainS: ialsS,
      metrics: evaluateAtK((u, k) => ranked(train, u, scoreItemsForUser(model, u, scores), k), split.test, K),
    };

    const n = split.test.size;
    const instances = [data.source];
    const round3 = (x: number) => Math.round(x * 1000) / 1000;
    const figures: Figure[] = [];
    for (const method of ['pop', 'knn', 'ials'] as const) {
      const { metrics, trainS } = results[method];
      const published = PUBLISHED_ML100K_NDCG10[method];
      console.error(
        `  ${method}: nDCG@10 ${metrics.ndcg.toFixed(3)}, P@10 ${metrics.precision.toFixed(3)}, R@10 ${metrics.recall.toFixed(3)}, trained in ${trainS.toFixed(2)} s (published ml-100k nDCG@10 ${published})`,
      );
      const ndcg: Figure = {
        bench: 'recs-eval',
        metric: `${method}_ndcg10`,
        value: round3(metrics.ndcg),
        unit: 'nDCG@10',
        n,
        instances,
      };
      figures.push(
        data.real
          ? {
              ...ndcg,
              anchor: `published_ml100k_${method}_ndcg10`,
              anchor_value: published,
              ratio: Math.round((metrics.ndcg / published) * 100) / 100,
            }
          : ndcg,
        { bench: 'recs-eval', metric: `${method}_p10`, value: round3(metrics.precision), unit: 'P@10', n, instances },
        { bench: 'recs-eval', metric: `${method}_r10`, value: round3(metrics.recall), unit: 'R@10', n, instances },
        {
          bench: 'recs-eval',
          metric: `${method}_train_s`,
          value: round3(trainS),
          unit: 's',
          n: split.train.length,
          instances,
        },
      );
      if (!data.real)
        figures.push({
          bench: 'recs-eval',
          metric: `published_ml100k_${method}_ndcg10`,
          value: published,
          unit: 'nDCG@10 (published, ml-100k, not this data)',
          n: 943,
        });
    }
    const vs = (a: Method, b: Method) => ({
      bench: 'recs-eval',
      metric: `${a}_vs_${b}_ndcg10`,
      value: Math.round((results[a].metrics.ndcg / results[b].metrics.ndcg) * 100) / 100,
      unit: '×',
      anchor: `${b}_ndcg10`,
      anchor_value: round3(results[b].metrics.ndcg),
      ratio: Math.round((results[a].metrics.ndcg / results[b].metrics.ndcg) * 100) / 100,
      n,
      instances,
    });
    figures.push(vs('ials', 'pop'), vs('knn', 'pop'), vs('ials', 'knn'), {
      bench: 'recs-eval',
      metric: 'ials_train_cpu_s',
      value: round3(ialsCpuS),
      unit: 's (CPU)',
      n: split.train.length,
      instances,
    });

    for (const method of ['pop', 'knn', 'ials'] as const) {
      const { precision, recall, ndcg } = results[method].metrics;
      for (const [name, v] of [
        ['P@10', precision],
        ['R@10', recall],
        ['nDCG@10', ndcg],
      ] as const)
        check(Number.isFinite(v) && v >= 0 && v <= 1, `${method} ${name} is ${v}, not a number in [0, 1]`);
    }
    check(results.pop.metrics.users === n && results.ials.metrics.users === n, 'every test user was evaluated');
    if (!data.real) {
      check(
        results.ials.metrics.ndcg > results.pop.metrics.ndcg,
        `iALS nDCG@10 ${results.ials.metrics.ndcg.toFixed(3)} does not beat popularity's ${results.pop.metrics.ndcg.toFixed(3)} on data with planted tastes`,
      );
    } else {
      // Goals of the issue, reported (not failed): the machine's speed and the data are not the code's to choose.
      console.error(
        `  goal iALS nDCG@10 ≥ ${GOAL_IALS_NDCG10}: ${results.ials.metrics.ndcg >= GOAL_IALS_NDCG10 ? 'met' : 'not met'}; training ≤ ${GOAL_IALS_TRAIN_S} s: ${ialsS <= GOAL_IALS_TRAIN_S ? 'met' : 'not met'}`,
      );
    }
    return figures;
  },
};
