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

/**
 * Row count and an md5 of the rows of every other table of the hub: equal strings, same data. Hashing every row's text
 * is slow where a row is big (a trained review model is ~200 ms of one call), and the fuzz test takes a fingerprint
 * per request; so each table's row versions are read too (`ctid` and `xmin`: any insert, update or delete makes a new
 * one, a rolled-back write leaves none; with its columns, for a column added without a rewrite), and its rows' text is
 * hashed again only when those moved since this Db's last fingerprint. Versions and content come from one statement,
 * so one snapshot: a content hash is never kept under versions read before or after it. What is compared is still the
 * rows' content: a write that put back the same values leaves the fingerprint as it was.
 */
export async function hubFingerprint(db: Db): Promise<string> {
  const { rows: tables } = await db.query<{ t: string }>(
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  const names = tables.map((r) => r.t).filter((t) => !BOOKKEEPING_TABLES.has(t));
  const known = contentByDb.get(db) ?? new Map<string, { versions: string; content: string }>();
  contentByDb.set(db, known);
  const versionsOf = (t: string) =>
    `SELECT count(*) || ':' || coalesce(md5(string_agg(x.ctid::text || x.xmin::text, ',' ORDER BY x.ctid)), '') || ':' ||
       coalesce((SELECT md5(string_agg(a.attname::text || a.atttypid::text || a.attisdropped::text, ',' ORDER BY a.attnum))
         FROM pg_attribute a WHERE a.attrelid = '"${t}"'::regclass AND a.attnum > 0), '') AS v FROM "${t}" x`;
  const contentOf = (t: string) =>
    `SELECT count(*)::int || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM "${t}" x`;
  // the versions last seen are hex digits, digits and colons (checked), so they go into the SQL as a literal
  const last = (t: string) => {
    const v = known.get(t)?.versions;
    return v && /^[0-9a-f:]+$/.test(v) ? `'${v}'` : 'NULL';
  };
  const { rows } = await db.query<{ t: string; v: string; c: string | null }>(
    names
      .map(
        (t) =>
          `SELECT '${t}' AS t, s.v, CASE WHEN s.v IS DISTINCT FROM ${last(t)} THEN (${contentOf(t)}) END AS c FROM (${versionsOf(t)}) s`,
      )
      .join(' UNION ALL '),
  );
  for (const r of rows) if (r.c !== null) known.set(r.t, { versions: r.v, content: `${r.t}:${r.c}` });
  return names
    .map((t) => known.get(t)!.content)
    .sort()
    .join('\n');
}

/** Each Db's tables as last hashed: their row versions and the content line that goes into the fingerprint. */
const contentByDb = new WeakMap<Db, Map<string, { versions: string; content: string }>>();

/** The tables whose row count or rows differ between two fingerprints (to name what a request changed). */
export function changedTables(before: string, after: string): string[] {
  const rows = (f: string) => new Map(f.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l]));
  const a = rows(before);
  const b = rows(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((t) => a.get(t) !== b.get(t)).sort();
}
