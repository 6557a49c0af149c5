import type { FraudInput, FraudReasonEntry } from '../types.js';
import { estimateJaccard, lshBuckets } from './minhash.js';
import type { FraudRulesRepository } from './rules-repository.js';

/**
 * The fraud rules (lane D): each a reason with a weight (0..1) and a sentence for the moderator, combined by noisy-OR
 * in combine.ts (score = 1 − Π(1 − w); MANUAL_REVIEW at 0.5, REJECTED at 0.85 and only with a rule beside the model).
 *
 * | reason          | fires when (counting the review being scored)                               | weight          |
 * |-----------------|------------------------------------------------------------------------------|-----------------|
 * | NEAR_DUPLICATE  | another customer's review has estimated Jaccard ≥ 0.8 (MinHash/LSH)          | 0.70            |
 * | IP_BURST        | ≥ 6 reviews from the client address in the last hour, by ≥ 2 customers       | 0.55            |
 * | DEVICE_BURST    | ≥ 4 reviews from the device in the last hour, by ≥ 2 customers               | 0.55            |
 * |                 | (a store's kiosk, device `store:…`: ≥ 20 an hour, for IP_BURST too)          |                 |
 * | PRODUCT_BURST   | ≥ 10 reviews of this product with the same extreme rating (1★ or 5★), 1 hour | 0.40            |
 * | NEW_ACCOUNT     | account younger than 7 days with ≥ 3 reviews                                 | 0.30            |
 * | RATING_PATTERN  | ≥ 5 reviews, every one 5★ (or every one 1★)                                  | 0.30            |
 * | UNVERIFIED      | no purchase of the product known                                             | 0.05            |
 * | TEXT_MODEL      | the model's probability p ≥ 0.25 that the text is generated                  | min(p, 0.80)    |
 *
 * What that gives: the text model alone (≤ 0.80, with UNVERIFIED ≤ 0.81) reaches MANUAL_REVIEW at p ≥ 0.5 but never
 * REJECTED; the model at 0.8 plus any rule but UNVERIFIED is ≥ 0.86 (REJECTED); a near-duplicate with a burst is
 * 0.865 (REJECTED); one rule alone at most MANUAL_REVIEW; NEW_ACCOUNT with RATING_PATTERN 0.51 (MANUAL_REVIEW).
 * Bursts ask for two customers: one shopper reviewing a haul from home is not a burst of accounts. A store's kiosk
 * (device `store:…`) is shared by design: both its bursts count from 20 an hour (KIOSK_BURST_AT).
 */
export const HOUR_MS = 3_600_000;
export const IP_BURST_AT = 6;
export const IP_BURST_WEIGHT = 0.55;
export const DEVICE_BURST_AT = 4;
export const DEVICE_BURST_WEIGHT = 0.55;
export const BURST_CUSTOMERS = 2;
/**
 * A store's kiosk (device `store:<storeId>`, at the store's address — lane A's routes name it so) is one device and
 * one address for every shopper at the store: its bursts count from KIOSK_BURST_AT reviews an hour instead.
 */
export const KIOSK_DEVICE_PREFIX = 'store:';
export const KIOSK_BURST_AT = 20;
export const BURST_WINDOW_MS = HOUR_MS;
export const NEW_ACCOUNT_MS = 7 * 86_400_000;
export const NEW_ACCOUNT_REVIEWS = 3;
export const NEW_ACCOUNT_WEIGHT = 0.3;
export const RATING_PATTERN_REVIEWS = 5;
export const RATING_PATTERN_WEIGHT = 0.3;
export const PRODUCT_BURST_AT = 10;
export const PRODUCT_BURST_WINDOW_MS = HOUR_MS;
export const PRODUCT_BURST_WEIGHT = 0.4;
export const NEAR_DUPLICATE_AT = 0.8;
export const NEAR_DUPLICATE_WEIGHT = 0.7;
export const UNVERIFIED_WEIGHT = 0.05;
/** Below this probability the text model says nothing. */
export const TEXT_MODEL_SAYS_AT = 0.25;
/** The text model's weight at most: under REJECT_AT (0.85) even with UNVERIFIED. */
export const TEXT_MODEL_CAP = 0.8;

/** The text the model and MinHash read: title and body. */
export function reviewText(input: Pick<FraudInput, 'title' | 'body'>): string {
  return `${input.title}\n${input.body}`;
}

/** The text model's reason for probability `p`, or none. */
export function textModelReason(p: number): FraudReasonEntry | null {
  if (!(p >= TEXT_MODEL_SAYS_AT)) return null;
  return {
    code: 'TEXT_MODEL',
    weight: Math.min(p, TEXT_MODEL_CAP),
    detail: `The text model gives ${pct(p)} that the text was generated, not written by a customer`,
  };
}

