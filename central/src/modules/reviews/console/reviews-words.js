// Words and numbers the reviews page says (issue #24): stars, percentages, the fraud reasons' names, report reasons.
import { h } from '/console/lib.js';

/** 1234 → "1,234"; `—` for no number. */
export const count = (n) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '—');

/** 0–1 as a whole percentage: 0.724 → "72 %"; `—` for no number. */
export const percent = (x) =>
  typeof x === 'number' && Number.isFinite(x) ? `${Math.round(x * 100).toLocaleString('en-US')} %` : '—';

/** 0–1 with one decimal, for a model's figures: 0.9512 → "95.1 %". */
export const percent1 = (x) =>
  typeof x === 'number' && Number.isFinite(x)
    ? `${(x * 100).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} %`
    : '—';

/** A rating of 1–5 as stars, said in words to a screen reader ("4 of 5 stars"). */
export const stars = (n) =>
  h(
    'span',
    { class: 'rv-stars', role: 'img', 'aria-label': `${n} of 5 stars` },
    '★'.repeat(n),
    h('span', { class: 'rv-stars-off' }, '★'.repeat(Math.max(0, 5 - n))),
  );

/** An average rating with two decimals ("4.25"), `—` for none. */
export const average = (x) =>
  typeof x === 'number' && Number.isFinite(x) && x > 0
    ? x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    : '—';

/** What each fraud rule is called on the page (its sentence comes with the review). */
export const REASON_NAMES = {
  TEXT_MODEL: 'Text model',
  IP_BURST: 'Burst from one address',
  DEVICE_BURST: 'Burst from one device',
  NEW_ACCOUNT: 'New account',
  RATING_PATTERN: 'Rating pattern',
  PRODUCT_BURST: 'Burst on this product',
  NEAR_DUPLICATE: 'Near-duplicate text',
  UNVERIFIED: 'No purchase known',
};

export const REPORT_NAMES = {
  OFFENSIVE: 'Offensive',
  SPAM: 'Spam',
  OFF_TOPIC: 'Off topic',
  PERSONAL_DATA: 'Personal data',
  OTHER: 'Other',
};

/** Why a moderator refuses a review (the text model learns "generated" from FAKE only). */
export const REJECT_REASON_NAMES = {
  FAKE: 'Fake or generated',
  OFFENSIVE: 'Offensive',
  OFF_TOPIC: 'Off topic',
  SPAM: 'Spam',
  OTHER: 'Other',
};

const MODEL_BADGE = { ACTIVE: 'ok', TRAINING: 'warn', FAILED: 'bad', RETIRED: '' };
export const modelBadge = (state) =>
  h('span', { class: `badge ${MODEL_BADGE[state] ?? ''}` }, String(state).toLowerCase());

/** A random key for a write that must not happen twice (sent as Idempotency-Key). */
export const newKey = () => crypto.randomUUID();
