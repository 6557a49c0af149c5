import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
  VAULT_PERMISSIONS,
  VAULT_ROOT_ID,
  isUuid,
  uuidv7,
  vaultLevel,
} from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import { AclRepository, type ChildCursor, type GroupRow, type SubjectSet } from './acl-repository.js';
import type { VaultAudit } from './audit.js';
import type { VaultStoreFeed } from './store-feed.js';
import {
  actorOf,
  type VaultCaller,
  type VaultLevel,
  type VaultNode,
  type VaultPermission,
  type VaultSubject,
} from './types.js';

export interface VaultGrant {
  readonly nodeId: string;
  readonly subject: VaultSubject;
  readonly level: VaultLevel;
  readonly grantedBy: string;
  readonly grantedAt: number;
  /** The name of the node the grant sits on (for "inherited from …"). */
  readonly nodeName?: string;
  /** True when the grant sits on a folder above the node asked about. */
  readonly inherited?: boolean;
}

/** A page of nodes with the caller's level on each; `next` is the cursor for the page after, null at the end. */
export interface VaultPage {
  readonly items: readonly (VaultNode & { readonly level: VaultLevel })[];
  readonly next: string | null;
}

export type VaultGroup = GroupRow;

/** The permission a level grants, for messages and replies (null: none). */
export const permissionOf = (level: number): VaultPermission | null => VAULT_PERMISSIONS[level - 1] ?? null;

const OWNER = 5 as const;

/** A folder listing's cursor: opaque to callers (base64url of kind, lower-cased name, id). */
export function encodeChildCursor(c: ChildCursor): string {
  return Buffer.from(JSON.stringify([c.kind === 'FOLDER' ? 'F' : 'D', c.lowerName, c.id])).toString('base64url');
}
export function decodeChildCursor(raw: string): ChildCursor {
  const bad = () => new ValidationError('invalid cursor: pass the `next` of the previous page');
  if (raw.length > 2_000 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== 3) throw bad();
  const [k, n, id] = v as unknown[];
  if ((k !== 'F' && k !== 'D') || typeof n !== 'string' || n.length > 1_100 || typeof id !== 'string' || !isUuid(id))
    throw bad();
  return { kind: k === 'F' ? 'FOLDER' : 'DOCUMENT', lowerName: n, id };
}

/**
 * Who may do what in the vault (lane: permissions). A principal's level on a node is the highest grant to any of its
 * subjects on the node or any folder above it (inheritance), read from the database at every check (no cache: a revoke
 * that returned is honoured by every replica at once). Each change's audit line is its transaction's last statement
 * (VaultAudit: the trail's lock is held to the commit): the caller commits right after.
 */
export class VaultAcl {
  readonly repo = new AclRepository();

  constructor(
    readonly ctx: HubContext,
    readonly audit: VaultAudit,
    readonly storeFeed: VaultStoreFeed,
  ) {}

  /** The subjects a principal acts as, groups aside: a person → `user:`, `role:`, `store:` (when they have one), `everyone`. */
  subjectsOf(p: Principal): VaultSubject[] {
    if (p.kind === 'store') return this.storeSubjects(p.storeId);
    const out: VaultSubject[] = [`user:${p.userId}`, `role:${p.role}`];
    if (p.storeId) out.push(`store:${p.storeId}`);
    out.push('everyone');
    return out;
  }
  /** What a store's node reads for its staff: `store:<id>`, `role:ASSOCIATE`, `everyone`. */
  storeSubjects(storeId: string): VaultSubject[] {
    return [`store:${storeId}`, 'role:ASSOCIATE', 'everyone'];
  }
  /** The subjects plus the user whose vault groups count (a store token belongs to no group). */
  subjectSet(p: Principal): SubjectSet {
    return { subjects: this.subjectsOf(p), userId: p.kind === 'user' ? p.userId : null };
  }

