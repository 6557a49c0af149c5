import { ConflictError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { NODE_COLUMNS, nodeFromRow } from './node-row.js';
import type { VaultLevel, VaultNode, VaultScanState, VaultSubject, VaultVersion } from './types.js';
import { msParam as TS } from '../../kernel/sql-time.js';

/** A timestamptz from epoch ms, written the same way on pg and PGlite. */

/** The columns a version is read with (`versionFromRow` maps them). */
const VERSION_COLUMNS =
  'id, document_id, version_no, size, media_type, sha256, blob_key, wrapped_key, kek_id, scan_state, scan_detail, thumb_blob_key, thumb_wrapped_key, thumb_kek_id, restored_from, created_by, created_at';

/** A version as the service needs it: the API's fields plus where its sealed content and thumbnail are. */
export interface StoredVersion extends VaultVersion {
  readonly wrappedKey: Buffer;
  readonly thumb: { readonly blobKey: string; readonly wrappedKey: Buffer; readonly kekId: string } | null;
}

const bytes = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));

function versionFromRow(r: Record<string, unknown>): StoredVersion {
  return {
    id: r.id as string,
    documentId: r.document_id as string,
    versionNo: Number(r.version_no),
    size: Number(r.size),
    mediaType: r.media_type as string,
    sha256: r.sha256 as string,
    blobKey: r.blob_key as string,
    wrappedKey: bytes(r.wrapped_key),
    kekId: r.kek_id as string,
    scanState: r.scan_state as VaultScanState,
    scanDetail: (r.scan_detail as string | null) ?? null,
    hasThumbnail: r.thumb_blob_key !== null && r.thumb_blob_key !== undefined,
    thumb:
      r.thumb_blob_key === null || r.thumb_blob_key === undefined
        ? null
        : {
            blobKey: r.thumb_blob_key as string,
            wrappedKey: bytes(r.thumb_wrapped_key),
            kekId: r.thumb_kek_id as string,
          },
    restoredFrom: r.restored_from === null || r.restored_from === undefined ? null : Number(r.restored_from),
    createdBy: r.created_by as string,
    createdAt: new Date(r.created_at as string | Date).getTime(),
  };
}

/** Postgres's (and PGlite's) unique violation: a live sibling has the name. */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23505';
/** Postgres's deadlock (40P01) or serialization failure (40001): the transaction was rolled back and may be retried. */
export const isRetryableConflict = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
};

/**
 * A deadlock or serialization failure as a 409 that says to try again (the transaction was rolled back, nothing
 * changed: `what` says what was not done) instead of an unexplained 500; any other error as it is.
 */
export function tryAgain(err: unknown, what: string): unknown {
  if (!isRetryableConflict(err)) return err;
  return new ConflictError(
    `${what}: another change to the same folders ran at the same moment; nothing changed, try again`,
    {
      retryable: true,
    },
  );
}
/** A tsvector past its size limit (a very long text of many distinct words). */
export const isTsvectorTooLong = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '54000';

/** A keyset position in a listing ordered folders first, then by lower-cased name, then by id. */
export interface NodeCursor {
  readonly folderFirst: 0 | 1;
  readonly name: string;
  readonly id: string;
}

/** What the search filters on; every filter given must match. */
export interface SearchFilter {
  readonly q: string | null;
  readonly tag: string | null;
  readonly owner: string | null;
  readonly folderId: string | null;
}

/**
 * The `search` column: the name (weight A), the tags (B) and the text's lexemes (D). Renames and tag changes rebuild A
 * and B and keep the D part (`ts_filter`), since the text itself is not kept. `$name`, `$tags`: parameter numbers.
 */
const searchOf = (name: number, tags: number, text: string) =>
  `setweight(to_tsvector('simple', $${name}), 'A') || setweight(to_tsvector('simple', array_to_string($${tags}::text[], ' ')), 'B') || ${text}`;

/** The grant rule (the ACL lane's): the highest grant to any of `subjects` on the node or a folder above it. */
const LEVEL_OF = (alias: string, subjects: number) =>
  `(SELECT coalesce(max(g.level), 0) FROM vault_grants g WHERE g.node_id = ANY(${alias}.ancestors || ${alias}.id) AND g.subject = ANY($${subjects}::text[]))`;

