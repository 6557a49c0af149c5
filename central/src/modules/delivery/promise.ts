import type { DeliveryRequest } from '@storefleet/shared';
import { distanceKm, formatKm, ROAD_FACTOR, type Point } from './geo.js';
import { formatWeight } from './goods.js';
import { clockTime, localTimeOn } from './local-time.js';
import type { Carrier } from './types.js';

/**
 * The promise's rules, pure (the instant comes in as `now`): the window each speed stands for in the store's zone,
 * whether one carrier can keep it (and when it would arrive), and the sentence a customer reads when none can.
 *
 * Windows: TWO_HOUR now..now+2h; SAME_DAY now (or the delivery day's opening) ..the day's close; NEXT_DAY tomorrow's
 * delivery day; WINDOW as asked, refused when already past, shorter than 30 minutes left, started more than 5 minutes
 * ago (a device's clock a little behind is let be), longer than 12 hours, or starting over 14 days ahead.
 * A delivery day runs 08:00–21:00 in the store's zone.
 *
 * A carrier can keep it when it is active and not grounded, serves the store (a van only its own depot's), both the
 * store and the door lie within its radius of its base, the goods fit what it can carry on top of what it already
 * carries (weight and stops), a drone is not asked to bring age-restricted goods (the ID check at the door), and —
 * driving from its base to the store, handling the goods there, then to the door at its speed (roads 1.3 × the
 * straight line; drones fly straight) — it arrives before the window closes and before its shift ends (shifts are
 * minutes of the UTC day, as the schema keeps them).
 */
export const DAY_OPENS_MIN = 8 * 60;
export const DAY_CLOSES_MIN = 21 * 60;
export const SHORTEST_WINDOW_MS = 30 * 60_000;
export const FARTHEST_AHEAD_MS = 14 * 86_400_000;
export const LONGEST_WINDOW_MS = 12 * 3_600_000;
/** How far a window's start may lie behind the hub's clock: a customer's device a little slow, a page left open. */
export const WINDOW_SKEW_MS = 5 * 60_000;
const TWO_HOURS_MS = 2 * 3_600_000;
const MINUTE = 60_000;
const DAY_MIN = 1440;

/** Minutes at the store to hand the goods over, by kind of carrier. */
export const HANDLING_MIN: Record<Carrier['kind'], number> = { VAN: 10, GIG: 10, DSP: 15, DRONE: 5 };

export interface Window {
  readonly from: number;
  readonly to: number;
}

/** Where the goods leave from, as the promise needs it. */
export interface Origin extends Point {
  readonly id: string;
  readonly name: string;
  readonly timezone: string;
}

/** One delivery to be kept: from the store to the door, this heavy, in this window. */
export interface Job {
  readonly store: Origin;
  readonly door: Point;
  readonly weightGrams: number;
  readonly ageRestricted: boolean;
  readonly window: Window;
}

/** What a carrier already carries: deliveries assigned and not yet delivered. */
export interface Load {
  readonly stops: number;
  readonly grams: number;
}

export const BLOCKERS = ['grounded', 'late', 'full', 'shift', 'age', 'weight', 'range', 'unreachable'] as const;
/** Why a carrier cannot keep a promise; listed most telling first (the sentence names the first that binds). */
export type Blocker = (typeof BLOCKERS)[number];

/** How a carrier would keep it. */
export interface Fit {
  /** Road km from the store to the door (straight for a drone). */
  readonly km: number;
  readonly eta: number;
  /** When the driver is due at the store. */
  readonly collectBy: number;
  readonly costMinor: number;
  /** Room left after this delivery. */
  readonly roomAfter: Load;
}

export type Evaluation =
  | { readonly ok: true; readonly fit: Fit }
  | { readonly ok: false; readonly blockers: readonly Blocker[]; readonly eta: number | null };

