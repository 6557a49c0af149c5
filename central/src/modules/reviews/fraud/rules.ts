import type { FraudInput, FraudReasonEntry } from '../types.js';
import { estimateJaccard, lshBuckets, normaliseText } from './minhash.js';
import type { FraudRulesRepository } from './rules-repository.js';

/**
 * The fraud rules (lane D): each a reason with a weight (0..1) and a sentence for the moderator, combined by noisy-OR
 * in combine.ts (score = 1 − Π(1 − w); MANUAL_REVIEW at 0.5, REJECTED at 0.85 and only with a rule beside the model).
 *
 * | reason          | fires when (counting the review being scored)                               | weight          |
 * |-----------------|------------------------------------------------------------------------------|-----------------|
 * | NEAR_DUPLICATE  | another customer's review has estimated Jaccard ≥ 0.8 (MinHash/LSH), for a   | 0.70 × size/24, |
 * |                 | text of ≥ 12 words (or ≥ 96 letters, for scripts written without spaces)     | at most 0.70;   |
 * |                 |                                                                              | halved for a    |
 * |                 |                                                                              | stock phrase    |
 * | IP_BURST        | ≥ 6 reviews from the client address in the last hour, by ≥ 2 customers       | 0.55            |
 * | DEVICE_BURST    | ≥ 4 reviews from the device in the last hour, by ≥ 2 customers               | 0.55            |
 * |                 | (written by a store's own credential — its kiosk, `viaStore` — ≥ 20 an hour, |                 |
 * |                 | for IP_BURST too)                                                             |                 |
 * | PRODUCT_BURST   | ≥ 10 reviews of this product with the same extreme rating (1★ or 5★), 1 hour | 0.40            |
 * | NEW_ACCOUNT     | account younger than 7 days with ≥ 3 reviews                                 | 0.30            |
 * | RATING_PATTERN  | ≥ 5 reviews, every one 5★ (or every one 1★)                                  | 0.30            |
 * | UNVERIFIED      | no purchase of the product known                                             | 0.05            |
 * | TEXT_MODEL      | the model's probability p ≥ 0.25 that the text is generated                  | min(p, 0.80)    |
 *
 * What that gives: the text model alone (≤ 0.80, with UNVERIFIED ≤ 0.81) reaches MANUAL_REVIEW at p ≥ 0.5 but never
 * REJECTED; the model at 0.8 plus any rule but UNVERIFIED is ≥ 0.86 (REJECTED); a near-duplicate of 24 words or more
 * with a burst is 0.865 (REJECTED); one rule alone at most MANUAL_REVIEW; NEW_ACCOUNT with RATING_PATTERN 0.51
 * (MANUAL_REVIEW). Bursts ask for two customers: one shopper reviewing a haul from home is not a burst of accounts. A
 * store's kiosk is shared by design: when the store's own credential wrote the review (`FraudInput.viaStore`, decided
 * from the sign-in — a `store:` device id a caller sends means nothing) both its bursts count from 20 an hour.
 *
 * Near-duplicates and short texts: "Good value for the money" is written by thousands of honest customers, so a copy
 * counts only from NEAR_DUPLICATE_MIN_WORDS words, weighs in proportion to its length up to NEAR_DUPLICATE_FULL_WORDS
 * (a 12-word copy alone, 0.35, stays APPROVED; with a burst it is held), and when the text is a stock phrase — at least
 * STOCK_PHRASE_MATCHES other customers' reviews say the same, and it is under NEAR_DUPLICATE_CAMPAIGN_WORDS — its
 * weight is halved. A long text that many accounts share is a campaign, not a stock phrase: full weight.
 *
 * An unknown account age (`customerSince` null) is not a new account: it happens only on a hub without the customers
 * module (with one, the service answers 404 for a customer the directory does not know before scoring), where every
 * customer's age is unknown and counting each as new would hold every regular's third review.
 *
 * Parallel submits: before counting, scoring takes transaction-scoped advisory locks on the client address, the device
 * and the text's LSH buckets (in that order; buckets ascending), so two submits of one burst or of one copied text
 * are counted one after the other and each sees the other (FraudRulesRepository.lockSources). When IP_BURST,
 * DEVICE_BURST or NEAR_DUPLICATE fires, FraudScorer.holdAccomplices moves the burst's other approved reviews and the
 * copied original to MANUAL_REVIEW in the same transaction.
 */
