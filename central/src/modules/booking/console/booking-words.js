// Words and times the booking pages share: a show's times on its venue's clock ("Sat, Dec 5, 19:30"), a typed local
// time in that zone turned into epoch ms, statuses in words, seats and places counted, the refund a rule gives.
import { h, money } from '/console/lib.js';

const formats = new Map();
function format(timeZone, opts) {
  const key = `${timeZone}|${JSON.stringify(opts)}`;
  let f = formats.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, ...opts });
    } catch {
      f = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', ...opts }); // a zone this browser does not know
    }
    formats.set(key, f);
  }
  return f;
}
const HM = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const DAY = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' };

/** "Sat, Dec 5, 2026, 19:30" on the venue's clock. */
export const showTime = (ms, tz) =>
  typeof ms === 'number' ? `${format(tz, DAY).format(ms)}, ${format(tz, HM).format(ms)}` : '—';

/** A show's start and end: "Sat, Dec 5, 2026, 19:30–21:45" (the end's day too when it is another). */
export function showSpan(s, tz) {
  const sameDay = format(tz, DAY).format(s.startsAt) === format(tz, DAY).format(s.endsAt);
  return `${showTime(s.startsAt, tz)}–${sameDay ? format(tz, HM).format(s.endsAt) : showTime(s.endsAt, tz)}`;
}

/** "19:42" on the venue's clock. */
export const hhmm = (ms, tz) => format(tz, HM).format(ms);

/** A zone as people read it: "America/New_York" → "New York time". */
export const zoneWords = (tz) => `${(tz.split('/').pop() ?? tz).replaceAll('_', ' ')} time`;

/** The zone's offset from UTC at `ms`, in ms (what to add to UTC to read the zone's clock). */
function offsetAt(ms, tz) {
  const parts = Object.fromEntries(
    format(tz, {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** A `datetime-local` value ("2026-12-05T19:30") read on `tz`'s clock, as epoch ms; NaN for none. */
export function zonedToEpoch(local, tz) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local ?? '');
  if (!m) return Number.NaN;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let guess = wall - offsetAt(wall, tz);
  guess = wall - offsetAt(guess, tz); // a second pass settles a daylight-saving change between wall and guess
  return guess;
}

/** Epoch ms as a `datetime-local` value on `tz`'s clock. */
export function epochToZoned(ms, tz) {
  const d = new Date(ms + offsetAt(ms, tz));
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

export const STATUS_WORDS = {
  HELD: 'held',
  CONFIRMING: 'being paid for',
  CONFIRMED: 'booked',
  EXPIRED: 'expired',
  RELEASED: 'released',
  FAILED: 'payment refused',
  CANCELLED: 'cancelled',
};
const TONE = { HELD: 'warn', CONFIRMING: 'warn', CONFIRMED: 'ok', FAILED: 'bad', CANCELLED: 'bad' };
export const holdBadge = (s) => h('span', { class: `badge ${TONE[s] ?? ''}`.trim() }, STATUS_WORDS[s] ?? s);

export const showBadge = (show, now = Date.now()) =>
  show.status === 'CANCELLED'
    ? h('span', { class: 'badge bad' }, 'cancelled')
    : show.endsAt <= now
      ? h('span', { class: 'badge' }, 'over')
      : show.startsAt <= now
        ? h('span', { class: 'badge warn' }, 'playing now')
        : h('span', { class: 'badge ok' }, 'on sale');

export const plural = (n, one, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** What is left of a show, in words: "212 of 300 seats left", "3 of 12 places left". */
export function leftText(show) {
  const left = show.left ?? show.seatsLeft ?? show.placesLeft ?? show.free;
  const noun = show.kind === 'CAPACITY' ? 'place' : 'seat';
  if (typeof left !== 'number') return `${plural(show.capacity, noun)} in all`;
  return `${left.toLocaleString('en-US')} of ${plural(show.capacity, noun)} left`;
}

/**
 * The show's refund cutoff in hours, as the hub applies it: `GET /api/booking/shows/{id}` answers the show's own, else
 * the hub's BOOKING_REFUND_CUTOFF_HOURS, as `refundCutoffHoursEffective` (the page reads the show from there).
 */
export const cutoffHours = (show) => show.refundCutoffHoursEffective ?? show.refundCutoffHours;

/**
 * The refund the rule gives a booking cancelled now: `{ minor, sentence }`. Full up to the cutoff before the show,
 * nothing after; a show already cancelled by the venue refunds in full.
 */
export function refundFor(hold, show, now = Date.now()) {
  const hours = cutoffHours(show);
  if (show.status === 'CANCELLED')
    return { minor: hold.amountMinor, sentence: `${money(hold.amountMinor, hold.currency)}: the show is cancelled.` };
  if (typeof hours !== 'number') return { minor: undefined, sentence: 'the refund the hub’s rule gives.' };
  if (now <= show.startsAt - hours * 3_600_000)
    return {
      minor: hold.amountMinor,
      sentence: `a full refund of ${money(hold.amountMinor, hold.currency)}: the show starts more than ${plural(hours, 'hour')} from now.`,
    };
  return {
    minor: 0,
    sentence: `no refund: the show starts within ${plural(hours, 'hour')} (bookings are refunded in full only up to ${plural(hours, 'hour')} before).`,
  };
}
