import { isUuid } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { NODE_COLUMNS, nodeFromRow } from './node-row.js';
import type { VaultLevel, VaultNode, VaultSubject } from './types.js';

/** A grant as stored, with the name of the node it sits on and whether it is inherited by the node asked about. */
export interface GrantRow {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly subject: VaultSubject;
  readonly level: VaultLevel;
  readonly grantedBy: string;
  readonly grantedAt: number;
  readonly inherited: boolean;
}

export interface GroupRow {
  readonly id: string;
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly members: readonly { readonly userId: string; readonly email: string; readonly name: string }[];
}

/** Who the check is for: the subjects a principal acts as, and the user whose vault groups count too (null: a store). */
export interface SubjectSet {
  readonly subjects: readonly VaultSubject[];
  readonly userId: string | null;
}

/**
 * The caller's subjects as a CTE: the given ones plus `group:<id>` of every vault group the user belongs to, read in
 * the statement that uses them (one round trip per check, and a membership change is seen by the next check).
 * `$1` = subjects, `$2` = user id (null for a store).
 */
const SUBJECTS_CTE = `subj AS (
  SELECT s FROM unnest($1::text[]) AS s
  UNION
  SELECT 'group:' || m.group_id::text FROM vault_group_members m WHERE m.user_id = $2::text
)`;

/** The highest grant to the caller's subjects over the node `n` and every folder above it (0 when none). */
const LEVEL_OF_N = `coalesce((
  SELECT max(g.level) FROM unnest(n.ancestors || n.id) AS a(id)
  JOIN vault_grants g ON g.node_id = a.id
  JOIN subj ON subj.s = g.subject
), 0)::int`;

/** The highest grant to the caller's subjects on the node `c` itself (not inherited), as `own` (null when none). */
const OWN_LEVEL_OF_C =
  'SELECT max(g.level)::int AS own FROM vault_grants g JOIN subj ON subj.s = g.subject WHERE g.node_id = c.id';

const prefixed = (alias: string) =>
  NODE_COLUMNS.split(',')
    .map((c) => `${alias}.${c.trim()}`)
    .join(', ');

const ms = (v: unknown) => new Date(v as string | Date).getTime();
const asLevel = (v: unknown) => Number(v) as VaultLevel;

/** A keyset position in a folder's listing: folders first ('F' before 'D'), then lower(name), then id. */
export interface ChildCursor {
  readonly kind: 'FOLDER' | 'DOCUMENT';
  readonly lowerName: string;
  readonly id: string;
}

/**
 * All of the vault's permission SQL (lane: permissions). Nothing is cached: every answer is read from the database
 * at the moment it is asked, so a revoke that committed is honoured by the next check on any hub process.
 */
export class AclRepository {
  /** The node (active or trashed) and the caller's level on it, or null when no node has that id. */
  async nodeWithLevel(
    q: Queryable,
    who: SubjectSet,
    nodeId: string,
  ): Promise<{ node: VaultNode; level: VaultLevel } | null> {
    const { rows } = await q.query(
      `WITH ${SUBJECTS_CTE}
       SELECT ${prefixed('n')}, ${LEVEL_OF_N} AS level FROM vault_nodes n WHERE n.id = $3::uuid`,
      [who.subjects, who.userId, nodeId],
    );
    const r = rows[0];
    return r ? { node: nodeFromRow(r), level: asLevel(r.level) } : null;
  }

  /** Just the level on an active node (0 when missing or trashed): the check, one short statement. */
  async level(q: Queryable, who: SubjectSet, nodeId: string): Promise<VaultLevel> {
    const { rows } = await q.query<{ level: number }>(
      `WITH ${SUBJECTS_CTE}
       SELECT ${LEVEL_OF_N} AS level FROM vault_nodes n WHERE n.id = $3::uuid AND n.state = 'ACTIVE'`,
      [who.subjects, who.userId, nodeId],
    );
    return rows[0] ? asLevel(rows[0].level) : 0;
  }