/** The window a speed stands for at `now`, or why there is none (a sentence). */
export function windowFor(
  request: Pick<DeliveryRequest, 'speed' | 'window'>,
  now: number,
  store: Pick<Origin, 'name' | 'timezone'>,
): { readonly ok: true; readonly window: Window } | { readonly ok: false; readonly reason: string } {
  const tz = store.timezone;
  switch (request.speed) {
    case 'TWO_HOUR':
      return { ok: true, window: { from: now, to: now + TWO_HOURS_MS } };
    case 'SAME_DAY': {
      const closes = localTimeOn(now, 0, DAY_CLOSES_MIN, tz);
      const from = Math.max(now, localTimeOn(now, 0, DAY_OPENS_MIN, tz));
      if (closes - from < SHORTEST_WINDOW_MS)
        return {
          ok: false,
          reason: `same-day delivery from ${store.name} ends at ${clockTime(closes, now, tz)}, its local time`,
        };
      return { ok: true, window: { from, to: closes } };
    }
    case 'NEXT_DAY':
      return {
        ok: true,
        window: { from: localTimeOn(now, 1, DAY_OPENS_MIN, tz), to: localTimeOn(now, 1, DAY_CLOSES_MIN, tz) },
      };
    case 'WINDOW': {
      const w = request.window!;
      const span = `${clockTime(w.from, now, tz)}–${clockTime(w.to, now, tz).replace(/ .*/, '')}`;
      if (w.to <= now) return { ok: false, reason: `the window ${span} has already passed` };
      if (w.to - Math.max(w.from, now) < SHORTEST_WINDOW_MS)
        return { ok: false, reason: `the window ${span} leaves less than 30 minutes to deliver in` };
      if (w.from < now - WINDOW_SKEW_MS)
        return { ok: false, reason: `the window ${span} has already begun: choose one that starts from now on` };
      if (w.to - w.from > LONGEST_WINDOW_MS)
        return { ok: false, reason: `the window ${span} is longer than 12 hours: choose a shorter one` };
      if (w.from > now + FARTHEST_AHEAD_MS) return { ok: false, reason: 'a window can be booked up to 14 days ahead' };
      return { ok: true, window: { from: w.from, to: w.to } };
    }
  }
}

/**
 * The carrier's shifts (minutes of the UTC day; end before start runs past midnight; 0–1440 or start = end is all
 * day) that end after `from`, in order, as instants.
 */
export function shiftsFrom(c: Pick<Carrier, 'shiftStartMin' | 'shiftEndMin'>, from: number, count = 3): Window[] {
  const s = c.shiftStartMin;
  const e = c.shiftEndMin;
  if (s === e || (s === 0 && e === DAY_MIN)) return [{ from: -Infinity, to: Infinity }];
  const length = (e > s ? e - s : e + DAY_MIN - s) * MINUTE;
  const out: Window[] = [];
  const firstDay = Math.floor(from / (DAY_MIN * MINUTE)) - 1;
  for (let d = firstDay; out.length < count; d++) {
    const start = (d * DAY_MIN + s) * MINUTE;
    if (start + length > from) out.push({ from: start, to: start + length });
  }
  return out;
}

/**
 * Whether carrier `c` serves deliveries leaving from `store` at all. A van serves only its own depot's: the route
 * planner drives every van from its depot, so a van of another store (or of a distribution centre, whose routes have
 * no stop to load at a store) would carry goods it never loaded. Other kinds serve every store in their area.
 */
export function servesStore(c: Pick<Carrier, 'kind' | 'depotId'>, store: Pick<Origin, 'id'>): boolean {
  return c.kind !== 'VAN' || c.depotId === store.id;
}

/**
 * Why head office may not set a shift (minutes of the UTC day), or null. One that ends when it starts is refused
 * (shiftsFrom reads it as all day, which nobody means by 08:00–08:00: all day is 0 and 1440); one starting at 1440
 * runs no minutes.
 */
export function shiftProblem(start: number, end: number): string | null {
  if (start >= DAY_MIN) return 'a shift starts by 23:59 (minute 1439): 24:00 is the next day’s 0';
  if (start === end) return 'a shift that ends when it starts has no hours: for all day give 0 and 1440';
  return null;
}

