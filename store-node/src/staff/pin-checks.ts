import { RateLimitedError, verifyPin } from '@storefleet/shared';
import type { RosterMember } from './staff-roster.js';

/** scrypt checks run at once across the node (each ~50 ms on a thread of libuv's pool; the pool has 4). */
export const PIN_CHECKS_AT_ONCE = 2;
/** PIN checks (requests) waiting for a turn before another is refused 429. */
export const PIN_CHECKS_WAITING = 16;

/** One PIN against one hash (scrypt); a test may put its own in to hold a check in flight. */
export type VerifyPin = (pin: string, hash: string) => Promise<boolean>;

/**
 * Checks typed PINs against the roster's scrypt hashes off the SQLite transaction, bounded: at most
 * `PIN_CHECKS_AT_ONCE` hashes at a time across the node (one check uses a second only while nobody waits for it), and
 * one check in flight per caller (a screen or a paired
 * device, whatever lane it says it is) and per lane — a second is refused 429 at once, not queued, so one screen
 * typing wrong PINs holds at most one of the `PIN_CHECKS_WAITING` places and the others stay free for other lanes
 * (and a lane's wrong-PIN count is exact). Past `PIN_CHECKS_WAITING` checks a 429 says to try again.
 */
export class PinChecks {
  verify: VerifyPin = verifyPin;
  #running = 0;
  #queue: (() => void)[] = [];
  #waiting = 0;
  readonly #lanes = new Set<number>();
  readonly #callers = new Set<string>();

  /** Whether a check from this caller is in flight now. */
  busy(caller: string): boolean {
    return this.#callers.has(caller);
  }

  /**
   * The member whose PIN this is, of `candidates`, or null; throws 429 while the caller, the lane or the node is
   * busy.
   */
  async find(
    lane: number,
    caller: string,
    pin: string,
    candidates: readonly RosterMember[],
  ): Promise<RosterMember | null> {
    if (this.#callers.has(caller))
      throw new RateLimitedError(
        'A PIN from this screen is being checked already: wait for its answer, then try again',
        1,
      );
    if (this.#lanes.has(lane))
      throw new RateLimitedError('a PIN is being checked at this lane already: wait a moment, then try again', 1);
    if (this.#waiting >= PIN_CHECKS_WAITING)
      throw new RateLimitedError('the store node is checking many PINs: try again in a moment', 1);
    this.#callers.add(caller);
    this.#lanes.add(lane);
    this.#waiting++;
    try {
      let found: RosterMember | null = null;
      let next = 0;
      // The first worker waits its turn for a slot; the others only take a slot that is free with nobody waiting, so
      // a long check (a wrong PIN against a big roster) keeps at most one slot once another lane's check comes.
      const worker = async (first: boolean) => {
        while (!found && next < candidates.length) {
          if (!first && (this.#running >= PIN_CHECKS_AT_ONCE || this.#queue.length > 0)) return;
          const m = candidates[next++]!;
          if (m.pinHash && (await this.#slot(() => this.verify(pin, m.pinHash!)))) found ??= m;
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(PIN_CHECKS_AT_ONCE, candidates.length) }, (_, i) => worker(i === 0)),
      );
      return found;
    } finally {
      this.#waiting--;
      this.#lanes.delete(lane);
      this.#callers.delete(caller);
    }
  }

  async #slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= PIN_CHECKS_AT_ONCE) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#running++;
    try {
      return await work();
    } finally {
      const wake = this.#queue.shift();
      if (wake) wake();
      else this.#running--;
    }
  }
}
