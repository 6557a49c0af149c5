// Words and numbers the delivery pages share: statuses, carrier kinds, speeds, times in a store's zone ("14:20–14:40",
// "tomorrow 09:00"), score terms ("ETA 34 min before the window closes: +18.2"), rates and weights.
import { h } from '/console/lib.js';

/** What each status means to a dispatcher; the badge colour says whether it needs a look. */
export const STATUS_WORDS = {
  REQUESTED: 'finding a carrier',
  ASSIGNED: 'assigned, waiting at the store',
  OUT_FOR_DELIVERY: 'out for delivery',
  ARRIVING: 'arriving',
  DELIVERED: 'delivered',
  FAILED: 'failed at the door',
  RETURNING: 'coming back to the store',
  RETURNED: 'back in stock',
  UNASSIGNED: 'no carrier accepted',
  CANCELLED: 'cancelled',
};
export const STATUSES = Object.keys(STATUS_WORDS);
/** Still moving: the board's default view. */
export const OPEN_STATUSES = ['REQUESTED', 'ASSIGNED', 'OUT_FOR_DELIVERY', 'ARRIVING', 'RETURNING'];

const TONE = {
  DELIVERED: 'ok',
  RETURNED: 'ok',
  FAILED: 'bad',
  UNASSIGNED: 'bad',
  CANCELLED: '',
  RETURNING: 'warn',
  REQUESTED: 'warn',
};
export const statusBadge = (s) => h('span', { class: `badge ${TONE[s] ?? ''}`.trim() }, STATUS_WORDS[s] ?? s);

export const KIND_WORDS = { VAN: 'in-house van', GIG: 'gig driver', DSP: 'delivery partner', DRONE: 'drone' };
export const SPEED_WORDS = { TWO_HOUR: '2-hour', SAME_DAY: 'same day', NEXT_DAY: 'next day', WINDOW: 'chosen window' };

/** A carrier as people name it: "VAN-S001-1 (in-house van)". */
export const carrierLabel = (c) => (c ? `${c.code} (${KIND_WORDS[c.kind] ?? c.kind})` : '—');

const formats = new Map();
function format(timeZone, opts) {
  const key = `${timeZone}|${JSON.stringify(opts)}`;
  let f = formats.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(undefined, { timeZone, ...opts });
    } catch {
      f = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', ...opts }); // a zone this browser does not know
    }
    formats.set(key, f);
  }
  return f;
}
const HM = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const DAY = { weekday: 'short', day: 'numeric', month: 'short' };

/** The local calendar day of `ms` in `tz`, as a comparable string. */
const dayOf = (ms, tz) => format(tz, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

/** "14:20", "tomorrow 09:00", "Sat, Nov 28 09:00": `ms` on the store's clock, said against today there. */
export function clock(ms, tz, now = Date.now()) {
  if (typeof ms !== 'number') return '—';
  const hm = format(tz, HM).format(ms);
  const day = dayOf(ms, tz);
  if (day === dayOf(now, tz)) return hm;
  if (day === dayOf(now + 86_400_000, tz)) return `tomorrow ${hm}`;
  if (day === dayOf(now - 86_400_000, tz)) return `yesterday ${hm}`;
  return `${format(tz, DAY).format(ms)} ${hm}`;
}

/** A window on the store's clock: "14:20–14:40", "tomorrow 09:00–12:00". */
export function windowText(w, tz, now = Date.now()) {
  if (!w) return '—';
  const sameDay = dayOf(w.from, tz) === dayOf(w.to, tz);
  return `${clock(w.from, tz, now)}–${sameDay ? format(tz, HM).format(w.to) : clock(w.to, tz, now)}`;
}

/** An ETA against its window: "14:32 (8 min early)", "16:05 (25 min late)". */
export function etaText(eta, w, tz, now = Date.now()) {
  if (typeof eta !== 'number') return '—';
  const at = clock(eta, tz, now);
  if (!w) return at;
  const late = Math.round((eta - w.to) / 60_000);
  if (late > 0) return `${at} (${late} min late)`;
  return at;
}
export const isLate = (d) => typeof d.eta === 'number' && d.eta > d.window.to;

/** "+18.2", "−4.0": a score term's points, signed. */
export const points = (p) => `${p < 0 ? '−' : '+'}${Math.abs(p).toFixed(1)}`;

/**
 * One term of an offer's score as a line: its sentence, then its signed points ("ETA 34 min before the window closes:
 * +18.2"). A sentence that already ends with its points has them taken off, so they are said once, in bold.
 */
export const termLine = (t) =>
  h(
    'li',
    {},
    `${String(t.why).replace(/:\s*[+−-]?\d+(\.\d+)?\s*$/, '')}: `,
    h('span', { class: `points${t.points < 0 ? ' neg' : ''}` }, points(t.points)),
  );

/** "America/New_York, EST"; the zone once when its short name is itself ("UTC"). */
export function zoneWords(tz, ms = Date.now()) {
  const short = zoneName(tz, ms);
  return short === tz ? tz : `${tz}, ${short}`;
}

/** A share as a percentage people read ("83 %"), `—` for none (nothing to measure yet). */
export const pct = (x) => (typeof x === 'number' && Number.isFinite(x) ? `${Math.round(x * 100)} %` : '—');

/** Grams as kilos ("12.5 kg", "800 g"). */
export const weight = (g) =>
  g >= 1000 ? `${(g / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 })} kg` : `${g} g`;

/** A shift kept as minutes into the UTC day (an end before the start runs past midnight), on the depot's clock. */
export function shiftText(c, tz, now = Date.now()) {
  const [s, e] = [c.shiftStartMin, c.shiftEndMin];
  if (s === e || (s === 0 && e === 1440)) return 'all day';
  const t = new Date(now);
  const midnight = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const f = format(tz, HM);
  return `${f.format(midnight + s * 60_000)}–${f.format(midnight + e * 60_000)}`;
}

/**
 * A time of day on `tz`'s clock ("08:30") as minutes into the UTC day, as carriers' shifts are kept; today's offset
 * (a shift set in summer moves by an hour on the depot's clock in winter, as the schema's UTC shifts do).
 */
export function utcMinuteOf(hhmm, tz, now = Date.now()) {
  const [hh, mm] = hhmm.split(':').map(Number);
  const parts = Object.fromEntries(
    format(tz, {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(now)
      .map((p) => [p.type, Number(p.value)]),
  );
  const wallNow = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
  const offsetMin = Math.round((wallNow - Math.floor(now / 60_000) * 60_000) / 60_000);
  return (((hh * 60 + mm - offsetMin) % 1440) + 1440) % 1440;
}

/** The zone's short name on a date ("EST", "GMT+1"), to say once on a page whose clock the times are on. */
export const zoneName = (tz, ms = Date.now()) =>
  format(tz, { timeZoneName: 'short' })
    .formatToParts(ms)
    .find((p) => p.type === 'timeZoneName')?.value ?? tz;
