import { dbTargets, type DbTarget } from '@storefleet/central/testing';

/**
 * Where benchmarks run: a fresh database on the Postgres named by DATABASE_URL (created and dropped around the run,
 * so figures never depend on leftovers), then in-memory PGlite. Without DATABASE_URL, PGlite only.
 */
export const benchTargets: readonly DbTarget[] = [...dbTargets]
  .filter((t) => !process.env.BENCH_DB || t.name === process.env.BENCH_DB) // BENCH_DB=postgres|pglite: one target only
  .sort((a) => (a.name === 'postgres' ? -1 : 1));

export async function withDb<T>(
  target: DbTarget,
  run: (db: { databaseUrl?: string; dataDir?: string }) => Promise<T>,
): Promise<T> {
  const place = await target.open();
  try {
    return await run(place);
  } finally {
    await place.drop();
  }
}
