import type { Queryable } from '../db/db.js';
import type { AppliedEvent, EventHandler } from '../kernel/event-handlers.js';
import { isTransientDbError } from './transient-errors.js';

/** An event that failed on its own, with why (what a parked row's `reason` says). */
export interface IsolatedFailure {
  readonly event: AppliedEvent;
  readonly reason: string;
}

/**
 * Applies a run of same-type events so that only an event that fails on its own fails, alone:
 * - the run goes to the handler in one savepoint (one statement for the lot, the common case);
 * - events the handler refuses one by one (`rejected`) fail with its reason, the rest of the run stays applied;
 * - a throw that is not transient rolls the savepoint back and the run is split in halves, each applied the same
 *   way in seq order, until the event that throws is alone; every other event of the run applies. A run of n with
 *   one bad event costs about 2·log2(n) extra handler calls;
 * - a transient throw (deadlock, serialization failure, lost connection…) is rethrown untouched: it is nobody's
 *   fault, so the caller retries the whole transaction (`retryTransient`) and nothing is parked for it.
 * Runs inside the caller's transaction; returns the failures (the caller parks them or records a failed replay).
 */
export async function applyIsolated(
  tx: Queryable,
  handle: EventHandler,
  events: readonly AppliedEvent[],
): Promise<IsolatedFailure[]> {
  const failures: IsolatedFailure[] = [];
  const attempt = async (part: readonly AppliedEvent[]): Promise<void> => {
    await tx.query('SAVEPOINT apply_run');
    try {
      const result = await handle(tx, part);
      await tx.query('RELEASE SAVEPOINT apply_run');
      for (const r of result?.rejected ?? []) {
        const event = part.find((e) => e.seq === r.seq);
        if (event) failures.push({ event, reason: `rejected by ${event.type} handler: ${r.reason}` });
      }
    } catch (err) {
      if (isTransientDbError(err)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT apply_run');
      await tx.query('RELEASE SAVEPOINT apply_run');
      if (part.length === 1) {
        failures.push({ event: part[0]!, reason: `handler failed: ${messageOf(err)}` });
        return;
      }
      const half = Math.ceil(part.length / 2);
      await attempt(part.slice(0, half));
      await attempt(part.slice(half));
    }
  };
  await attempt(events);
  return failures.sort((a, b) => a.event.seq - b.event.seq);
}

function messageOf(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'an error that cannot be described';
  }
}
