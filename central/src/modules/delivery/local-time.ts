/**
 * Wall-clock times in a store's zone (`locations.timezone`), for the promise's windows ("same day" ends at the store's
 * 21:00, not UTC's) and for the sentences people read ("before 16:00"). Pure: the instant comes in as an argument.
 */
const DAY_MS = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** The zone to cut days in: the store's own when the runtime knows it, else UTC (a mistyped zone must not stop deliveries). */
export function zoneOrUtc(timeZone: string | null | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    partsFormat(timeZone);
    return timeZone;
  } catch {
    return 'UTC';
  }
}

interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly minute: number;
}

function wallAt(ms: number, timeZone: string): Wall & { readonly offsetMs: number } {
  const p = Object.fromEntries(
    partsFormat(timeZone)
      .formatToParts(ms)
      .map((x) => [x.type, Number(x.value)]),
  ) as Record<string, number>;
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return {
    year: p.year!,
    month: p.month!,
    day: p.day!,
    minute: p.hour! * 60 + p.minute!,
    offsetMs: asUtc - (ms - (((ms % 1000) + 1000) % 1000)),
  };
}

/**
 * The instant of `minute` (0–1440) on the local day `dayOffset` days after the one holding `ms`, in `timeZone`. A wall
 * time skipped by a clock change lands just after the jump.
 */
export function localTimeOn(ms: number, dayOffset: number, minute: number, timeZone: string): number {
  const w = wallAt(ms, timeZone);
  const guess = Date.UTC(w.year, w.month - 1, w.day + dayOffset, 0, minute);
  let at = guess - w.offsetMs;
  // The offset at the target may differ from today's (a clock change in between): correct once or twice.
  for (let i = 0; i < 2; i++) at = guess - wallAt(at, timeZone).offsetMs;
  return at;
}

/** Minutes since local midnight at `ms`. */
export function minuteOfDay(ms: number, timeZone: string): number {
  return wallAt(ms, timeZone).minute;
}

/** Whole local days from the day holding `from` to the day holding `to` (0: same day, 1: the next). */
export function daysBetween(from: number, to: number, timeZone: string): number {
  const a = wallAt(from, timeZone);
  const b = wallAt(to, timeZone);
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS);
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "16:00", "16:00 tomorrow", "16:00 on 12 May": `ms` in the store's zone, said relative to `now`. */
export function clockTime(ms: number, now: number, timeZone: string): string {
  const w = wallAt(ms, timeZone);
  const hhmm = `${pad(Math.floor(w.minute / 60))}:${pad(w.minute % 60)}`;
  const days = daysBetween(now, ms, timeZone);
  if (days === 0) return hhmm;
  if (days === 1) return `${hhmm} tomorrow`;
  return `${hhmm} on ${w.day} ${MONTHS[w.month - 1]}`;
}
