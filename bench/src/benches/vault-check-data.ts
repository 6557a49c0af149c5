import { createHash } from 'node:crypto';
import type { Db } from '@storefleet/central';

export const ROOT = '00000000-0000-4000-8000-000000000000';

/**
 * A stable uuid for a name, shaped as a version-4 uuid (the hub refuses other shapes): Postgres computes the same with
 * `uid("'name'")` below.
 */
export function uuidOf(name: string): string {
  const md5 = createHash('md5').update(name).digest('hex');
  const h = `${md5.slice(0, 12)}4${md5.slice(13, 16)}8${md5.slice(17)}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
/** SQL for `uuidOf(<expr>)`: the md5 of the text, with the version and variant nibbles a v4 uuid has. */
export const uid = (expr: string) => `(overlay(overlay(md5(${expr}) placing '4' from 13) placing '8' from 17))::uuid`;
export const userId = (i: number) => uuidOf(`u${i}`);
export const groupId = (i: number) => uuidOf(`g${i}`);

export interface VaultCheckSizes {
  readonly tuples: number;
  readonly depth: number;
  readonly topFolders: number;
  readonly branching: number;
  readonly docsPerFolder: number;
  readonly users: number;
  readonly groups: number;
  readonly groupsPerUser: number;
  readonly listed: number;
  readonly listHidden: number;
}

export interface VaultCheckData {
  readonly folders: number;
  readonly documents: number;
  readonly tuples: number;
  readonly memberships: number;
  /** The folder whose `listed` documents only the lister may see (each shared with them alone), among hidden ones. */
  readonly listFolder: string;
  readonly lister: string;
  readonly loadS: number;
}

/**
 * The tree and its grants, in bulk SQL (generate_series; bounded loops): `topFolders` under the root, each folder
 * `branching` folders below it down to `depth` levels, `docsPerFolder` documents in each deepest folder; `users`
 * people in `groups` vault groups (`groupsPerUser` each); then grants to random (node, user or group) pairs at random
 * levels until `tuples` grants exist (one in five to a group). Pseudo-random by hashing the row number, so a run is
 * repeatable. The grants sit on folders and documents alike, at every depth.
 */
export async function loadVaultTree(db: Db, o: VaultCheckSizes, log: (line: string) => void): Promise<VaultCheckData> {
  const started = performance.now();
  await db.query(
    `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
     SELECT ${uid("'f1-' || i")}, 'FOLDER', $1::uuid, ARRAY[$1::uuid], 'Region ' || i, 'system', now(), now()
     FROM generate_series(1, $2::int) AS i`,
    [ROOT, o.topFolders],
  );
  for (let level = 2; level <= o.depth; level++)
    await db.query(
      `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
       SELECT ${uid("p.id::text || '-' || j")}, 'FOLDER', p.id, p.ancestors || p.id, 'Folder ' || $1::int || '.' || j,
              'system', now(), now()
       FROM vault_nodes p CROSS JOIN generate_series(1, $2::int) AS j
       WHERE p.kind = 'FOLDER' AND cardinality(p.ancestors) = $1::int - 1`,
      [level, o.branching],
    );
  await db.query(
    `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, size, media_type, created_at, updated_at)
     SELECT ${uid("p.id::text || '-d' || j")}, 'DOCUMENT', p.id, p.ancestors || p.id, 'Document ' || j || '.pdf',
            'system', 1000, 'application/pdf', now(), now()
     FROM vault_nodes p CROSS JOIN generate_series(1, $2::int) AS j
     WHERE p.kind = 'FOLDER' AND cardinality(p.ancestors) = $1::int`,
    [o.depth, o.docsPerFolder],
  );
  const counts = (
    await db.query<{ folders: number; documents: number }>(
      `SELECT count(*) FILTER (WHERE kind = 'FOLDER')::int AS folders, count(*) FILTER (WHERE kind = 'DOCUMENT')::int AS documents
       FROM vault_nodes`,
    )
  ).rows[0]!;
  log(
    `  tree: ${counts.folders.toLocaleString('en-GB')} folders ${o.depth} deep, ${counts.documents.toLocaleString('en-GB')} documents`,
  );

  // people exist as vault subjects only (the check never reads `users`); groups are real vault groups
  await db.query(
    `INSERT INTO vault_groups (id, name, created_by, created_at)
     SELECT ${uid("'g' || i")}, 'Bench group ' || i, 'system', now() FROM generate_series(0, $1::int - 1) AS i`,
    [o.groups],
  );
  await db.query(
    `INSERT INTO vault_group_members (group_id, user_id, added_at)
     SELECT ${uid("'g' || (abs(hashint8(u::bigint * 131 + k)) % $2::int)")}, ${uid("'u' || u")}::text, now()
     FROM generate_series(0, $1::int - 1) AS u CROSS JOIN generate_series(1, $3::int) AS k
     ON CONFLICT DO NOTHING`,
    [o.users, o.groups, o.groupsPerUser],
  );
  const memberships = Number(
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM vault_group_members')).rows[0]!.n,
  );

  // the nodes numbered, so a hash picks one in O(1)
  await db.query('DROP TABLE IF EXISTS bench_vault_nodes');
  await db.query(
    `CREATE TABLE bench_vault_nodes AS SELECT (row_number() OVER (ORDER BY id))::int AS n, id FROM vault_nodes WHERE id <> $1::uuid`,
    [ROOT],
  );
  await db.query('ALTER TABLE bench_vault_nodes ADD PRIMARY KEY (n)');
  const nodes = counts.folders + counts.documents - 1;
  const chunk = 200_000;
  let have = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM vault_grants')).rows[0]!.n);
  for (let from = 0, rounds = 0; have < o.tuples && rounds < Math.ceil(o.tuples / chunk) * 3; rounds++) {
    const n = Math.min(chunk, Math.ceil((o.tuples - have) * 1.02));
    await db.query(
      `INSERT INTO vault_grants (node_id, subject, level, granted_by, granted_at)
       SELECT b.id,
              CASE WHEN abs(hashint8(i + 7)) % 5 = 0 THEN 'group:' || ${uid("'g' || (abs(hashint8(i + 11)) % $3::int)")}
                   ELSE 'user:' || ${uid("'u' || (abs(hashint8(i + 13)) % $4::int)")} END,
              1 + abs(hashint8(i + 17)) % 5, 'system', now()
       FROM generate_series($1::bigint, $1::bigint + $2::int - 1) AS i
       JOIN bench_vault_nodes b ON b.n = 1 + abs(hashint8(i)) % $5::int
       ON CONFLICT DO NOTHING`,
      [from, n, o.groups, o.users, nodes],
    );
    from += n;
    have = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM vault_grants')).rows[0]!.n);
    log(`  grants: ${have.toLocaleString('en-GB')} of ${o.tuples.toLocaleString('en-GB')}`);
  }

  // the listing's folder: under a deepest folder, `listed` documents shared with the lister one by one, others hidden
  const deepest = (
    await db.query<{ id: string; ancestors: string[] }>(
      `SELECT id FROM vault_nodes WHERE kind = 'FOLDER' AND cardinality(ancestors) = $1::int ORDER BY id LIMIT 1`,
      [o.depth],
    )
  ).rows[0]!.id;
  const listFolder = uuidOf('bench-list-folder');
  const lister = uuidOf('bench-lister');
  await db.query(
    `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
     SELECT $1::uuid, 'FOLDER', p.id, p.ancestors || p.id, 'Shared piecemeal', 'system', now(), now()
     FROM vault_nodes p WHERE p.id = $2::uuid`,
    [listFolder, deepest],
  );
  await db.query(
    `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, size, media_type, created_at, updated_at)
     SELECT ${uid("'bench-list-' || i")}, 'DOCUMENT', p.id, p.ancestors || p.id, 'Listed ' || lpad(i::text, 5, '0') || '.pdf',
            'system', 1000, 'application/pdf', now(), now()
     FROM vault_nodes p CROSS JOIN generate_series(1, $2::int) AS i WHERE p.id = $1::uuid`,
    [listFolder, o.listed + o.listHidden],
  );
  // every (listHidden / listed)-th one stays hidden from the lister
  await db.query(
    `INSERT INTO vault_grants (node_id, subject, level, granted_by, granted_at)
     SELECT ${uid("'bench-list-' || i")}, 'user:' || $1::text, 1, 'system', now()
     FROM generate_series(1, $2::int) AS i
     WHERE i <= $3::int`,
    [lister, o.listed + o.listHidden, o.listed],
  );
  await db.query('DROP TABLE bench_vault_nodes');
  await db.query('ANALYZE vault_nodes');
  await db.query('ANALYZE vault_grants');
  await db.query('ANALYZE vault_group_members');
  return {
    folders: counts.folders + 1,
    documents: counts.documents + o.listed + o.listHidden,
    tuples: have + o.listed,
    memberships,
    listFolder,
    lister,
    loadS: (performance.now() - started) / 1000,
  };
}
