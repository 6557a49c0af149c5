import pg from 'pg';
import { randomBytes } from 'node:crypto';

/**
 * Where hub tests run: always on in-memory PGlite, and on a fresh database of the Postgres named by DATABASE_URL
 * when there is one (CI sets it). Each `open()` gives an empty database; `drop()` removes it.
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

export const dbTargets: readonly DbTarget[] = process.env.DATABASE_URL
  ? [pglite, postgres(process.env.DATABASE_URL)]
  : [pglite];

/**
 * Where a browser test of the pages runs: one database — Postgres when DATABASE_URL names one, else PGlite (the store
 * node's page tests do the same with `dbTargets.at(-1)`). The API under the pages runs on both in its own tests, the
 * authorization matrix and the fuzz test; a page on the second database adds a minute of Chromium and nothing else.
 */
export const pageTargets: readonly DbTarget[] = [dbTargets.at(-1)!];
