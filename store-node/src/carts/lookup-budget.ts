/**
 * How many look-ups that find nobody one kiosk screen may make, so one screen cannot spend its store's budget at the
 * hub (`STORE_LOOKUP_MISSES`, shared by every screen of the store).
 *
 * Per screen (`Caller.scope`), over a sliding hour: the first `FREE_MISSES` misses cost nothing (customers mistype);
 * after that each look-up waits `FIRST_WAIT_MS` · 2^(misses − FREE_MISSES), at most `MAX_WAIT_MS`, after the last
 * miss; at `MISSES_PER_HOUR` the screen looks nobody up until its oldest miss leaves the hour. A look-up that finds
 * someone costs nothing and resets nothing. Kept in memory: a restart forgets it, and the hub's store cap still holds.
 *
 *   ok ──miss×FREE──▶ waiting (growing) ──miss×…──▶ spent ──oldest miss older than an hour──▶ waiting / ok
 */
export const LOOKUP_BUDGET = {
  MISSES_PER_HOUR: 10,
  FREE_MISSES: 3,
  FIRST_WAIT_MS: 5_000,
  MAX_WAIT_MS: 5 * 60_000,
  WINDOW_MS: 60 * 60_000,
  /** Screens remembered at once; past it the one that missed longest ago is forgotten. */
  MAX_SCREENS: 1000,
} as const;

/** Misses per screen; `waitMs` says how long a screen must wait before its next look-up (0: now). */
export class LookupBudget {
  readonly #misses = new Map<string, number[]>();

  /** Milliseconds before `screen` may look someone up again (0: now). */
  waitMs(screen: string, now: number): number {
    const misses = this.#recent(screen, now);
    if (misses.length >= LOOKUP_BUDGET.MISSES_PER_HOUR)
      return misses[misses.length - LOOKUP_BUDGET.MISSES_PER_HOUR]! + LOOKUP_BUDGET.WINDOW_MS - now;
    if (misses.length < LOOKUP_BUDGET.FREE_MISSES) return 0;
    const wait = Math.min(
      LOOKUP_BUDGET.MAX_WAIT_MS,
      LOOKUP_BUDGET.FIRST_WAIT_MS * 2 ** (misses.length - LOOKUP_BUDGET.FREE_MISSES),
    );
    return Math.max(0, misses.at(-1)! + wait - now);
  }

  /** Whether `screen` has spent its hour (as opposed to waiting between tries). */
  spent(screen: string, now: number): boolean {
    return this.#recent(screen, now).length >= LOOKUP_BUDGET.MISSES_PER_HOUR;
  }

  miss(screen: string, now: number): void {
    const misses = this.#recent(screen, now);
    misses.push(now);
    this.#misses.delete(screen); // re-inserted last: the map's order is by latest miss
    this.#misses.set(screen, misses);
    if (this.#misses.size > LOOKUP_BUDGET.MAX_SCREENS) this.#misses.delete(this.#misses.keys().next().value!);
  }

  #recent(screen: string, now: number): number[] {
    return (this.#misses.get(screen) ?? []).filter((t) => t > now - LOOKUP_BUDGET.WINDOW_MS);
  }
}