/**
 * Whether the words of the node's current version may be matched: only once it is known clean (or no scanner is
 * configured). A version still being scanned, or quarantined, is found by its name and tags only: a search must not
 * tell the words of a file nobody may download yet (or ever).
 */
const TEXT_SEARCHABLE = (alias: string) =>
  `EXISTS (SELECT 1 FROM vault_versions cv WHERE cv.id = ${alias}.current_version_id AND cv.scan_state IN ('CLEAN', 'UNSCANNED'))`;

/** Every statement of the documents lane: folders, documents, versions, the trash and search. */
export class DocumentsRepository {
  async node(q: Queryable, id: string, options: { readonly forUpdate?: boolean } = {}): Promise<VaultNode | null> {
    const { rows } = await q.query(
      `SELECT ${NODE_COLUMNS} FROM vault_nodes WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? nodeFromRow(rows[0]) : null;
  }

  /** Locks rows in id order (two moves that lock each other's rows never deadlock), returning them by id. */
  async lockNodes(q: Queryable, ids: readonly string[]): Promise<Map<string, VaultNode>> {
    const sorted = [...new Set(ids)].sort();
    const { rows } = await q.query(
      `SELECT ${NODE_COLUMNS} FROM vault_nodes WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [sorted],
    );
    return new Map(rows.map((r) => [r.id as string, nodeFromRow(r)]));
  }

  /**
   * For a move: locks the node, the target folder and every row under the node (live or trashed: the move rewrites
   * them all) in ONE statement in id order, and answers the node and the target. Two moves of overlapping trees (or a
   * move and a version commit inside it) then take their common rows in the same order rather than each holding part
   * of the other's tree while it updates the rest.
   */
  async lockForMove(q: Queryable, nodeId: string, targetId: string): Promise<Map<string, VaultNode>> {
    await q.query(
      `SELECT id FROM vault_nodes WHERE id = ANY($1::uuid[]) OR ancestors @> ARRAY[$2::uuid] ORDER BY id FOR UPDATE`,
      [[nodeId, targetId], nodeId],
    );
    // read once locked (the lock's own rows are ids only: a big tree's rows are not carried here)
    const { rows } = await q.query(`SELECT ${NODE_COLUMNS} FROM vault_nodes WHERE id = ANY($1::uuid[])`, [
      [nodeId, targetId],
    ]);
    return new Map(rows.map((r) => [r.id as string, nodeFromRow(r)]));
  }

  /**
   * Holds the given folders (FOR SHARE, root first: the order trash takes its locks in, so the two never deadlock) and
   * answers whether every one is still live. A delete of any of them then waits for the caller's transaction (which
   * it will then see), or has committed and is seen here.
   */
  async holdLive(q: Queryable, ids: readonly string[]): Promise<boolean> {
    if (ids.length === 0) return true;
    const { rows } = await q.query<{ state: string }>(
      `SELECT n.state FROM vault_nodes n
       JOIN unnest($1::uuid[]) WITH ORDINALITY AS a(id, depth) ON a.id = n.id
       ORDER BY a.depth FOR SHARE OF n`,
      [ids],
    );
    return rows.length === ids.length && rows.every((r) => r.state === 'ACTIVE');
  }

  /** The id of the live node in `parentId` with this name (case-insensitively), if any. */
  async siblingNamed(q: Queryable, parentId: string, name: string): Promise<string | null> {
    const { rows } = await q.query<{ id: string }>(
      `SELECT id FROM vault_nodes WHERE parent_id = $1 AND lower(name) = lower($2) AND state = 'ACTIVE'`,
      [parentId, name],
    );
    return rows[0]?.id ?? null;
  }

