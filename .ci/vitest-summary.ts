import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Ends a run with the plain line CI reads: `N passed, N failed, N skipped`. Errors no test owned (an unhandled
 * rejection after a test ended) fail the run in vitest, so they count as failures here too.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const m of testModules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') failedHere++;
        else counts.skipped++;
      }
      // A file that failed to load, or whose hook failed so its tests never ran, is a failure, not a skip.
      if (m.state() === 'failed' && failedHere === 0) failedHere = 1;
      counts.failed += failedHere;
    }
    counts.failed += unhandledErrors.length;
    // Where the run's time went: the slowest files, so a suite drifting past CI's budget shows its cause.
    const slowest = testModules
      .map((m) => {
        const d = m.diagnostic(); // its tests and hooks, and the loading before them (imports, collection)
        const ms = d.duration + d.prepareDuration + d.collectDuration + d.setupDuration + d.environmentSetupDuration;
        return { file: m.moduleId.replace(`${process.cwd()}/`, ''), ms };
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 25);
    process.stdout.write('\nslowest test files:\n');
    for (const { file, ms } of slowest) process.stdout.write(`${(ms / 1000).toFixed(1).padStart(8)} s  ${file}\n`);
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
