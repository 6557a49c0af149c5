import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql 16 ships CJS (`main`) and ESM (`module`) copies; Node loads the CJS one for everybody (graphql-yoga and
  // @graphql-tools included), Vite would give our sources the ESM one — two realms, and graphql's instanceof checks
  // refuse each other's schema ("Cannot use GraphQLObjectType from another module or realm"). One copy, as in Node.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
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