  /**
   * One page of a folder's active children the caller may read: every child when `folderLevel` ≥ READ (the level
   * inherited), else only children with a grant of their own to the caller. Folders first, then lower(name), then id;
   * `limit + 1` rows are read so the caller knows whether a page follows. Each half walks the children index in order.
   */
  async children(
    q: Queryable,
    who: SubjectSet,
    folderId: string,
    folderLevel: VaultLevel,
    after: ChildCursor | null,
    limit: number,
  ): Promise<{ node: VaultNode; level: VaultLevel; lowerName: string }[]> {
    const from = after ?? { kind: 'FOLDER', lowerName: '', id: '00000000-0000-0000-0000-000000000000' };
    // the child's own grants read once (LATERAL), for both "may they see it" and "at what level"
    const visible = '($6::int > 0 OR o.own IS NOT NULL)';
    const select = `SELECT ${prefixed('c')}, greatest($6::int, coalesce(o.own, 0)) AS level, lower(c.name) AS lname
      FROM vault_nodes c CROSS JOIN LATERAL (${OWN_LEVEL_OF_C}) o`;
    const { rows } = await q.query(
      `WITH ${SUBJECTS_CTE}
       SELECT * FROM (
         (${select}
          WHERE c.parent_id = $3::uuid AND c.kind = 'FOLDER' AND c.state = 'ACTIVE' AND $4::text = 'FOLDER'
            AND (lower(c.name), c.id) > ($5::text, $7::uuid) AND ${visible}
          ORDER BY lower(c.name), c.id LIMIT $8)
         UNION ALL
         (${select}
          WHERE c.parent_id = $3::uuid AND c.kind = 'DOCUMENT' AND c.state = 'ACTIVE'
            AND ($4::text = 'FOLDER' OR (lower(c.name), c.id) > ($5::text, $7::uuid)) AND ${visible}
          ORDER BY lower(c.name), c.id LIMIT $8)
       ) page
       ORDER BY (kind = 'DOCUMENT'), lname, id LIMIT $8`,
      [who.subjects, who.userId, folderId, from.kind, from.lowerName, folderLevel, from.id, limit + 1],
    );
    return rows.map((r) => ({ node: nodeFromRow(r), level: asLevel(r.level), lowerName: r.lname as string }));
  }