  /** The caller's level on an active node (0 when none, or when the node does not exist or is in the trash). */
  async level(q: Queryable, p: Principal, nodeId: string): Promise<VaultLevel> {
    if (!isUuid(nodeId)) return 0;
    return this.repo.level(q, this.subjectSet(p), nodeId);
  }
  /**
   * The node when the caller holds `perm` on it; `NotFoundError` when they cannot READ it (its existence is not told),
   * `ForbiddenError` naming the permission when they can read but not do this. `trashed: true` looks in the trash
   * (where the level is the one the node had in place).
   */
  async require(
    q: Queryable,
    p: Principal,
    nodeId: string,
    perm: VaultPermission,
    options?: { readonly trashed?: boolean },
  ): Promise<VaultNode & { readonly level: VaultLevel }> {
    const found = isUuid(nodeId) ? await this.repo.nodeWithLevel(q, this.subjectSet(p), nodeId) : null;
    const wanted = options?.trashed ? 'TRASHED' : 'ACTIVE';
    if (!found || found.node.state !== wanted || found.level === 0)
      throw new NotFoundError(options?.trashed ? 'trashed node' : 'node', nodeId);
    if (found.level < vaultLevel(perm))
      throw new ForbiddenError(
        `this needs ${perm} on ${found.node.kind === 'FOLDER' ? 'folder' : 'document'} ${nodeId}; you have ${permissionOf(found.level)}`,
      );
    return { ...found.node, level: found.level };
  }
  /**
   * The folder's active children the caller may READ, folders first then by name; complete across pages. With READ on
   * the folder (inherited or its own) every child shows; without, only the children shared with the caller themselves
   * (a document shared with a store inside a folder it cannot read) — and a folder that is not the root and shows
   * nothing is answered like a missing one (its existence is not told).
   */
  async children(
    q: Queryable,
    p: Principal,
    folderId: string,
    page: { readonly after: string | null; readonly limit: number },
  ): Promise<VaultPage> {
    const who = this.subjectSet(p);
    const folder = isUuid(folderId) ? await this.repo.nodeWithLevel(q, who, folderId) : null;
    if (folder?.node.kind !== 'FOLDER' || folder.node.state !== 'ACTIVE') throw new NotFoundError('folder', folderId);
    const limit = Math.max(1, Math.min(200, Math.floor(page.limit)));
    const after = page.after ? decodeChildCursor(page.after) : null;
    const rows = await this.repo.children(q, who, folderId, folder.level, after, limit);
    if (folder.level === 0 && folderId !== VAULT_ROOT_ID && after === null && rows.length === 0)
      throw new NotFoundError('folder', folderId);
    const items = rows.slice(0, limit).map((r) => ({ ...r.node, level: r.level }));
    const last = rows[limit - 1];
    const next =
      rows.length > limit && last
        ? encodeChildCursor({ kind: last.node.kind, lowerName: last.lowerName, id: last.node.id })
        : null;
    return { items, next };
  }
  /** Active documents anywhere under the root that `subjects` may READ, by id (the store feed's full list). */
  async readableDocuments(
    q: Queryable,
    subjects: readonly VaultSubject[],
    page: { readonly after: string | null; readonly limit: number },
  ): Promise<{ readonly ids: readonly string[]; readonly next: string | null }> {
    if (page.after !== null && !isUuid(page.after))
      throw new ValidationError('invalid cursor: pass the `next` of the previous page');
    const limit = Math.max(1, Math.min(10_000, Math.floor(page.limit)));
    // a person's subjects carry `user:<id>`: their vault groups count too
    const user = subjects.find((s) => s.startsWith('user:'))?.slice(5) ?? null;
    const ids = await this.repo.readableDocuments(q, { subjects, userId: user }, page.after, limit);
    return { ids: ids.slice(0, limit), next: ids.length > limit ? ids[limit - 1]! : null };
  }
  /** The node's grants and those of every folder above it (root first), each saying where it sits. */
  async grants(q: Queryable, nodeId: string): Promise<VaultGrant[]> {
    if (!isUuid(nodeId)) return [];
    return this.repo.grants(q, nodeId);
  }
  /** Sets `subject`'s level on the node (needs SHARE; OWNER to give OWNER); audited SHARE; stores told. */
  async grant(
    tx: Queryable,
    caller: VaultCaller,
    nodeId: string,
    subject: VaultSubject,
    perm: VaultPermission,
  ): Promise<VaultGrant> {
    const node = await this.require(tx, caller.principal, nodeId, 'SHARE');
    const level = vaultLevel(perm) as VaultLevel;
    if (level === OWNER && node.level < OWNER)
      throw new ForbiddenError(`giving OWNER needs OWNER on ${nodeId}; you have ${permissionOf(node.level)}`);
    if (!(await this.repo.subjectExists(tx, subject)))
      throw new UnprocessableError(`no such ${subject.split(':')[0]}: ${subject}`, { subject });
    const before = await this.repo.directGrant(tx, nodeId, subject);
    if (before && before.level === OWNER && level < OWNER) {
      if (node.level < OWNER)
        throw new ForbiddenError(
          `changing an OWNER's grant needs OWNER on ${nodeId}; you have ${permissionOf(node.level)}`,
        );
      if (nodeId === VAULT_ROOT_ID && (await this.repo.lockOwners(tx, nodeId)) <= 1)
        throw new ConflictError('the root keeps at least one OWNER: give OWNER to someone else first', { subject });
    }
    const by = actorOf(caller.principal);
    const at = this.ctx.now();
    await this.repo.upsertGrant(tx, nodeId, subject, level, by, at);
    await this.storeFeed.changed(tx, [nodeId]);
    // last: the trail's lock is held from here to the commit (VaultAudit)
    await this.audit.append(tx, {
      actor: by,
      action: 'SHARE',
      nodeId,
      detail: { subject, permission: perm, previous: before ? permissionOf(before.level) : null },
      origin: caller.origin,
    });
    return { nodeId, nodeName: node.name, subject, level, grantedBy: by, grantedAt: at, inherited: false };
  }
  /** Removes `subject`'s grant on the node; audited REVOKE; stores told. The last OWNER of the root is kept. */
  async revoke(tx: Queryable, caller: VaultCaller, nodeId: string, subject: VaultSubject): Promise<void> {
    const node = await this.require(tx, caller.principal, nodeId, 'SHARE');
    const before = await this.repo.directGrant(tx, nodeId, subject);
    if (!before) throw new NotFoundError(`grant to ${subject} on node`, nodeId);
    if (before.level === OWNER) {
      if (node.level < OWNER)
        throw new ForbiddenError(`removing an OWNER needs OWNER on ${nodeId}; you have ${permissionOf(node.level)}`);
      if (nodeId === VAULT_ROOT_ID && (await this.repo.lockOwners(tx, nodeId)) <= 1)
        throw new ConflictError('the root keeps at least one OWNER: give OWNER to someone else first', { subject });
    }
    await this.repo.deleteGrant(tx, nodeId, subject);
    await this.storeFeed.changed(tx, [nodeId]);
    await this.audit.append(tx, {
      actor: actorOf(caller.principal),
      action: 'REVOKE',
      nodeId,
      detail: { subject, permission: permissionOf(before.level) },
      origin: caller.origin,
    });
  }

