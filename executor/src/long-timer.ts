/** Node's timers hold a signed 32-bit count of milliseconds; a longer delay fires after ~1 ms (with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks a task's `timeoutMs` at submit: undefined or Infinity mean no timeout; anything else must be a positive
 * number. Throws TypeError (not a number) or RangeError (NaN, zero, negative) naming the option and the task.
 */
export function checkTimeoutMs(task: string, timeoutMs: unknown): number | undefined {
  if (timeoutMs === undefined || timeoutMs === Infinity) return undefined;
  if (typeof timeoutMs !== 'number')
    throw new TypeError(`timeoutMs of task ${task} must be a number of milliseconds, got ${typeof timeoutMs}`);
  if (!(timeoutMs > 0))
    throw new RangeError(
      `timeoutMs of task ${task} must be a positive number of milliseconds (or Infinity for none), got ${timeoutMs}`,
    );
  return timeoutMs;
}

/** setTimeout for any delay: one longer than a timer can hold is waited out in steps of at most MAX_TIMER_MS. */
export class LongTimer {
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number, fire: () => void) {
    const deadline = performance.now() + ms;
    const arm = (left: number) => {
      this.#timer = setTimeout(
        () => {
          const rest = deadline - performance.now();
          if (rest > 1) arm(rest);
          else fire();
        },
        Math.min(left, MAX_TIMER_MS),
      );
    };
    arm(ms);
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }
}
