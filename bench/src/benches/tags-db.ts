import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the `tags` benchmark runs, and how to get rid of it. */
export interface TagsBenchPlace {
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly db: 'postgres' | 'pglite';
  drop(): Promise<void>;
}

/**
 * A scratch database for the `tags` benchmark: a fresh one on the Postgres DATABASE_URL names, else on the local
 * Postgres at 127.0.0.1 (user postgres); in-memory PGlite only when BENCH_DB=pglite. Dropped by `drop()` unless
 * TAGS_BENCH_KEEP_DB=1 (then its name is printed, to look at the data afterwards).
 */
export async function openTagsBenchPlace(): Promise<TagsBenchPlace> {
  if (process.env.BENCH_DB === 'pglite') return { dataDir: 'memory', db: 'pglite', drop: async () => {} };
  const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `sf_bench_tags_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    db: 'postgres',
    async drop() {
      if (process.env.TAGS_BENCH_KEEP_DB === '1') {
        console.error(`  kept the scratch database ${name} (TAGS_BENCH_KEEP_DB=1): drop it with dropdb ${name}`);
        return;
      }
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