  /**
   * Another person's level (head office's "may U do P on N?"): their role, store and groups as the hub has them now.
   * Unknown user → 422.
   */
  async levelOfUser(q: Queryable, userId: string, nodeId: string): Promise<VaultLevel> {
    const person = await this.repo.person(q, userId);
    if (!person) throw new UnprocessableError(`no such user: ${userId}`, { userId });
    return this.level(
      q,
      { kind: 'user', userId: person.id, role: person.role, storeId: person.storeId } as Principal,
      nodeId,
    );
  }

  /** Whether a node (active) exists at all, whoever asks: head office's check tells a missing node apart. */
  async exists(q: Queryable, nodeId: string): Promise<boolean> {
    if (!isUuid(nodeId)) return false;
    const { rows } = await q.query("SELECT 1 FROM vault_nodes WHERE id = $1::uuid AND state = 'ACTIVE'", [nodeId]);
    return rows.length > 0;
  }

  // ----- vault groups (head office's; a membership change counts at the next check) -----

  async groups(q: Queryable): Promise<VaultGroup[]> {
    return this.repo.groups(q);
  }
  async group(q: Queryable, id: string): Promise<VaultGroup> {
    const [g] = isUuid(id) ? await this.repo.groups(q, [id]) : [];
    if (!g) throw new NotFoundError('group', id);
    return g;
  }
  async createGroup(tx: Queryable, caller: VaultCaller, name: string): Promise<VaultGroup> {
    const id = uuidv7(this.ctx.now());
    const by = actorOf(caller.principal);
    if (!(await this.repo.insertGroup(tx, id, name, by, this.ctx.now())))
      throw new ConflictError(`a group named ${JSON.stringify(name)} exists already`, { name });
    const group = await this.group(tx, id);
    await this.audit.append(tx, {
      actor: by,
      action: 'GROUP_CHANGE',
      detail: { group: id, change: 'CREATE', name },
      origin: caller.origin,
    });
    return group;
  }
  /** Removes the group and every grant to it (those nodes' stores are told). */
  async deleteGroup(tx: Queryable, caller: VaultCaller, id: string): Promise<void> {
    const g = await this.group(tx, id);
    const nodes = await this.repo.deleteGroup(tx, id);
    if (nodes === null) throw new NotFoundError('group', id);
    if (nodes.length) await this.storeFeed.changed(tx, nodes);
    await this.audit.append(tx, {
      actor: actorOf(caller.principal),
      action: 'GROUP_CHANGE',
      detail: { group: id, change: 'DELETE', name: g.name, grantsRemoved: nodes.length },
      origin: caller.origin,
    });
  }
  async addMember(tx: Queryable, caller: VaultCaller, groupId: string, userId: string): Promise<VaultGroup> {
    if (!isUuid(groupId) || !(await this.repo.lockGroup(tx, groupId))) throw new NotFoundError('group', groupId);
    if (!(await this.repo.person(tx, userId))) throw new UnprocessableError(`no such user: ${userId}`, { userId });
    const added = await this.repo.addMember(tx, groupId, userId, this.ctx.now());
    const group = await this.group(tx, groupId);
    if (added)
      await this.audit.append(tx, {
        actor: actorOf(caller.principal),
        action: 'GROUP_CHANGE',
        detail: { group: groupId, change: 'ADD_MEMBER', userId },
        origin: caller.origin,
      });
    return group;
  }
  async removeMember(tx: Queryable, caller: VaultCaller, groupId: string, userId: string): Promise<void> {
    if (!isUuid(groupId) || !(await this.repo.lockGroup(tx, groupId))) throw new NotFoundError('group', groupId);
    if (!(await this.repo.removeMember(tx, groupId, userId)))
      throw new NotFoundError(`member of group ${groupId}`, userId);
    await this.audit.append(tx, {
      actor: actorOf(caller.principal),
      action: 'GROUP_CHANGE',
      detail: { group: groupId, change: 'REMOVE_MEMBER', userId },
      origin: caller.origin,
    });
  }
}
