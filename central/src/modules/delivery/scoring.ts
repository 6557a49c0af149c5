import { formatMoney, money } from '@storefleet/shared';
import { formatKm } from './geo.js';
import { clockTime } from './local-time.js';
import type { Fit, Job } from './promise.js';
import type { Carrier, OfferScore, ScoreTerm } from './types.js';

/**
 * How a feasible carrier is scored for a delivery (0–100): four terms on fixed scales, so a score means the same
 * whatever else is on offer and each term reads as a sentence in the console.
 * - cost (30): the carrier's price for this delivery, base + per km × road km; full points at nothing, none at $30.
 * - eta (30): minutes between the arrival and the window's close; full points at two hours of slack.
 * - capacity (15): the share of its room (stops and weight, the tighter of the two) still free after this delivery.
 * - reliability (25): offers it accepted × deliveries it brought on time, over the last 30 days; each share starts
 *   from a prior of 80 % worth five answers, so a new carrier is neither trusted fully nor shut out.
 * Ties go to the earlier arrival, then the carrier's code (the same order on every hub).
 */
export const SCORE_WEIGHTS = { cost: 30, eta: 30, capacity: 15, reliability: 25 } as const;
const COST_CEILING_MINOR = 3000;
const FULL_SLACK_MIN = 120;
const PRIOR = 0.8;
const PRIOR_WEIGHT = 5;

/** What a carrier did in the last 30 days (delivery_offers and deliveries). */
export interface Reliability {
  /** Offers it answered or let time out. */
  readonly offers: number;
  readonly accepted: number;
  /** Deliveries it finished: delivered or failed at the door. */
  readonly finished: number;
  /** Of those, delivered by the window's close. */
  readonly onTime: number;
  readonly failed: number;
}

export const NO_HISTORY: Reliability = { offers: 0, accepted: 0, finished: 0, onTime: 0, failed: 0 };

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const round1 = (x: number) => Math.round(x * 10) / 10;
const pct = (x: number) => `${Math.round(x * 100)} %`;
const usd = (minor: number) => formatMoney(money(Math.round(minor)));

/** A share with the prior folded in: (hits + 0.8 × 5) / (tries + 5). */
export const smoothed = (hits: number, tries: number) => (hits + PRIOR * PRIOR_WEIGHT) / (tries + PRIOR_WEIGHT);

/** The share of offers accepted × the share of deliveries on time, both smoothed. */
export function reliabilityShare(r: Reliability): number {
  return smoothed(r.accepted, r.offers) * smoothed(r.onTime, r.finished);
}

function term(name: ScoreTerm['name'], value: number, share: number, why: (() => string) | null): ScoreTerm {
  const weight = SCORE_WEIGHTS[name];
  const points = round1(weight * clamp01(share));
  return {
    name,
    value: Math.round(value * 1000) / 1000,
    weight,
    points,
    why: why ? `${why()}: +${points.toFixed(1)}` : '',
  };
}

/**
 * The score of carrier `c` keeping `job` as `fit` says. `explain`: each term's sentence too — only the carrier that is
 * offered the delivery needs them (ranking a hundred carriers by their totals should not format a hundred times).
 */
export function scoreOf(
  c: Carrier,
  fit: Fit,
  job: Job,
  reliability: Reliability,
  now: number,
  explain = true,
): OfferScore {
  const tz = job.store.timezone;
  const slackMin = (job.window.to - fit.eta) / 60_000;
  const roomShare = Math.min(fit.roomAfter.stops / c.capacityStops, fit.roomAfter.grams / c.capacityGrams);
  const rel = reliabilityShare(reliability);
  const say = (why: () => string) => (explain ? why : null);
  const terms: ScoreTerm[] = [
    term(
      'cost',
      fit.costMinor,
      1 - fit.costMinor / COST_CEILING_MINOR,
      say(
        () =>
          `costs ${usd(fit.costMinor)} (${usd(c.costBaseMinor)} + ${usd(c.costPerKmMinor)}/km × ${formatKm(fit.km)})`,
      ),
    ),
    term(
      'eta',
      slackMin,
      slackMin / FULL_SLACK_MIN,
      say(() => `arrives ${clockTime(fit.eta, now, tz)}, ${Math.round(slackMin)} min before the window closes`),
    ),
    term(
      'capacity',
      roomShare,
      roomShare,
      say(
        () =>
          `keeps ${pct(roomShare)} of its room free after this one (${c.capacityStops - fit.roomAfter.stops} of ${c.capacityStops} stops)`,
      ),
    ),
    term(
      'reliability',
      rel,
      rel,
      say(() =>
        reliability.offers + reliability.finished === 0
          ? `no offers or deliveries in the last 30 days: counted as ${pct(rel)}`
          : `accepted ${reliability.accepted} of ${reliability.offers} offers and brought ${reliability.onTime} of ${reliability.finished} on time in the last 30 days`,
      ),
    ),
  ];
  return { total: round1(terms.reduce((s, t) => s + t.points, 0)), terms };
}

/** Best first: the highest total, then the earlier arrival, then the carrier's code. */
export function byScore<T extends { readonly carrier: Carrier; readonly fit: Fit; readonly score: OfferScore }>(
  a: T,
  b: T,
): number {
  return b.score.total - a.score.total || a.fit.eta - b.fit.eta || (a.carrier.code < b.carrier.code ? -1 : 1);
}
