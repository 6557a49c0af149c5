/**
 * Session events one caller (a store, a person) may send a minute; past it, 429 until the minute is over. A store's
 * web shop sends its customers' sessions under the store's one credential: 10 a second on average.
 */
export const EVENTS_PER_MINUTE = 600;
const MINUTE_MS = 60_000;
/** Callers remembered at most; past it the memory starts over (a caller forgotten only gets a fresh minute). */
const MAX_CALLERS = 10_000;

/**
 * A per-caller budget on `POST /api/recommendations/events`, so one caller cannot fill the interactions table (each
 * event is a row kept for training). Kept in this hub process's memory: with several hubs behind a balancer a caller
 * gets the budget once per hub, which still bounds it.
 */
export class EventBudget {
  readonly #minutes = new Map<string, { start: number; used: number }>();

  constructor(readonly perMinute = EVENTS_PER_MINUTE) {}

  /** Takes one event from `caller`'s budget at `now`: 0 when allowed, else the seconds until the next minute. */
  take(caller: string, now: number): number {
    let m = this.#minutes.get(caller);
    if (!m || now - m.start >= MINUTE_MS || now < m.start) {
      if (!m && this.#minutes.size >= MAX_CALLERS) this.#minutes.clear();
      m = { start: now, used: 0 };
      this.#minutes.set(caller, m);
    }
    if (m.used >= this.perMinute) return Math.max(1, Math.ceil((m.start + MINUTE_MS - now) / 1_000));
    m.used++;
    return 0;
  }
}
