/**
 * Polls `check` every 25 ms until it returns something other than undefined, null or false, and resolves to that; after
 * `timeoutMs` (generous: this waits for an event, it does not measure time) rejects naming `what` and the last value
 * seen, so a wait that never ends fails with what it was waiting for.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await check();
    if (last !== undefined && last !== null && last !== false) return last as T;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; last saw ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