/** Whether (and how) carrier `c`, already carrying `load`, can keep `job` at `now`; every blocker when it cannot. */
export function evaluate(c: Carrier, load: Load, job: Job, now: number, reachable = true): Evaluation {
  const blockers: Blocker[] = [];
  if (!reachable || !c.active) blockers.push('unreachable');
  if (c.grounded) blockers.push('grounded');
  if (job.ageRestricted && c.kind === 'DRONE') blockers.push('age');
  if (job.weightGrams > c.capacityGrams) blockers.push('weight');
  const base = { lat: c.lat, lon: c.lon };
  if (!servesStore(c, job.store) || distanceKm(base, job.store) > c.radiusKm || distanceKm(base, job.door) > c.radiusKm)
    blockers.push('range');
  if (load.stops + 1 > c.capacityStops || load.grams + job.weightGrams > c.capacityGrams) {
    if (!blockers.includes('weight')) blockers.push('full');
  }
  const factor = c.kind === 'DRONE' ? 1 : ROAD_FACTOR;
  const km = distanceKm(job.store, job.door) * factor;
  const approach = ((distanceKm(base, job.store) * factor) / c.speedKmh) * 3_600_000;
  const lead = approach + HANDLING_MIN[c.kind] * MINUTE + (km / c.speedKmh) * 3_600_000;
  const needStart = Math.max(now, job.window.from - lead);
  const earliest = needStart + lead;
  let fit: { eta: number; collectBy: number } | undefined;
  if (earliest > job.window.to) blockers.push('late');
  else {
    for (const shift of shiftsFrom(c, needStart)) {
      if (shift.from > job.window.to) break;
      const start = Math.max(needStart, shift.from);
      const eta = start + lead;
      if (eta > job.window.to) break;
      if (eta <= shift.to) {
        fit = { eta: Math.round(eta), collectBy: Math.round(start + approach) };
        break;
      }
    }
    if (!fit) blockers.push('shift');
  }
  if (blockers.length || !fit) return { ok: false, blockers, eta: fit ? fit.eta : Math.round(earliest) };
  return {
    ok: true,
    fit: {
      km,
      eta: fit.eta,
      collectBy: fit.collectBy,
      costMinor: Math.round(c.costBaseMinor + c.costPerKmMinor * km),
      roomAfter: { stops: c.capacityStops - load.stops - 1, grams: c.capacityGrams - load.grams - job.weightGrams },
    },
  };
}

/**
 * What binds when no carrier can keep a promise: when none reaches the store and the door, the area; else, among the
 * carriers that do, the blocker most of them would be free of but for it (the most telling first on a tie).
 */
export function bindingBlocker(failed: readonly { readonly blockers: readonly Blocker[] }[]): Blocker | undefined {
  if (!failed.length) return undefined;
  const reaching = failed.filter((f) => !f.blockers.includes('range'));
  if (!reaching.length) return 'range';
  const rank = (b: Blocker) => BLOCKERS.indexOf(b);
  const alone = new Map<Blocker, number>();
  for (const f of reaching)
    if (f.blockers.length === 1) alone.set(f.blockers[0]!, (alone.get(f.blockers[0]!) ?? 0) + 1);
  if (alone.size) return [...alone.entries()].sort((a, b) => b[1] - a[1] || rank(a[0]) - rank(b[0]))[0]![0];
  const fewest = [...reaching].sort((a, b) => a.blockers.length - b.blockers.length)[0]!;
  return [...fewest.blockers].sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * The sentence for a promise no carrier can keep: "no carrier can deliver 14 kg to 6.0 km away before 16:00 (the
 * earliest arrival is 16:40); next-day delivery can". `all`: every carrier weighed, with its blockers.
 */
export function noCarrierSentence(
  job: Job,
  now: number,
  all: readonly {
    readonly carrier: Carrier;
    readonly blockers: readonly Blocker[];
    readonly eta: number | null;
  }[],
  alternative: string | null,
): string {
  // Vans of other depots never serve this store: they are not weighed (the sentence names the store's own carriers).
  const carriers = all.filter((c) => servesStore(c.carrier, job.store));
  const tz = job.store.timezone;
  const head = `no carrier can deliver ${formatWeight(job.weightGrams)} to ${formatKm(distanceKm(job.store, job.door))} away before ${clockTime(job.window.to, now, tz)}`;
  const binding = bindingBlocker(carriers);
  const reaching = carriers.filter((c) => !c.blockers.includes('range'));
  const etas = carriers.filter((c) => c.eta !== null && !c.blockers.some((b) => b !== 'late')).map((c) => c.eta!);
  const detail: Record<Blocker, () => string> = {
    grounded: () => 'the drones that could take it are grounded by the weather',
    late: () =>
      etas.length ? `the earliest arrival is ${clockTime(Math.min(...etas), now, tz)}` : 'none can arrive in time',
    full: () => 'every carrier that could take it is full',
    shift: () => 'no carrier that could take it is on shift in time',
    age: () => 'it holds age-restricted goods, which need an ID check at the door that a drone cannot do',
    weight: () =>
      `the most any carrier takes is ${formatWeight(Math.max(...reaching.map((c) => c.carrier.capacityGrams)))}`,
    range: () => `the door is beyond the area of every carrier that serves ${job.store.name}`,
    unreachable: () => 'the carriers that could take it are not active or have no integration on this hub',
  };
  const why = carriers.length
    ? binding
      ? ` (${detail[binding]()})`
      : ''
    : ` (no active carrier serves ${job.store.name})`;
  return `${head}${why}${alternative ? `; ${alternative} delivery can` : ''}`;
}
