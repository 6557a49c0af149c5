/**
 * Whether a reconciliation window saw the whole floor. A window is complete only if every reader that feeds it kept
 * its link open for the whole window (no reopen, no drop) and reported tags in enough of its sweeps. A reader that
 * drops out every cycle otherwise yields a short count every cycle, and a drift that repeats is exactly what the
 * N-cycle confirmation takes for a real one (300 units on the shelf went 300 → 294 → 96).
 */

/** What one reader did during one window (plain data: it crosses to the worker with the reads). */
export interface ReaderWindow {
  /** The device's name, for the report. */
  readonly reader: string;
  /** How long the window lasted. */
  readonly ms: number;
  /** Sweep periods (`sweepMs` each) in which the reader reported at least one tag. */
  readonly sweeps: number;
  /** Sweeps the window needed to count as a full look at the floor (see `expectedSweeps`). */
  readonly expectedSweeps: number;
  /** Times the link opened or closed during the window (the first open after start counts too). */
  readonly linkChanges: number;
  /** The link was open when the window closed. */
  readonly up: boolean;
}

/**
 * Sweeps a window of `ms` must have heard: at least `minSweeps`, and at least a third of the sweeps the reader's sweep
 * time allows (a third, not all: timers and serial buffers bunch sweeps up on a busy store PC; a reader that stopped
 * talking for most of the window still falls short).
 */
export function expectedSweeps(ms: number, sweepMs: number, minSweeps: number): number {
  return Math.max(minSweeps, Math.floor(ms / sweepMs / 3));
}

/** Why a window is incomplete, one reason per failing reader and rule; empty when it is complete. */
export function incompleteReasons(readers: readonly ReaderWindow[]): string[] {
  if (!readers.length) return ['no reader feeds this window'];
  const reasons: string[] = [];
  for (const r of readers) {
    if (!r.up) reasons.push(`${r.reader}: link down at the end of the window`);
    if (r.linkChanges > 0) reasons.push(`${r.reader}: link dropped or reopened during the window (${r.linkChanges}×)`);
    if (r.sweeps < r.expectedSweeps)
      reasons.push(`${r.reader}: heard ${r.sweeps} of ${r.expectedSweeps} expected sweeps`);
  }
  return reasons;
}
