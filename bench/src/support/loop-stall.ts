import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 1;

export interface Watched<T> {
  readonly result: T;
  /** Wall time of the whole of `work`, in ms. */
  readonly ms: number;
  /**
   * The longest the event loop was held at once while `work` ran, in ms (within ~1 ms): what a request arriving then
   * would have waited. Work that yields between chunks stalls the loop for its longest chunk, not for all of it.
   */
  readonly longestStallMs: number;
}

/** Runs `work` with the event loop watched (perf_hooks' delay histogram, sampling every millisecond). */
export async function watchLoop<T>(work: () => Promise<T>): Promise<Watched<T>> {
  const delays = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delays.enable();
  const started = performance.now();
  try {
    const result = await work();
    const ms = performance.now() - started;
    // Let the sampling timer fire once after the last chunk, so a stall at the very end is recorded too.
    await new Promise((resolve) => setTimeout(resolve, 2 * RESOLUTION_MS));
    // The histogram records each timer interval, the resolution included.
    return { result, ms, longestStallMs: Math.max(0, delays.max / 1e6 - RESOLUTION_MS) };
  } finally {
    delays.disable();
  }
}
