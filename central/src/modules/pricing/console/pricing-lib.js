// Helpers the pricing console pages share (issue #25): money typed as dollars.cents and sent as integer minor units,
// times typed in the viewer's zone, the pages' stylesheet, answers that are lists.
import { h, money } from '/console/lib.js';

const HREF = '/console/modules/pricing/pricing.css';

/** Adds the pages' stylesheet once and marks `el` as a pricing page. */
export function pricingPage(el) {
  if (!document.querySelector(`link[href="${HREF}"]`))
    document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: HREF }));
  el.classList.add('pricing-page');
}

export const newKey = () => crypto.randomUUID();

/** "12.5" or "12.50" or "12" → 1250; null for blank; throws a sentence for anything else. */
export function parseMoney(text, what) {
  const s = String(text ?? '')
    .trim()
    .replace(/^\$/, '');
  if (s === '') return null;
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(s)) throw new Error(`${what}: type an amount as dollars.cents, like 3.49`);
  const [d, c = ''] = s.split('.');
  return Number(d) * 100 + Number(c.padEnd(2, '0'));
}

/** "10" or "12.5" → basis points (1000, 1250); null for blank. */
export function parsePercent(text, what) {
  const s = String(text ?? '')
    .trim()
    .replace(/%$/, '')
    .trim();
  if (s === '') return null;
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(s) || Number(s) <= 0 || Number(s) > 100)
    throw new Error(`${what}: type a percentage between 0.01 and 100`);
  return Math.round(Number(s) * 100);
}

export function parseCount(text, what, min = 1) {
  const s = String(text ?? '').trim();
  if (s === '') return null;
  if (!/^\d{1,4}$/.test(s) || Number(s) < min) throw new Error(`${what}: type a whole number of at least ${min}`);
  return Number(s);
}

/** A `datetime-local` value (the viewer's zone) → epoch ms; null for blank. */
export function parseWhen(value, what) {
  if (!value) return null;
  const ms = new Date(value).getTime();
  if (!Number.isFinite(ms)) throw new Error(`${what}: not a date and time`);
  return ms;
}

/** Epoch ms → a `datetime-local` value in the viewer's zone. */
export function whenInput(ms) {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Minor units as the pages show them; `—` for none. */
export const price = (minor, currency = 'USD') =>
  minor === null || minor === undefined ? '—' : money(minor, currency);

/** Basis points as a signed percentage ("+10 %", "−5 %"), with a class saying which way it went. */
export function change(bp) {
  if (bp === null || bp === undefined) return '—';
  const pct = (Math.abs(bp) / 100).toLocaleString(undefined, { maximumFractionDigits: 2 });
  return h('span', { class: bp > 0 ? 'up' : bp < 0 ? 'down' : '' }, `${bp > 0 ? '+' : bp < 0 ? '−' : ''}${pct} %`);
}

/** A list from an answer that is a list, or an object holding one under `key` (or items). */
export const listOf = (answer, key) => (Array.isArray(answer) ? answer : (answer?.[key] ?? answer?.items ?? []));

/** A labelled control: `h('div', {}, label, control)`. */
export function field(id, label, control, hint) {
  control.id = id;
  const parts = [h('label', { for: id }, label), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('span', { id: hintId, class: 'hint' }, hint));
  }
  return h('div', {}, ...parts);
}

/** A checkbox with its label after it. */
export function check(id, label, checked = false) {
  const box = h('input', { type: 'checkbox', id, checked });
  return { box, el: h('div', { class: 'check' }, box, h('label', { for: id }, label)) };
}
