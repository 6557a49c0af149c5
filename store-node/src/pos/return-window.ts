import { localTime } from './store-profile.js';

const DAY_MS = 86_400_000;

/** `12 Oct 2026`: the date part of the receipt's local time. */
const localDate = (ms: number, timeZone: string) => localTime(ms, timeZone).replace(/,.*$/, '');
/** `2026-10-12` in `timeZone`: comparable as text. */
const isoDay = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

/**
 * The return window a receipt promises and the till keeps (`STORE_RETURN_DAYS`, default 30): a sale made on 12 Oct
 * takes returns through the whole of 11 Nov in the store's time zone, the "until" day printed on its receipt. With 0
 * days the receipt says sales are final and nothing comes back. Pure: the caller passes the store's clock.
 */
export interface ReturnWindow {
  readonly days: number;
  /** The sale's day, `12 Oct 2026`. */
  readonly soldOn: string;
  /** The last day a return is taken, `11 Nov 2026` (the sale's day when `days` is 0). */
  readonly until: string;
  /** Whether a return at `now` is inside the window. */
  open(now: number): boolean;
}

export function returnWindow(saleAt: number, days: number, timeZone: string): ReturnWindow {
  const last = saleAt + days * DAY_MS;
  return {
    days,
    soldOn: localDate(saleAt, timeZone),
    until: localDate(last, timeZone),
    open: (now) => days > 0 && isoDay(now, timeZone) <= isoDay(last, timeZone),
  };
}

/**
 * Why the till refuses a return outside the window, in the words the POS shows. There is no override at the till (a
 * manager cannot unlock it from the POS): the message sends the cashier to the store manager, who decides outside the
 * system (a goodwill refund from the drawer, say).
 */
export function windowClosed(saleLabel: string, w: ReturnWindow): string {
  const rule =
    w.days > 0
      ? `returns are accepted for ${w.days} ${w.days === 1 ? 'day' : 'days'}, until ${w.until}`
      : 'this store takes no returns (its receipts say sales are final)';
  return `Sale ${saleLabel} was on ${w.soldOn}; ${rule}. The till has no override: ask the store manager.`;
}
