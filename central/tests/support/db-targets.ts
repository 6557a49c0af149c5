import pg from 'pg';
import { randomBytes } from 'node:crypto';

/**
 * Where hub tests run. Each `open()` gives an empty database; `drop()` removes it. See `dbTargets` and `bothDbTargets`.
 */
export interface DbTarget {
  readonly name: 'pglite' | 'postgres';
  open(): Promise<{ databaseUrl?: string; dataDir?: string; drop(): Promise<void> }>;
}

const pglite: DbTarget = {
  name: 'pglite',
  async open() {
    return { dataDir: 'memory', drop: async () => {} };
  },
};

function postgres(adminUrl: string): DbTarget {
  return {
    name: 'postgres',
    async open() {
      const name = `sf_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        databaseUrl: url.toString(),
        async drop() {
          const c = new pg.Client({ connectionString: adminUrl });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        },
      };
    },
  };
}

const named = process.env.DATABASE_URL ? postgres(process.env.DATABASE_URL) : null;

/**
 * Both engines when DATABASE_URL names a Postgres: the Db conformance suite, migrations, group-commit isolation and the
 * concurrency tests (where PGlite's one connection and Postgres's pool really differ) run on each.
 */
export const bothDbTargets: readonly DbTarget[] = named ? [pglite, named] : [pglite];

/**
 * Where a hub test runs: on the Postgres named by DATABASE_URL (CI sets it), else on in-memory PGlite. PGlite is the
 * same Postgres compiled to WASM — same SQL, same planner —, so the rest of the suite runs once per run, not twice:
 * a laptop without Postgres covers PGlite, CI covers Postgres, and `HUB_TESTS_ON_BOTH=1` runs every file on both.
 */
export const dbTargets: readonly DbTarget[] =
  process.env.HUB_TESTS_ON_BOTH === '1' ? bothDbTargets : [bothDbTargets.at(-1)!];

/** Where a browser test of the pages runs: one database, as `dbTargets` without `HUB_TESTS_ON_BOTH`. */
export const pageTargets: readonly DbTarget[] = [dbTargets.at(-1)!];
