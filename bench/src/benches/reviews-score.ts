import { randomUUID } from 'node:crypto';
import { createHub } from '@storefleet/central';
import { constantApproved } from '../../../central/src/modules/reviews/fraud/scorer.js';
import { reviewsParts } from '../../../central/src/modules/reviews/index.js';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { check } from '../support/check.js';
import { type Caller, headOffice, importCatalog } from '../support/hub-calls.js';
import { percentile } from '../support/memory-store.js';
import { modulesKeepingContext } from '../support/module-context.js';
import { benchTexts, scoredPerSecond, trainBoth } from './reviews-score-loop.js';

/** A positive whole number from the environment, else the fallback; anything else stops the run. */
function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number ≥ 1, not '${raw}'`);
  return n;
}

export const REVIEWS_SCORE_DEFAULTS = {
  /** Submits through the API with scoring, and as many with the constant scorer (the anchor), after a warm-up. */
  submits: fromEnv('REVIEWS_SCORE_SUBMITS', 300),
  /** Seconds the submit passes may take together: past it they stop where they are (at least 20 pairs). */
  submitSeconds: fromEnv('REVIEWS_SCORE_SUBMIT_SECONDS', 180),
  /** Seconds of each in-process pass (three each, alternating with the anchor). */
  loopSeconds: fromEnv('REVIEWS_SCORE_LOOP_SECONDS', 2),
  /** Seconds to wait for the hub's own text model before submitting (it trains soon after the hub starts). */
  modelWaitSeconds: fromEnv('REVIEWS_SCORE_MODEL_WAIT_SECONDS', 180),
};
const GOAL_PER_S = 2_000;
const GOAL_P95_MS = 500;
const WARM_UP = 20;
const PRODUCTS = 50;
const LOOP_ANCHOR = 'tfidf-1-2gram-logistic-same-loop';
const SUBMIT_ANCHOR = 'constant-approved-scorer';
/** Every 10th scored submit comes from this address, so the IP_BURST rule has something to find. */
const BURST_IP = '203.0.113.50';

export const reviewsScoreBench: Benchmark = {
  name: 'reviews-score',
  description:
    'reviews scored per CPU-second on one core in-process (text model + MinHash/LSH + combine; the rules’ SQL excluded) ' +
    'against the same loop with a plain TF-IDF+LR model, and submit p50/p95 through the API against a constant ' +
    'APPROVED scorer',
  run: () => runReviewsScore(REVIEWS_SCORE_DEFAULTS),
};

export async function runReviewsScore(o: typeof REVIEWS_SCORE_DEFAULTS): Promise<Figure[]> {
  const { path, rows } = benchTexts();
  const texts = rows.map((r) => r.text);
  const { model, anchor, trainS } = trainBoth(rows);
  console.log(`  ${rows.length} texts from ${path}; lane C's model trained in ${round(trainS)} s`);

  // (1) in-process, one core (this thread), alternating ours and the anchor three times; the median of each
  const ours: number[] = [];
  const oursWall: number[] = [];
  const theirs: number[] = [];
  let loopN = 0;
  let loopDecisions = new Map<string, number>();
  for (let k = 0; k < 3; k++) {
    const a = scoredPerSecond(model, texts, o.loopSeconds);
    const b = scoredPerSecond(anchor, texts, o.loopSeconds);
    ours.push(a.perS);
    oursWall.push(a.perWallS);
    theirs.push(b.perS);
    loopN += a.n;
    loopDecisions = a.decisions;
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[1]!;
  const perS = median(ours);
  check(perS >= GOAL_PER_S, `scored ${round(perS)}/s in-process, under the goal of ${GOAL_PER_S}/s`);
  check(
    loopDecisions.size >= 2,
    `every text of the CSV got the same decision in-process: ${JSON.stringify([...loopDecisions])}`,
  );
  const figures: Figure[] = [
    against(
      { bench: 'reviews-score', metric: 'scored_per_s', value: perS, unit: 'reviews/s', n: loopN },
      LOOP_ANCHOR,
      median(theirs),
    ),
    {
      bench: 'reviews-score',
      metric: 'scored_per_wall_s',
      value: round(median(oursWall)),
      unit: 'reviews/s',
      n: loopN,
    },
  ];

  // (2) submits through the API, each by another customer, with scoring and (the anchor) with a constant scorer
  const target = benchTargets[0]!;
  return withDb(target, async (place) => {
    const { modules, context } = await modulesKeepingContext('reviews');
    const hub = await createHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...place, modules });
    try {
      const url = await hub.start();
      const admin = await headOffice(hub);
      const skus = await importCatalog(url, admin, PRODUCTS);
      const parts = reviewsParts(context());
      const waitUntil = Date.now() + o.modelWaitSeconds * 1000;
      while (!parts.models.probability('warm') && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 250));
      const hubModel = parts.models.probability('warm');
      console.log(
        hubModel
          ? `  the hub's text model v${hubModel.version} is active`
          : `  the hub had no text model after ${o.modelWaitSeconds} s: submits scored by the rules alone`,
      );
      const scored: number[] = [];
      const constant: number[] = [];
      const decisions = new Map<string, number>();
      let not201 = 0;
      const started = Date.now();
      const total = WARM_UP + o.submits;
      let done = 0;
      for (let i = 0; i < total; i++) {
        if (i >= WARM_UP + 20 && Date.now() - started > o.submitSeconds * 1000) break;
        const text = texts[i % texts.length]!;
        const body = (ip: string, dev: string) => ({
          sku: skus[i % skus.length]!,
          customerId: randomUUID(),
          rating: 1 + (i % 5),
          title: '',
          body: (text.trim().length >= 10 ? text : `${text} (a short one)`).slice(0, 5_000),
          client: { ip, deviceId: dev },
        });
        // the pair runs in either order by turn, so neither side always meets a cache the other warmed
        const sides = [
          async () => {
            parts.scorer.replaceScoring(null);
            const ip = i % 10 === 0 ? BURST_IP : `10.${(i >> 8) & 255}.${i & 255}.1`;
            const r = await submit(url, admin, body(ip, `app-${i}`));
            if (r.status !== 201) not201++;
            else if (i >= WARM_UP) decisions.set(r.decision, (decisions.get(r.decision) ?? 0) + 1);
            if (i >= WARM_UP) scored.push(r.ms);
          },
          async () => {
            parts.scorer.replaceScoring(constantApproved);
            const r = await submit(url, admin, body(`10.200.${(i >> 8) & 255}.${i & 255}`, `anchor-${i}`));
            if (r.status !== 201) not201++;
            if (i >= WARM_UP) constant.push(r.ms);
          },
        ];
        if (i % 2 === 1) sides.reverse();
        for (const side of sides) await side();
        done = i + 1;
      }
      parts.scorer.replaceScoring(null);
      check(not201 === 0, `${not201} of ${2 * done} submits were not answered 201`);
      check(decisions.size >= 2, `every scored submit got the same decision: ${JSON.stringify([...decisions])}`);
      const p95 = percentile(scored, 95);
      const anchorP95 = percentile(constant, 95);
      check(p95 < GOAL_P95_MS, `submit p95 ${round(p95)} ms, over the goal of ${GOAL_P95_MS} ms`);
      console.log(`  scored submits' decisions: ${JSON.stringify(Object.fromEntries(decisions))}`);
      const base = { bench: 'reviews-score', db: target.name };
      figures.push(
        { ...base, metric: 'submit_p50_ms', value: round(percentile(scored, 50)), unit: 'ms', n: scored.length },
        against(
          { ...base, metric: 'submit_p95_ms', value: p95, unit: 'ms', n: scored.length },
          SUBMIT_ANCHOR,
          anchorP95,
          false,
        ),
        {
          ...base,
          metric: 'anchor_submit_p50_ms',
          value: round(percentile(constant, 50)),
          unit: 'ms',
          n: constant.length,
        },
        { ...base, metric: 'submit_p95_vs_no_scoring', value: round(p95 / anchorP95, 2), unit: '×', n: scored.length },
        {
          ...base,
          metric: 'submits_sent_to_moderation',
          value: (decisions.get('MANUAL_REVIEW') ?? 0) + (decisions.get('REJECTED') ?? 0),
          unit: 'reviews',
          n: scored.length,
        },
      );
      return figures;
    } finally {
      await hub.stop();
    }
  });
}

async function submit(
  url: string,
  who: Caller,
  body: unknown,
): Promise<{ status: number; ms: number; decision: string }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/reviews`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
      ...('cookie' in who ? { cookie: who.cookie } : { authorization: `Bearer ${who.token}` }),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  let decision = '?';
  if (res.status === 201) decision = (JSON.parse(text) as { status: string }).status;
  else if (process.env.REVIEWS_SCORE_VERBOSE) console.error(`  submit answered ${res.status}: ${text.slice(0, 300)}`);
  return { status: res.status, ms, decision };
}