/**
 * Every rule that fires for `input`, reading through `repo` (the submit's transaction); `signature` is the text's
 * MinHash. Reads run one after another (one connection in a transaction).
 */
export async function evaluateRules(
  repo: FraudRulesRepository,
  input: FraudInput,
  signature: Uint32Array,
): Promise<FraudReasonEntry[]> {
  const out: FraudReasonEntry[] = [];
  const exclude = input.reviewId;
  const { ip, deviceId } = input.client;
  const kiosk = deviceId?.startsWith(KIOSK_DEVICE_PREFIX) === true;
  if (ip) {
    const t = await repo.byIp(ip, input.at - BURST_WINDOW_MS, exclude, input.customerId);
    const n = t.reviews + 1;
    const customers = t.otherCustomers + 1;
    if (n >= (kiosk ? KIOSK_BURST_AT : IP_BURST_AT) && customers >= BURST_CUSTOMERS)
      out.push({
        code: 'IP_BURST',
        weight: IP_BURST_WEIGHT,
        detail: `${n} reviews from ${ip} in the last hour, by ${customers} customers`,
      });
  }
  if (deviceId) {
    const t = await repo.byDevice(deviceId, input.at - BURST_WINDOW_MS, exclude, input.customerId);
    const n = t.reviews + 1;
    const customers = t.otherCustomers + 1;
    if (n >= (kiosk ? KIOSK_BURST_AT : DEVICE_BURST_AT) && customers >= BURST_CUSTOMERS)
      out.push({
        code: 'DEVICE_BURST',
        weight: DEVICE_BURST_WEIGHT,
        detail: `${n} reviews from device ${deviceId} in the last hour, by ${customers} customers`,
      });
  }
  const mine = await repo.ofCustomer(input.customerId, exclude);
  const n = mine.n + 1;
  if (input.customerSince !== null && input.at - input.customerSince < NEW_ACCOUNT_MS && n >= NEW_ACCOUNT_REVIEWS) {
    const days = Math.max(0, Math.floor((input.at - input.customerSince) / 86_400_000));
    out.push({
      code: 'NEW_ACCOUNT',
      weight: NEW_ACCOUNT_WEIGHT,
      detail: `${n} reviews from an account ${days === 0 ? 'opened today' : `${days} day${days === 1 ? '' : 's'} old`}`,
    });
  }
  const lo = mine.n === 0 ? input.rating : Math.min(mine.min, input.rating);
  const hi = mine.n === 0 ? input.rating : Math.max(mine.max, input.rating);
  if (n >= RATING_PATTERN_REVIEWS && lo === hi && (lo === 5 || lo === 1))
    out.push({
      code: 'RATING_PATTERN',
      weight: RATING_PATTERN_WEIGHT,
      detail: `All ${n} of the customer's reviews give ${lo}★`,
    });
  if (input.rating === 1 || input.rating === 5) {
    const k = (await repo.extremeOfProduct(input.sku, input.rating, input.at - PRODUCT_BURST_WINDOW_MS, exclude)) + 1;
    if (k >= PRODUCT_BURST_AT)
      out.push({
        code: 'PRODUCT_BURST',
        weight: PRODUCT_BURST_WEIGHT,
        detail: `${k} reviews of ${input.sku} gave ${input.rating}★ in the last hour`,
      });
  }
  const dup = await nearestOtherText(repo, input.customerId, signature);
  if (dup && dup.similarity >= NEAR_DUPLICATE_AT)
    out.push({
      code: 'NEAR_DUPLICATE',
      weight: NEAR_DUPLICATE_WEIGHT,
      detail: `The text is ${pct(dup.similarity)} like review ${dup.reviewId} by another customer`,
    });
  if (!input.verified)
    out.push({
      code: 'UNVERIFIED',
      weight: UNVERIFIED_WEIGHT,
      detail: 'No purchase of the product by this customer is known',
    });
  return out;
}

/** Another customer's review with the most similar text (by LSH candidates), or null when none shares a bucket. */
export async function nearestOtherText(
  repo: FraudRulesRepository,
  customerId: string,
  signature: Uint32Array,
): Promise<{ reviewId: string; similarity: number } | null> {
  let best: { reviewId: string; similarity: number } | null = null;
  for (const c of await repo.candidates(lshBuckets(signature), customerId)) {
    const similarity = estimateJaccard(signature, c.signature);
    if (!best || similarity > best.similarity) best = { reviewId: c.reviewId, similarity };
  }
  return best;
}

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}
