import type { CarrierKind, DeliverySpeed, DeliveryStatus } from '@storefleet/shared';
import { localTime } from '../pos/store-profile.js';

/**
 * The desk's rules with no I/O: which day is "today" at the store, who may take a bag, and how bags are grouped by
 * who collects them. The repository reads the rows, the service applies these, the page shows the result.
 */

/** A delivery leaving from this store, as the hub's feed last described it, with what this store did itself. */
export interface LocalDelivery {
  readonly id: string;
  readonly orderNumber: string;
  /** The order's hold at this store: handing the goods to the driver hands it over. */
  readonly reservationId: string;
  /** The hub's status. */
  readonly status: DeliveryStatus;
  readonly speed: DeliverySpeed;
  readonly window: { readonly from: number; readonly to: number };
  /** "Ann L." */
  readonly customerName: string;
  /** Postcode and city. */
  readonly area: string;
  readonly lines: readonly { readonly sku: string; readonly qty: number }[];
  readonly carrier: { readonly kind: CarrierKind; readonly name: string } | null;
  readonly driver: { readonly name: string; readonly vehicle: string } | null;
  readonly collectBy: number | null;
  readonly ageRestricted: boolean;
  /** The hub's updatedAt of the copy kept. */
  readonly updatedAt: number;
  /** When this store handed the goods to the driver (its own clock), and to whom; null until then. */
  readonly handedAt: number | null;
  readonly handedTo: string | null;
  /** Goods of a failed delivery put back into this store's stock, or null. */
  readonly returned: {
    readonly at: number;
    readonly appliedAt: number;
    readonly reason: string;
    readonly units: number;
  } | null;
}

/** One bag as the desk shows it: lines named from the store's catalog, and whether it may go to the driver now. */
export interface DeskDelivery extends Omit<LocalDelivery, 'lines'> {
  readonly lines: readonly { sku: string; qty: number; name?: string | undefined; category?: string | undefined }[];
  readonly units: number;
  /** Why "Handed to driver" is refused now (a sentence), or null when it is offered. */
  readonly refusal: string | null;
}

/** The bags one collector takes: a carrier's driver and vehicle, due at the store by `collectBy`. */
export interface DeskGroup {
  /** Stable across refreshes, for the page to update a group in place. */
  readonly key: string;
  readonly carrier: LocalDelivery['carrier'];
  readonly driver: LocalDelivery['driver'];
  readonly collectBy: number | null;
  readonly deliveries: readonly DeskDelivery[];
}

/**
 * What the hub's copy says when the goods came back or are coming back. OUT_FOR_DELIVERY, ARRIVING and DELIVERED are
 * not here: the hub's copy says so as soon as the driver's app said `collected`, but the goods leave this store's
 * count, and the customer's payment is captured, only when this desk hands the order's hold over. A store that has
 * not pressed "Handed to driver" yet (it was busy, or its driver scanned first) must still be able to: the hub takes
 * the hand-over then as it would have before (its copy stays as it is), so the goods leave exactly once.
 */
const LEFT_ALREADY: Partial<Record<DeliveryStatus, string>> = {
  FAILED: 'already left the store (the delivery failed; its goods come back)',
  RETURNING: 'is on its way back to the store',
  RETURNED: 'came back to the store: its goods are back in stock',
};

/**
 * Why the goods of `d` may not be handed to a driver now, as the desk says it, or null when they may. The hold itself
 * is checked by the service (it may not have reached the store yet, or may have ended).
 */
export function handRefusal(d: LocalDelivery, timeZone: string): string | null {
  const on = d.orderNumber;
  if (d.handedAt !== null)
    return `${on} was already handed to ${d.handedTo ?? 'the driver'} at ${localTime(d.handedAt, timeZone)}`;
  if (d.status === 'CANCELLED') return `${on} was cancelled: keep the goods in the store, do not hand them over`;
  if (d.status === 'UNASSIGNED') return `no carrier took ${on}: the order is cancelled, keep the goods in the store`;
  const left = LEFT_ALREADY[d.status];
  if (left) return `${on} ${left}`;
  if (!d.driver || d.status === 'REQUESTED')
    return `no driver has accepted ${on} yet: keep the bag until the desk names one`;
  return null;
}

/**
 * Groups bags by who collects them (carrier, driver, vehicle, collect-by time to the minute: a driver's second run is
 * a group of its own), the earliest collection first and the bags with no driver yet last; within a group, the bags
 * still to hand over first, then by order number. A group's `collectBy` is its earliest bag's.
 */
export function groupByCollector(list: readonly DeskDelivery[]): DeskGroup[] {
  const groups = new Map<string, DeskDelivery[]>();
  for (const d of list) {
    const key = d.driver
      ? JSON.stringify([
          d.carrier?.name ?? null,
          d.driver.name,
          d.driver.vehicle,
          d.collectBy === null ? null : Math.floor(d.collectBy / 60_000), // one run: the same minute
        ])
      : 'no-driver';
    const g = groups.get(key);
    if (g) g.push(d);
    else groups.set(key, [d]);
  }
  const waiting = (d: DeskDelivery) => (d.refusal === null ? 0 : 1);
  return [...groups.entries()]
    .map(([key, ds]) => ({
      key,
      carrier: key === 'no-driver' ? null : ds[0]!.carrier,
      driver: key === 'no-driver' ? null : ds[0]!.driver,
      collectBy: key === 'no-driver' ? null : earliest(ds.map((d) => d.collectBy)),
      deliveries: [...ds].sort((a, b) => waiting(a) - waiting(b) || byText(a.orderNumber, b.orderNumber)),
    }))
    .sort(
      (a, b) =>
        (a.driver ? 0 : 1) - (b.driver ? 0 : 1) ||
        (a.collectBy ?? 0) - (b.collectBy ?? 0) ||
        byText(a.driver?.name ?? '', b.driver?.name ?? ''),
    );
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const earliest = (times: readonly (number | null)[]): number | null => {
  const known = times.filter((t): t is number => t !== null);
  return known.length ? Math.min(...known) : null;
};

/** A formatter per zone: making one costs more than the rest of a day's list (the desk asks every 5 s). */
const wallClocks = new Map<string, Intl.DateTimeFormat>();
const wallClock = (timeZone: string) => {
  let f = wallClocks.get(timeZone);
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
    wallClocks.set(timeZone, f);
  }
  return f;
};

/** The UTC offset of `timeZone` at `ms`, in ms (positive east of Greenwich). */
function offsetAt(ms: number, timeZone: string): number {
  const parts = wallClock(timeZone).formatToParts(ms);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Midnight starting the local day y-m-d in `timeZone`, as epoch ms (twice corrected: right across a DST change). */
function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d);
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

/** The store's day at `now`: its date (`2026-11-28`) and its bounds [from, to) as epoch ms. */
export function storeDay(now: number, timeZone: string): { day: string; from: number; to: number } {
  const parts = wallClock(timeZone).formatToParts(now);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const [y, m, d] = [n('year'), n('month'), n('day')];
  const day = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return {
    day,
    from: localMidnight(y, m, d, timeZone),
    to: localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
  };
}

/** `SF-10482` from what was typed (`sf10482`, `SF 10482`, `10482`), or undefined when it is not an order number. */
export function orderNumberTyped(q: string): { exact: string } | { digits: string } | undefined {
  const m = /^\s*(SF[\s-]?)?(\d{1,15})\s*$/i.exec(q);
  if (!m) return undefined;
  return m[1] ? { exact: `SF-${m[2]}` } : { digits: m[2]! };
}