  /** Which of the given nodes `subjects` may READ (by the grant rule), for a path that names only those. */
  async readable(q: Queryable, subjects: readonly string[], ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await q.query<{ id: string }>(
      `SELECT n.id FROM vault_nodes n WHERE n.id = ANY($2::uuid[]) AND ${LEVEL_OF('n', 1)} > 0`,
      [subjects, ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** (id, name) of the given folders, for a node's path. */
  async names(q: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const { rows } = await q.query<{ id: string; name: string }>(
      'SELECT id, name FROM vault_nodes WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async insertNode(
    q: Queryable,
    n: {
      readonly id: string;
      readonly kind: 'FOLDER' | 'DOCUMENT';
      readonly parent: VaultNode;
      readonly name: string;
      readonly owner: string;
      readonly tags: readonly string[];
      readonly offline: boolean;
      readonly now: number;
    },
  ): Promise<VaultNode> {
    const { rows } = await q.query(
      `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, tags, offline, search, created_at, updated_at)
       VALUES ($1, $2, $3, $4::uuid[], $5, $6, $7::text[], $8, ${searchOf(5, 7, "''::tsvector")}, ${TS(9)}, ${TS(9)})
       RETURNING ${NODE_COLUMNS}`,
      [n.id, n.kind, n.parent.id, [...n.parent.ancestors, n.parent.id], n.name, n.owner, n.tags, n.offline, n.now],
    );
    return nodeFromRow(rows[0]!);
  }

  /** The number the document's next version gets (call with the document's row locked). */
  async nextVersionNo(q: Queryable, documentId: string): Promise<number> {
    const { rows } = await q.query<{ n: number }>(
      'SELECT coalesce(max(version_no), 0) + 1 AS n FROM vault_versions WHERE document_id = $1',
      [documentId],
    );
    return Number(rows[0]!.n);
  }

  async insertVersion(
    q: Queryable,
    v: {
      readonly id: string;
      readonly documentId: string;
      readonly versionNo: number;
      readonly size: number;
      readonly mediaType: string;
      readonly sha256: string;
      readonly blobKey: string;
      readonly wrappedKey: Buffer;
      readonly kekId: string;
      readonly scanState: VaultScanState;
      readonly restoredFrom: number | null;
      readonly createdBy: string;
      readonly now: number;
    },
  ): Promise<StoredVersion> {
    const { rows } = await q.query(
      `INSERT INTO vault_versions (id, document_id, version_no, size, media_type, sha256, blob_key, wrapped_key, kek_id,
         scan_state, restored_from, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ${TS(13)})
       RETURNING ${VERSION_COLUMNS}`,
      [
        v.id,
        v.documentId,
        v.versionNo,
        v.size,
        v.mediaType,
        v.sha256,
        v.blobKey,
        v.wrappedKey,
        v.kekId,
        v.scanState,
        v.restoredFrom,
        v.createdBy,
        v.now,
      ],
    );
    return versionFromRow(rows[0]!);
  }

  /**
   * Makes `version` the document's current one: size, type, and the search column rebuilt from the name, the tags and
   * `text` (null: the version has no text to index).
   */
  async setCurrent(q: Queryable, doc: VaultNode, version: StoredVersion, text: string | null, now: number) {
    const { rows } = await q.query(
      `UPDATE vault_nodes SET current_version_id = $2, size = $3, media_type = $4,
         search = ${searchOf(5, 6, "setweight(to_tsvector('simple', coalesce($7, '')), 'D')")},
         change_seq = change_seq + 1, updated_at = ${TS(8)}
       WHERE id = $1 RETURNING ${NODE_COLUMNS}`,
      [doc.id, version.id, version.size, version.mediaType, doc.name, doc.tags, text, now],
    );
    return nodeFromRow(rows[0]!);
  }

  /** Name, tags and offline flag; the search column keeps the text's lexemes and takes the new name and tags. */
  async updateFields(
    q: Queryable,
    id: string,
    f: { readonly name: string; readonly tags: readonly string[]; readonly offline: boolean },
    now: number,
  ): Promise<VaultNode> {
    const { rows } = await q.query(
      `UPDATE vault_nodes SET name = $2, tags = $3::text[], offline = $4,
         search = ${searchOf(2, 3, "ts_filter(search, '{d}')")},
         change_seq = change_seq + 1, updated_at = ${TS(5)}
       WHERE id = $1 RETURNING ${NODE_COLUMNS}`,
      [id, f.name, f.tags, f.offline, now],
    );
    return nodeFromRow(rows[0]!);
  }

  /**
   * Moves a node under `parent`, in one statement for the node and everything under it (trashed ones too, so a
   * restore finds them where they are): each keeps the part of its `ancestors` below the node. Returns the ids changed.
   */
  async move(q: Queryable, node: VaultNode, parent: VaultNode, now: number): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `UPDATE vault_nodes
         SET ancestors = $3::uuid[] || ancestors[$4::int + 1:],
             parent_id = CASE WHEN id = $1 THEN $2::uuid ELSE parent_id END,
             change_seq = change_seq + 1, updated_at = ${TS(5)}
       WHERE id = $1 OR ancestors @> ARRAY[$1::uuid]
       RETURNING id`,
      [node.id, parent.id, [...parent.ancestors, parent.id], node.ancestors.length, now],
    );
    return rows.map((r) => r.id);
  }

  async versions(q: Queryable, documentId: string): Promise<StoredVersion[]> {
    const { rows } = await q.query(
      `SELECT ${VERSION_COLUMNS} FROM vault_versions WHERE document_id = $1 ORDER BY version_no DESC`,
      [documentId],
    );
    return rows.map(versionFromRow);
  }

  /** A version by number, or the current one when `versionNo` is null. */
  async version(q: Queryable, doc: VaultNode, versionNo: number | null): Promise<StoredVersion | null> {
    const { rows } =
      versionNo === null
        ? await q.query(`SELECT ${VERSION_COLUMNS} FROM vault_versions WHERE id = $1`, [doc.currentVersionId])
        : await q.query(`SELECT ${VERSION_COLUMNS} FROM vault_versions WHERE document_id = $1 AND version_no = $2`, [
            doc.id,
            versionNo,
          ]);
    return rows[0] ? versionFromRow(rows[0]) : null;
  }

  /**
   * The caller's subjects plus the vault groups a person is in (`group:<id>`), for the listings that filter by the
   * grant rule in SQL (search, trash).
   */
  async withGroups(q: Queryable, subjects: readonly VaultSubject[], userId: string | null): Promise<string[]> {
    if (!userId) return [...subjects];
    const { rows } = await q.query<{ group_id: string }>(
      'SELECT group_id FROM vault_group_members WHERE user_id = $1',
      [userId],
    );
    return [...subjects, ...rows.map((r) => `group:${r.group_id}`)];
  }

  /** Active nodes matching every filter given that `subjects` may READ, folders first then by name (keyset pages). */
  async search(
    q: Queryable,
    subjects: readonly string[],
    f: SearchFilter,
    page: { readonly after: NodeCursor | null; readonly limit: number },
  ): Promise<{ items: (VaultNode & { level: VaultLevel })[]; next: NodeCursor | null }> {
    const a = page.after;
    const { rows } = await q.query(
      `SELECT * FROM (
         SELECT ${NODE_COLUMNS.split(', ')
           .map((c) => `n.${c}`)
           .join(', ')}, ${LEVEL_OF('n', 1)} AS level,
                CASE n.kind WHEN 'FOLDER' THEN 0 ELSE 1 END AS folder_first, lower(n.name) AS sort_name
         FROM vault_nodes n
         WHERE n.state = 'ACTIVE' AND n.parent_id IS NOT NULL
           AND ($2::text IS NULL
                OR strpos(lower(n.name), lower($2)) > 0
                OR (n.search @@ websearch_to_tsquery('simple', $2)
                    AND (ts_filter(n.search, '{a,b}') @@ websearch_to_tsquery('simple', $2)
                         OR ${TEXT_SEARCHABLE('n')})))
           AND ($3::text IS NULL OR n.tags @> ARRAY[$3::text])
           AND ($4::text IS NULL OR n.owner = $4)
           AND ($5::uuid IS NULL OR n.ancestors @> ARRAY[$5::uuid])
           AND ($6::int IS NULL OR (CASE n.kind WHEN 'FOLDER' THEN 0 ELSE 1 END, lower(n.name), n.id) > ($6::int, $7::text, $8::uuid))
       ) s WHERE s.level > 0
       ORDER BY s.folder_first, s.sort_name, s.id
       LIMIT $9`,
      [
        subjects,
        f.q,
        f.tag,
        f.owner,
        f.folderId,
        a ? a.folderFirst : null,
        a ? a.name : null,
        a ? a.id : null,
        page.limit + 1,
      ],
    );
    return pageOf(rows, page.limit);
  }

  /** Moves a node and everything live under it to the trash, `node` as their trash root. Returns the ids. */
  async trash(q: Queryable, node: VaultNode, by: string, now: number): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `UPDATE vault_nodes SET state = 'TRASHED', trashed_at = ${TS(3)}, trashed_by = $2, trash_root = $1,
         change_seq = change_seq + 1, updated_at = ${TS(3)}
       WHERE (id = $1 OR ancestors @> ARRAY[$1::uuid]) AND state = 'ACTIVE'
       RETURNING id`,
      [node.id, by, now],
    );
    return rows.map((r) => r.id);
  }

