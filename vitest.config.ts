import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,sync,devices,executor,store-node,central,bench}/**/tests/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Hub tests open PGlite (WASM) and real Postgres databases; two cores want few parallel files.
    maxWorkers: 2,
    reporters: ['default', './.ci/vitest-summary.ts'],
  },
});
