import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEMPLATE_RUN_ENV } from './db-targets.js';

/**
 * vitest's globalSetup: names this run's template databases (db-targets.ts, `sf_tpl_<run>_<hash>`) before any worker
 * starts — workers inherit the variable — and drops them when the run ends.
 */
export default function templateRun(): () => Promise<void> {
  process.env[TEMPLATE_RUN_ENV] ??= randomBytes(4).toString('hex');
  const run = process.env[TEMPLATE_RUN_ENV];
  return async () => {
    const url = process.env.DATABASE_URL;
    if (!url) return;
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      const { rows } = await c.query<{ drop: string }>(
        "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', datname) AS drop FROM pg_database WHERE datname LIKE $1",
        [`sf\\_tpl\\_${run}\\_%`],
      );
      for (const r of rows) await c.query(r.drop);
    } catch (err) {
      process.stderr.write(`template databases of run ${run} not dropped: ${(err as Error).message}\n`);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
}