  /** Brings a trash root and what was deleted with it back. Returns the ids. */
  async untrash(q: Queryable, rootId: string, now: number): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `UPDATE vault_nodes SET state = 'ACTIVE', trashed_at = NULL, trashed_by = NULL, trash_root = NULL,
         change_seq = change_seq + 1, updated_at = ${TS(2)}
       WHERE trash_root = $1 AND state = 'TRASHED'
       RETURNING id`,
      [rootId, now],
    );
    return rows.map((r) => r.id);
  }

  /** Trash roots `subjects` hold at least DELETE on (where they were), newest first by id within a keyset. */
  async trashRoots(
    q: Queryable,
    subjects: readonly string[],
    page: { readonly after: string | null; readonly limit: number },
  ): Promise<{ items: (VaultNode & { level: VaultLevel })[]; next: string | null }> {
    const { rows } = await q.query(
      `SELECT * FROM (
         SELECT ${NODE_COLUMNS.split(', ')
           .map((c) => `n.${c}`)
           .join(', ')}, ${LEVEL_OF('n', 1)} AS level
         FROM vault_nodes n
         WHERE n.state = 'TRASHED' AND n.trash_root = n.id AND ($2::uuid IS NULL OR n.id > $2::uuid)
       ) s WHERE s.level >= 3
       ORDER BY s.id LIMIT $3`,
      [subjects, page.after, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map((r) => ({ ...nodeFromRow(r), level: Number(r.level) as VaultLevel }));
    return { items, next: rows.length > page.limit ? items[items.length - 1]!.id : null };
  }

  /** Trash roots deleted before `before` (the sweep's work), oldest first. */
  async expiredTrashRoots(q: Queryable, before: number, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `SELECT id FROM vault_nodes WHERE state = 'TRASHED' AND trash_root = id AND trashed_at < ${TS(1)}
       ORDER BY trashed_at, id LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Deletes a node and everything under it for good (versions and grants cascade) and returns the blob keys that no
   * remaining version refers to any more (content and thumbnails), for the caller to delete after commit.
   */
  async purge(q: Queryable, rootId: string): Promise<{ ids: string[]; unreferencedBlobs: string[] }> {
    const { rows: blobs } = await q.query<{ key: string }>(
      `SELECT DISTINCT k AS key FROM vault_versions v
         JOIN vault_nodes n ON n.id = v.document_id,
         LATERAL unnest(ARRAY[v.blob_key, v.thumb_blob_key]) AS k
       WHERE (n.id = $1 OR n.ancestors @> ARRAY[$1::uuid]) AND k IS NOT NULL`,
      [rootId],
    );
    const { rows } = await q.query<{ id: string }>(
      'DELETE FROM vault_nodes WHERE id = $1 OR ancestors @> ARRAY[$1::uuid] RETURNING id',
      [rootId],
    );
    const keys = blobs.map((b) => b.key);
    if (keys.length === 0) return { ids: rows.map((r) => r.id), unreferencedBlobs: [] };
    const { rows: still } = await q.query<{ key: string }>(
      `SELECT DISTINCT k AS key FROM vault_versions v, LATERAL unnest(ARRAY[v.blob_key, v.thumb_blob_key]) AS k
       WHERE k = ANY($1::text[])`,
      [keys],
    );
    const kept = new Set(still.map((r) => r.key));
    return { ids: rows.map((r) => r.id), unreferencedBlobs: keys.filter((k) => !kept.has(k)) };
  }

  /** Whether any version still refers to the blob (a failed upload's blob is deleted only when none does). */
  async blobReferenced(q: Queryable, key: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM vault_versions WHERE blob_key = $1 OR thumb_blob_key = $1 LIMIT 1', [
      key,
    ]);
    return rows.length > 0;
  }
}

function pageOf(
  rows: Record<string, unknown>[],
  limit: number,
): { items: (VaultNode & { level: VaultLevel })[]; next: NodeCursor | null } {
  const items = rows.slice(0, limit).map((r) => ({ ...nodeFromRow(r), level: Number(r.level) as VaultLevel }));
  // the cursor carries the database's lower(name), so the next page starts exactly where its ordering left off
  const last = rows[limit - 1];
  return {
    items,
    next:
      rows.length > limit && last
        ? { folderFirst: Number(last.folder_first) as 0 | 1, name: last.sort_name as string, id: last.id as string }
        : null,
  };
}
