import { defineConfig } from 'vitest/config';

const TESTS = '{shared,sync,devices,executor,store-node,central,bench}/**/tests/**/*.test.ts';
/** Files that replace a module (vi.mock) are named `*.isolated.test.ts` and each keeps a process of its own. */
const ISOLATED = '{shared,sync,devices,executor,store-node,central,bench}/**/tests/**/*.isolated.test.ts';

export default defineConfig({
  // graphql 16 ships CJS (`main`) and ESM (`module`) copies; Node loads the CJS one for everybody (graphql-yoga and
  // @graphql-tools included), Vite would give our sources the ESM one — two realms, and graphql's instanceof checks
  // refuse each other's schema ("Cannot use GraphQLObjectType from another module or realm"). One copy, as in Node.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Hub tests open PGlite (WASM) and real Postgres databases; two cores want few parallel files.
    maxWorkers: 2,
    reporters: ['default', './.ci/vitest-summary.ts'],
    // Names this run's migrated template databases for hub tests on Postgres, and drops them at the end.
    globalSetup: ['central/tests/support/template-run.ts'],
    projects: [
      {
        extends: true,
        // Each file in a process of its own. `isolate: false` (a worker runs file after file on the modules it has
        // loaded: the hub is ~500 of them, 2–5 s to load again for every file) ran the suite in 26 min instead of ~50,
        // but in one clean-clone run a worker process exited unexpectedly after its last file (heap or a native
        // module, not found), which fails the run; kept off until that is understood. The files are ready for it:
        // each stops what it started, each-file.ts resets what a module keeps for its process, and files that
        // replace a module are *.isolated.test.ts.
        test: {
          name: 'suite',
          include: [TESTS],
          exclude: ['**/node_modules/**', ISOLATED],
          setupFiles: ['shared/tests/support/each-file.ts'],
        },
      },
      { extends: true, test: { name: 'isolated', include: [ISOLATED], isolate: true } },
    ],
  },
});