export const HOUR_MS = 3_600_000;
export const IP_BURST_AT = 6;
export const IP_BURST_WEIGHT = 0.55;
export const DEVICE_BURST_AT = 4;
export const DEVICE_BURST_WEIGHT = 0.55;
export const BURST_CUSTOMERS = 2;
/**
 * A store's kiosk (a review written by the store's own credential, `FraudInput.viaStore`) is one device and one address
 * for every shopper at the store: its bursts count from KIOSK_BURST_AT reviews an hour instead. A device id the caller
 * sends (`store:…` included) never decides it.
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
/** A text shorter than this (in words; see textSize) is never a near-duplicate: short phrases are everyone's. */
export const NEAR_DUPLICATE_MIN_WORDS = 12;
/** From this size a near-duplicate weighs NEAR_DUPLICATE_WEIGHT; below it in proportion. */
export const NEAR_DUPLICATE_FULL_WORDS = 24;
/** Letters counted as one word, for texts in scripts written without spaces (a 96-letter text is 12 "words"). */
export const LETTERS_PER_WORD = 8;
/** As many other customers' near-duplicates as this (of the candidates read) make a short text a stock phrase. */
export const STOCK_PHRASE_MATCHES = 10;
/** A stock phrase's near-duplicate weighs this share of its weight, for texts under NEAR_DUPLICATE_CAMPAIGN_WORDS. */
export const STOCK_PHRASE_FACTOR = 0.5;
export const NEAR_DUPLICATE_CAMPAIGN_WORDS = 40;
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
  const kiosk = input.viaStore === true;
  const size = textSize(reviewText(input));
  // a text too short to be a near-duplicate needs no bucket lock (stock phrases would queue every submit on one)
  await repo.lockSources(ip, deviceId, size >= NEAR_DUPLICATE_MIN_WORDS ? lshBuckets(signature) : []);
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
  if (size >= NEAR_DUPLICATE_MIN_WORDS) {
    const dup = await nearOtherTexts(repo, input.customerId, signature);
    if (dup.best && dup.best.similarity >= NEAR_DUPLICATE_AT) {
      const stock = dup.matches >= STOCK_PHRASE_MATCHES && size < NEAR_DUPLICATE_CAMPAIGN_WORDS;
      const more = dup.matches - 1;
      out.push({
        code: 'NEAR_DUPLICATE',
        weight:
          NEAR_DUPLICATE_WEIGHT * Math.min(1, size / NEAR_DUPLICATE_FULL_WORDS) * (stock ? STOCK_PHRASE_FACTOR : 1),
        detail:
          `The text is ${pct(dup.best.similarity)} like review ${dup.best.reviewId} by another customer` +
          (more > 0 ? ` (and like ${more} more by other customers${stock ? ': a stock phrase' : ''})` : ''),
      });
    }
  }
  if (!input.verified)
    out.push({
      code: 'UNVERIFIED',
      weight: UNVERIFIED_WEIGHT,
      detail: 'No purchase of the product by this customer is known',
    });
  return out;
}

/**
 * A text's size in words for the near-duplicate rule: its normalised words, or its letters and digits divided by
 * LETTERS_PER_WORD when that is more (Chinese or Japanese text has no spaces between words).
 */
export function textSize(text: string): number {
  const norm = normaliseText(text);
  if (norm === '') return 0;
  const words = norm.split(' ');
  const letters = norm.length - (words.length - 1);
  return Math.max(words.length, Math.floor(letters / LETTERS_PER_WORD));
}

/** Another customer's review with the most similar text (by LSH candidates), or null when none shares a bucket. */
export async function nearestOtherText(
  repo: FraudRulesRepository,
  customerId: string,
  signature: Uint32Array,
): Promise<{ reviewId: string; similarity: number } | null> {
  return (await nearOtherTexts(repo, customerId, signature)).best;
}

/**
 * Other customers' reviews like the text: the most similar (null when none shares a bucket) and how many of the
 * candidates read (at most MAX_CANDIDATES) are near-duplicates (estimated Jaccard ≥ NEAR_DUPLICATE_AT).
 */
export async function nearOtherTexts(
  repo: FraudRulesRepository,
  customerId: string,
  signature: Uint32Array,
): Promise<{ best: { reviewId: string; similarity: number } | null; matches: number }> {
  let best: { reviewId: string; similarity: number } | null = null;
  let matches = 0;
  for (const c of await repo.candidates(lshBuckets(signature), customerId)) {
    const similarity = estimateJaccard(signature, c.signature);
    if (similarity >= NEAR_DUPLICATE_AT) matches++;
    if (!best || similarity > best.similarity) best = { reviewId: c.reviewId, similarity };
  }
  return { best, matches };
}

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}