  /** Active documents the subjects may read (a grant on the document or on a folder above it), by id. */
  async readableDocuments(q: Queryable, who: SubjectSet, after: string | null, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `WITH ${SUBJECTS_CTE},
       granted AS (
         SELECT g.node_id FROM vault_grants g JOIN subj ON subj.s = g.subject
         JOIN vault_nodes gn ON gn.id = g.node_id AND gn.state = 'ACTIVE'
       )
       SELECT n.id FROM vault_nodes n
       WHERE n.kind = 'DOCUMENT' AND n.state = 'ACTIVE' AND n.id > $3::uuid
         AND (n.id IN (SELECT node_id FROM granted) OR n.ancestors && ARRAY(SELECT node_id FROM granted))
       ORDER BY n.id LIMIT $4`,
      [who.subjects, who.userId, after ?? '00000000-0000-0000-0000-000000000000', limit + 1],
    );
    return rows.map((r) => r.id);
  }

  /** The grants on the node and on every folder above it, the root's first. */
  async grants(q: Queryable, nodeId: string): Promise<GrantRow[]> {
    const { rows } = await q.query(
      `SELECT g.node_id, n.name AS node_name, g.subject, g.level, g.granted_by, g.granted_at,
              (g.node_id <> t.id) AS inherited
       FROM vault_nodes t
       CROSS JOIN LATERAL unnest(t.ancestors || t.id) WITH ORDINALITY AS a(id, depth)
       JOIN vault_grants g ON g.node_id = a.id
       JOIN vault_nodes n ON n.id = g.node_id
       WHERE t.id = $1::uuid
       ORDER BY a.depth, g.level DESC, g.subject`,
      [nodeId],
    );
    return rows.map((r) => ({
      nodeId: r.node_id as string,
      nodeName: r.node_name as string,
      subject: r.subject as VaultSubject,
      level: asLevel(r.level),
      grantedBy: r.granted_by as string,
      grantedAt: ms(r.granted_at),
      inherited: Boolean(r.inherited),
    }));
  }

  /** The node's own grant to `subject` (not inherited), locked until the transaction ends. */
  async directGrant(q: Queryable, nodeId: string, subject: string): Promise<GrantRow | null> {
    const { rows } = await q.query(
      `SELECT g.node_id, n.name AS node_name, g.subject, g.level, g.granted_by, g.granted_at
       FROM vault_grants g JOIN vault_nodes n ON n.id = g.node_id
       WHERE g.node_id = $1::uuid AND g.subject = $2 FOR UPDATE OF g`,
      [nodeId, subject],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      nodeId: r.node_id as string,
      nodeName: r.node_name as string,
      subject: r.subject as VaultSubject,
      level: asLevel(r.level),
      grantedBy: r.granted_by as string,
      grantedAt: ms(r.granted_at),
      inherited: false,
    };
  }

  /** How many OWNER grants the node holds, those rows locked (two revokes at once cannot both take the last). */
  async lockOwners(q: Queryable, nodeId: string): Promise<number> {
    const { rows } = await q.query(
      'SELECT subject FROM vault_grants WHERE node_id = $1::uuid AND level = 5 ORDER BY subject FOR UPDATE',
      [nodeId],
    );
    return rows.length;
  }

  async upsertGrant(q: Queryable, nodeId: string, subject: string, level: VaultLevel, by: string, at: number) {
    await q.query(
      `INSERT INTO vault_grants (node_id, subject, level, granted_by, granted_at) VALUES ($1::uuid, $2, $3, $4, $5)
       ON CONFLICT (node_id, subject) DO UPDATE SET level = EXCLUDED.level, granted_by = EXCLUDED.granted_by,
         granted_at = EXCLUDED.granted_at`,
      [nodeId, subject, level, by, new Date(at)],
    );
  }

  async deleteGrant(q: Queryable, nodeId: string, subject: string): Promise<void> {
    await q.query('DELETE FROM vault_grants WHERE node_id = $1::uuid AND subject = $2', [nodeId, subject]);
  }

  /**
   * Whether a `user:`, `group:` or `store:` subject names someone who exists. Reads the hub's `users` and `locations`
   * tables read-only by SQL: no port offers "does this user/store exist" to modules yet.
   */
  async subjectExists(q: Queryable, subject: VaultSubject): Promise<boolean> {
    const colon = subject.indexOf(':');
    const kind = colon < 0 ? subject : subject.slice(0, colon);
    const id = subject.slice(colon + 1);
    if (kind === 'role' || kind === 'everyone') return true;
    if (!isUuid(id)) return false;
    const sql =
      kind === 'user'
        ? 'SELECT 1 FROM users WHERE id = $1::uuid'
        : kind === 'group'
          ? 'SELECT 1 FROM vault_groups WHERE id = $1::uuid'
          : kind === 'store'
            ? "SELECT 1 FROM locations WHERE id = $1::uuid AND kind = 'STORE'"
            : null;
    if (!sql) return false;
    const { rows } = await q.query(sql, [id]);
    return rows.length > 0;
  }

  /** A person as the check sees them (role and store), or null when no such user. Read-only on the hub's `users`. */
  async person(
    q: Queryable,
    userId: string,
  ): Promise<{ id: string; role: 'ADMIN' | 'STORE_MANAGER' | 'ASSOCIATE'; storeId: string | null } | null> {
    if (!isUuid(userId)) return null;
    const { rows } = await q.query<{ id: string; role: 'ADMIN'; store_id: string | null }>(
      'SELECT id, role, store_id FROM users WHERE id = $1::uuid',
      [userId],
    );
    const r = rows[0];
    return r ? { id: r.id, role: r.role, storeId: r.store_id ?? null } : null;
  }

  // ----- vault groups -----

  async groups(q: Queryable, ids?: readonly string[]): Promise<GroupRow[]> {
    const { rows } = await q.query(
      `SELECT g.id, g.name, g.created_by, g.created_at,
              coalesce(json_agg(json_build_object('userId', m.user_id, 'email', u.email, 'name', u.name)
                         ORDER BY lower(u.name), m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '[]') AS members
       FROM vault_groups g
       LEFT JOIN vault_group_members m ON m.group_id = g.id
       LEFT JOIN users u ON u.id::text = m.user_id
       WHERE $1::uuid[] IS NULL OR g.id = ANY($1::uuid[])
       GROUP BY g.id ORDER BY lower(g.name), g.id`,
      [ids ?? null],
    );
    return rows.map((r) => ({
      id: r.id as string,
      name: r.name as string,
      createdBy: r.created_by as string,
      createdAt: ms(r.created_at),
      members: (typeof r.members === 'string' ? JSON.parse(r.members) : r.members) as GroupRow['members'],
    }));
  }

  /** False when a group already has that name (case-insensitively). */
  async insertGroup(q: Queryable, id: string, name: string, by: string, at: number): Promise<boolean> {
    const { rowCount } = await q.query(
      `INSERT INTO vault_groups (id, name, created_by, created_at) VALUES ($1::uuid, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [id, name, by, new Date(at)],
    );
    return rowCount === 1;
  }

  /** Removes the group, its members and every grant to it; the nodes those grants were on. */
  async deleteGroup(q: Queryable, id: string): Promise<string[] | null> {
    const { rowCount } = await q.query('DELETE FROM vault_groups WHERE id = $1::uuid', [id]);
    if (rowCount === 0) return null;
    const { rows } = await q.query<{ node_id: string }>(
      'DELETE FROM vault_grants WHERE subject = $1 RETURNING node_id',
      [`group:${id}`],
    );
    return rows.map((r) => r.node_id);
  }

  async addMember(q: Queryable, groupId: string, userId: string, at: number): Promise<boolean> {
    const { rowCount } = await q.query(
      `INSERT INTO vault_group_members (group_id, user_id, added_at) VALUES ($1::uuid, $2, $3)
       ON CONFLICT DO NOTHING`,
      [groupId, userId, new Date(at)],
    );
    return rowCount === 1;
  }

  async removeMember(q: Queryable, groupId: string, userId: string): Promise<boolean> {
    const { rowCount } = await q.query('DELETE FROM vault_group_members WHERE group_id = $1::uuid AND user_id = $2', [
      groupId,
      userId,
    ]);
    return rowCount === 1;
  }

  /** Locks the group row until the transaction ends; false when there is none. */
  async lockGroup(q: Queryable, id: string): Promise<boolean> {
    const { rows } = await q.query('SELECT id FROM vault_groups WHERE id = $1::uuid FOR UPDATE', [id]);
    return rows.length > 0;
  }
}
