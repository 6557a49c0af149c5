/**
 * A correctness check of a benchmark (oversold, lost, doubled, dropped): when `ok` is false it prints
 * `CHECK FAILED: …` on stderr and sets exit code 1, and the run goes on so the figures still print. Returns `ok`.
 */
export function check(ok: boolean, what: string): boolean {
  if (!ok) {
    console.error(`  CHECK FAILED: ${what}`);
    process.exitCode = 1;
  }
  return ok;
}
