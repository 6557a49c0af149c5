// Words and small helpers of the registry's console page: sizes as people read them, digests shortened, badges.
import { h } from '/console/lib.js';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count as people read it: "812 B", "2.4 KiB", "180 MiB", "1.2 GiB"; `—` for no number. */
export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  let v = n;
  let unit = 'B';
  for (const u of UNITS) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${unit}`;
}

/** `sha256:3f9c2a71b0…` → `sha256:3f9c2a71b0d4` (the full digest in the title). */
export const shortDigest = (d) => h('code', { title: d }, d ? `${String(d).slice(0, 19)}…` : '—');

/** The quota as an admin types it (MiB) from bytes, and back; empty = none. */
export const mibOf = (b) => (b === null || b === undefined ? '' : String(Math.round((b / 1048576) * 100) / 100));
export const bytesOfMib = (text) => {
  const t = String(text).trim();
  if (!t) return null;
  const v = Number(t);
  return Number.isFinite(v) && v >= 0 ? Math.round(v * 1048576) : Number.NaN;
};

const STATE_BADGE = {
  DONE: 'ok',
  RUNNING: 'warn',
  PENDING: 'warn',
  COPYING: 'warn',
  DOWNLOADING: 'warn',
  VERIFIED: 'ok',
  FAILED: 'bad',
  UNSCANNED: '',
};
export const badge = (state, text = state) => h('span', { class: `badge ${STATE_BADGE[state] ?? ''}` }, text);

/** A scan as one cell: state, worst severity, counts, and a link to the report. */
export function scanCell(scan, digest) {
  if (!scan) return 'not scanned';
  const counts = `${scan.critical} critical, ${scan.high} high, ${scan.medium} medium, ${scan.low} low`;
  return [
    badge(
      scan.state === 'DONE' && scan.worst ? 'FAILED' : scan.state,
      scan.state === 'DONE' ? (scan.worst ?? 'clean') : scan.state.toLowerCase(),
    ),
    scan.state === 'DONE' ? ` ${counts} ` : ' ',
    h('a', { href: `/api/registry/scans/${digest}`, target: '_blank', rel: 'noopener' }, 'report'),
  ];
}

/** A fresh Idempotency-Key for a write. */
export const newKey = () => crypto.randomUUID();
