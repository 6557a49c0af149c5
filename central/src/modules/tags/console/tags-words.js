// Words and numbers the tags page says (issue #20): counts with separators, sizes, durations, job states.
import { duration, h } from '/console/lib.js';

export const KINDS = ['CATEGORY', 'ATTRIBUTE', 'PROMOTION', 'SEASONAL'];
export const KIND_WORDS = {
  CATEGORY: 'category',
  ATTRIBUTE: 'attribute',
  PROMOTION: 'promotion',
  SEASONAL: 'seasonal',
};

/** 1234567 → "1,234,567"; `—` for no number (the index is not ready). */
export const count = (n) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '—');
/** "1 product", "2,000 products". */
export const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
/** Bytes in MB, to two places; "under 0.01 MB" for a small index rather than a 0. */
export const megabytes = (bytes) => {
  if (typeof bytes !== 'number') return '—';
  const mb = bytes / 1_048_576;
  if (bytes > 0 && mb < 0.01) return 'under 0.01 MB';
  return `${mb.toLocaleString('en-US', { maximumFractionDigits: 2 })} MB`;
};
/** Seconds left as people say it ("about 3 min"); `—` when the job cannot say yet. */
export const eta = (seconds) =>
  typeof seconds === 'number' && Number.isFinite(seconds) ? `about ${duration(seconds * 1000)}` : '—';

/** An answer that is a list, or `{ items }`. */
export const listOf = (r) => (Array.isArray(r) ? r : (r?.items ?? []));

/** A tag as a line says it: "Smartphones (electronics.mobile.smartphones)". */
export const tagLabel = (t) => (t ? `${t.name} (${t.path})` : '—');

/** The tag an analytics or job row names: an object, or an id looked up in the tree. */
export const tagOf = (x, byId) => (typeof x === 'object' && x !== null ? x : byId.get(x));

export const JOB_STATE_WORDS = {
  PREPARING: 'preparing',
  QUEUED: 'queued',
  RUNNING: 'running',
  CANCELLING: 'cancelling',
  CANCELLED: 'cancelled',
  DONE: 'done',
  FAILED: 'failed',
};
const JOB_STATE_BADGE = { DONE: 'ok', FAILED: 'bad', CANCELLED: 'warn', CANCELLING: 'warn' };
export const jobBadge = (state) =>
  h('span', { class: `badge ${JOB_STATE_BADGE[state] ?? ''}` }, JOB_STATE_WORDS[state] ?? String(state).toLowerCase());
/** A job still moving: the page re-reads the jobs while one is. */
export const jobActive = (state) => ['PREPARING', 'QUEUED', 'RUNNING', 'CANCELLING'].includes(state);

export const ACTION_WORDS = { ADD: 'Add', REMOVE: 'Remove', REPLACE: 'Replace with' };
/** "Add phones, sale to", "Remove phones from", "Replace every tag with phones on". */
export function actionSentence(action, slugs, products) {
  const list = slugs.join(', ') || '…';
  const what = `${products} ${products === '1' ? 'product' : 'products'}`;
  if (action === 'REMOVE') return `Remove ${list} from ${what}`;
  if (action === 'REPLACE') return `Replace the tags of ${what} with ${list}`;
  return `Add ${list} to ${what}`;
}

/** A progress bar with its percent said beside it, labelled for screen readers. */
export const progressBar = (label, value, max = 100) =>
  h(
    'span',
    { class: 'tg-progress' },
    h('progress', { max, value: Math.max(0, Math.min(value, max)), 'aria-label': label }),
    h('span', { class: 'num' }, `${Math.round((Math.max(0, Math.min(value, max)) / Math.max(1, max)) * 100)} %`),
  );

/**
 * Calls the hub and gives back the problem's body too (the query's 422 carries the position of the mistake, which
 * lib's api() drops): resolves `{ ok, status, body }`, never throws for an answer.
 */
export async function fetchJson(path) {
  let res;
  try {
    res = await fetch(path, { credentials: 'same-origin' });
  } catch {
    return { ok: false, status: 0, body: { detail: 'The hub cannot be reached.' } };
  }
  const body = await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, body, retryAfter: res.headers.get('retry-after') };
}

/** A random key for a write that must not happen twice (sent as Idempotency-Key). */
export const newKey = () => crypto.randomUUID();
