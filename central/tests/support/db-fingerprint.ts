import type { Db } from '../../src/db/db.js';

/**
 * Tables whose rows change without any domain change: replayed answers, sign-in and taken-email limits, sessions, background
 * samplers and sweeps, heartbeats. A refused request may touch these; it must touch nothing else.
 */
export const BOOKKEEPING_TABLES = new Set([
  'idempotency_keys',
  'sessions',
  'sign_in_attempts',
  'customer_sign_in_attempts', // a refused customer sign-in counts against its limits, as a staff one does
  'sign_in_known_addresses',
  'customer_email_refusals',
  'schema_migrations',
  'hub_secrets',
  'sync_connections',
  'sync_lag_fleet',
  'sync_lag_stores',
  'inventory_sweeps',
  'job_schedules',
  'job_runs',
  // background sweeps of modules: a store's first full vault list, the vault feed's lock row, registry GC runs
  'vault_store_synced',
  'vault_store_feed_lock',
  'registry_gc_runs',
  // issue #27: the audit of people's writes records a refused one too (what was tried is the point of an audit), the
  // request limits' shared counts, a session's last use (touched at most once a minute)
  'admin_actions',
  'edge_request_counts',
]);

/** Row count and an md5 of the rows of every other table of the hub, in one query: equal strings, same data. */
export async function hubFingerprint(db: Db): Promise<string> {
  const { rows: tables } = await db.query<{ t: string }>(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const parts = tables
    .map((r) => r.t)
    .filter((t) => !BOOKKEEPING_TABLES.has(t))
    .map(
      (t) =>
        `SELECT '${t}' AS t, count(*)::int AS n, coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS h FROM "${t}" x`,
    );
  const { rows } = await db.query<{ t: string; n: number; h: string }>(parts.join(' UNION ALL '));
  return rows
    .map((r) => `${r.t}:${r.n}:${r.h}`)
    .sort()
    .join('\n');
}

/** The tables whose row count or rows differ between two fingerprints (to name what a request changed). */
export function changedTables(before: string, after: string): string[] {
  const rows = (f: string) => new Map(f.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l]));
  const a = rows(before);
  const b = rows(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((t) => a.get(t) !== b.get(t)).sort();
}
