// Words and numbers the recommendations page says (issue #21): counts with separators, rates as percentages with one
// decimal, states as badges, and the CTR bar with its credible interval drawn.
import { h } from '/console/lib.js';

/** 1234567 → "1,234,567"; `—` for no number (an answer without the field). */
export const count = (n) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '—');

/** A rate of 0–1 as a percentage with one decimal: 0.0321 → "3.2 %"; `—` for no number. */
export const percent = (x) =>
  typeof x === 'number' && Number.isFinite(x)
    ? `${(x * 100).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} %`
    : '—';

/** "1 impression", "2,000 impressions". */
export const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

const VARIANT_BADGE = { RUNNING: 'ok', STOPPED: '' };
const VARIANT_WORDS = { RUNNING: 'running', STOPPED: 'stopped' };
export const variantBadge = (state) =>
  h('span', { class: `badge ${VARIANT_BADGE[state] ?? ''}` }, VARIANT_WORDS[state] ?? String(state).toLowerCase());

const MODEL_BADGE = { ACTIVE: 'ok', TRAINING: 'warn', FAILED: 'bad', RETIRED: '' };
const MODEL_WORDS = { ACTIVE: 'active', TRAINING: 'training', FAILED: 'failed', RETIRED: 'retired' };
export const modelBadge = (state) =>
  h('span', { class: `badge ${MODEL_BADGE[state] ?? ''}` }, MODEL_WORDS[state] ?? String(state).toLowerCase());

/**
 * The scale the CTR bars share, so bars of different variants compare by length: the highest interval end, rounded
 * up to a readable step (1 %, 2 %, 5 %, 10 %, 20 %, 50 %, 100 %).
 */
export function ctrScale(variants) {
  // a variant with no lists shown yet has the prior's interval (2.5 %–97.5 %): it would squash every other bar
  const shown = variants.filter((v) => v.impressions > 0);
  const top = Math.max(0, ...shown.map((v) => (typeof v.ctrHigh === 'number' ? v.ctrHigh : 0)));
  for (const step of [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) if (top <= step) return step;
  return 1;
}

const SVG = 'http://www.w3.org/2000/svg';
function svgEl(parent, tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent.append(e);
  return e;
}

/**
 * A variant's CTR as a bar from 0 with its 95 % credible interval drawn across it (a line with end ticks); the same
 * figures are said in the row's cells and in the picture's label for screen readers.
 */
export function ctrBar(v, scale) {
  const width = 200;
  const height = 24;
  const x = (r) => Math.max(0, Math.min(1, (typeof r === 'number' ? r : 0) / scale)) * width;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  svg.setAttribute(
    'aria-label',
    `CTR ${percent(v.ctr)}, 95 % credible interval ${percent(v.ctrLow)} to ${percent(v.ctrHigh)}, on a scale to ${percent(scale)}`,
  );
  svg.classList.add('rc-ctr-bar');
  svgEl(svg, 'rect', { x: 0, y: 6, width, height: 12, class: 'track' });
  svgEl(svg, 'rect', { x: 0, y: 6, width: x(v.ctr).toFixed(1), height: 12, class: 'bar' });
  const [lo, hi] = [x(v.ctrLow), x(v.ctrHigh)];
  svgEl(svg, 'line', { x1: lo, y1: 12, x2: hi, y2: 12, class: 'interval' });
  svgEl(svg, 'line', { x1: lo, y1: 3, x2: lo, y2: 21, class: 'interval' });
  svgEl(svg, 'line', { x1: hi, y1: 3, x2: hi, y2: 21, class: 'interval' });
  return svg;
}

/** The weights of one surface as a short line: "personal 0.6 · bought with 0.2 · popular 0.2". */
const WEIGHT_WORDS = {
  personal: 'personal',
  boughtWith: 'bought with',
  similar: 'similar',
  popular: 'popular',
  session: 'session',
};
export const weightsLine = (w) =>
  w && typeof w === 'object'
    ? Object.entries(WEIGHT_WORDS)
        .filter(([k]) => typeof w[k] === 'number' && w[k] !== 0)
        .map(([k, word]) => `${word} ${w[k].toLocaleString('en-US', { maximumFractionDigits: 2 })}`)
        .join(' · ') || 'nothing'
    : '—';

export const SURFACES = ['home', 'product', 'cart', 'kiosk'];
export const SURFACE_WORDS = { home: 'Home page', product: 'Product page', cart: 'Cart', kiosk: 'Kiosk' };

/** A random key for a write that must not happen twice (sent as Idempotency-Key). */
export const newKey = () => crypto.randomUUID();

/** A number from a run's summary, whichever of the names the training wrote. */
export const figure = (summary, ...names) => {
  for (const n of names) if (typeof summary?.[n] === 'number') return summary[n];
  return undefined;
};
