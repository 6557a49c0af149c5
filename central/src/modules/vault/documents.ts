import { ConflictError, NotFoundError, UnprocessableError, uuidv7, VAULT_ROOT_ID } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { VaultAcl, VaultPage } from './acl.js';
import type { VaultAudit } from './audit.js';
import { VaultContent } from './documents-content.js';
import { nameTaken, VAULT_MAX_UPLOAD_BYTES, VAULT_TRASH_DAYS, VAULT_TRASH_SWEEP_JOB } from './documents-rules.js';
import {
  DocumentsRepository,
  isUniqueViolation,
  type NodeCursor,
  type SearchFilter,
  tryAgain,
} from './documents-repository.js';
import type { VaultProcessing } from './processing.js';
import type { SealedStore } from './sealed-store.js';
import type { VaultStoreFeed } from './store-feed.js';
import { VaultTrash } from './trash.js';
import { actorOf, type VaultAuditInput, type VaultCaller, type VaultLevel, type VaultNode } from './types.js';

export { VAULT_MAX_UPLOAD_BYTES, VAULT_TRASH_DAYS, VAULT_TRASH_SWEEP_JOB, nameTaken };

/** A node with the caller's level on it, and (for one node read alone) the folders from the root to its parent. */
export type LeveledNode = VaultNode & { readonly level: VaultLevel };

/** What PATCH may change; each field left out stays. */
export interface NodeChange {
  readonly name?: string | undefined;
  readonly parentId?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly offline?: boolean | undefined;
}

/**
 * Folders, documents, versions, the trash and search (lane: documents): the rules over the repository; every read is
 * checked with the ACL, every change audited and told to the stores in its transaction. Content (uploads, downloads,
 * versions) is `content`; the trash is `trash`.
 */
export class VaultDocuments {
  readonly repo = new DocumentsRepository();
  readonly content: VaultContent;
  readonly trash: VaultTrash;
  constructor(
    readonly ctx: HubContext,
    readonly acl: VaultAcl,
    readonly audit: VaultAudit,
    readonly sealed: SealedStore,
    readonly storeFeed: VaultStoreFeed,
    readonly processing: VaultProcessing,
  ) {
    this.content = new VaultContent(this);
    this.trash = new VaultTrash(this);
  }

  async start(): Promise<void> {
    this.ctx.jobs.define({
      name: VAULT_TRASH_SWEEP_JOB,
      run: async (job) => void (await this.trash.sweep(job.signal)),
    });
    await this.ctx.jobs.schedule(VAULT_TRASH_SWEEP_JOB, {
      everyMs: this.ctx.settings.tuning.vaultTrashSweepMs,
      jitter: 0.1,
    });
  }
  async stop(): Promise<void> {}

  /**
   * One node and the folders above it the caller may read (a folder they cannot read is not named: the path starts
   * at the highest one they can); reading a document is audited VIEW.
   */
  async get(caller: VaultCaller, id: string): Promise<{ node: LeveledNode; path: { id: string; name: string }[] }> {
    const { db } = this.ctx;
    const node = await this.acl.require(db, caller.principal, id, 'READ');
    const readable = await this.repo.readable(db, await this.subjectsOf(db, caller), node.ancestors);
    // what is granted on a folder reaches everything under it, so the readable ones are the path's lower part
    const first = node.ancestors.findIndex((a) => readable.has(a));
    const shown = first < 0 ? [] : node.ancestors.slice(first).filter((a) => readable.has(a));
    const names = await this.repo.names(db, shown);
    const path = shown.map((a) => ({ id: a, name: names.get(a) ?? '' }));
    if (node.kind === 'DOCUMENT')
      await this.ctx.db.transaction((tx) =>
        this.audit.append(tx, {
          actor: actorOf(caller.principal),
          action: 'VIEW',
          nodeId: node.id,
          versionId: node.currentVersionId,
          origin: caller.origin,
        }),
      );
    return { node, path };
  }

  /** A folder's children the caller may read (folders first, then by name). */
  async children(
    caller: VaultCaller,
    folderId: string,
    page: { readonly after: string | null; readonly limit: number },
  ): Promise<VaultPage> {
    // at the root, one who may not read the root itself (a store manager) sees what was shared with them there: the
    // ACL's listing answers that (and refuses a folder that is not the root and shows nothing, like a missing one)
    if (folderId !== VAULT_ROOT_ID) await this.requireFolder(this.ctx.db, caller, folderId, 'READ');
    return this.acl.children(this.ctx.db, caller.principal, folderId, page);
  }

  /** The folder, when the caller holds `perm` on it; a document's id is answered as a missing folder. */
  async requireFolder(q: Queryable, caller: VaultCaller, id: string, perm: 'READ' | 'WRITE'): Promise<LeveledNode> {
    const node = await this.acl.require(q, caller.principal, id, perm);
    if (node.kind !== 'FOLDER') throw new NotFoundError('folder', id);
    return node;
  }

  async createFolder(caller: VaultCaller, parentId: string, name: string): Promise<LeveledNode> {
    const { db } = this.ctx;
    await this.requireFolder(db, caller, parentId, 'WRITE');
    const taken = await this.repo.siblingNamed(db, parentId, name);
    if (taken) throw nameTaken(name, taken);
    const actor = actorOf(caller.principal);
    try {
      return await db.transaction(async (tx) => {
        const parent = await this.requireFolder(tx, caller, parentId, 'WRITE');
        const node = await this.repo.insertNode(tx, {
          id: uuidv7(this.ctx.now()),
          kind: 'FOLDER',
          parent,
          name,
          owner: actor,
          tags: [],
          offline: false,
          now: this.ctx.now(),
        });
        await this.storeFeed.changed(tx, [node.id]);
        // last: the trail's lock is held from here to the commit (see VaultAudit)
        await this.audit.append(tx, {
          actor,
          action: 'CREATE_FOLDER',
          nodeId: node.id,
          detail: { name, parentId },
          origin: caller.origin,
        });
        return { ...node, level: parent.level };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(name, await this.repo.siblingNamed(db, parentId, name));
      throw tryAgain(err, `the folder ${name} was not made`);
    }
  }

  /**
   * Rename, move, tags, offline: each needs WRITE. A move needs SHARE on the node and WRITE on the new parent: moving a
   * node out of its folder changes who may reach it (it leaves the old folder's grants and takes the new one's, the
   * mover's own included), so it is a sharing decision — with only DELETE, a person with OWNER on a folder of their own
   * could otherwise move a document there and become its OWNER.
   */
  async update(caller: VaultCaller, id: string, change: NodeChange): Promise<LeveledNode> {
    const { db } = this.ctx;
    const p = caller.principal;
    const actor = actorOf(p);
    const before = await this.acl.require(db, p, id, 'WRITE');
    const moving = change.parentId !== undefined && change.parentId !== before.parentId;
    if (moving && id === VAULT_ROOT_ID) throw new ConflictError('the vault’s root folder cannot be moved');
    if (change.offline !== undefined && before.kind !== 'DOCUMENT' && change.offline !== before.offline)
      throw new UnprocessableError(`${before.name} is a folder: only documents are kept offline`);
    const newName = change.name ?? before.name;
    try {
      return await db.transaction(async (tx) => {
        const node = await this.acl.require(tx, p, id, moving ? 'SHARE' : 'WRITE');
        let current: VaultNode = node;
        const changed = new Set<string>([id]);
        const lines: VaultAuditInput[] = [];
        if (moving) {
          const wanted = await this.requireFolder(tx, caller, change.parentId!, 'WRITE');
          // the folders above the target held (root first) before the rows change: a delete of one of them waits for
          // this move or is seen by it (trash locks its root before marking the tree)
          await this.repo.holdLive(tx, wanted.ancestors);
          // the node, the target and every row under the node locked in one pass in id order before any is written:
          // two moves of overlapping trees take their rows in the same order instead of each holding part of the other's
          const locked = await this.repo.lockForMove(tx, id, change.parentId!);
          const target = locked.get(change.parentId!);
          const moved = locked.get(id);
          // checked again now the rows are locked: a folder deleted or moved since the check above is refused
          if (
            !target ||
            !moved ||
            target.state !== 'ACTIVE' ||
            moved.state !== 'ACTIVE' ||
            target.ancestors.join() !== wanted.ancestors.join()
          )
            throw new ConflictError(
              `the folder ${change.parentId} was deleted or moved while ${node.name} was being moved; nothing changed`,
            );
          current = moved;
          if (target.id === id || target.ancestors.includes(id))
            throw new ConflictError(`${current.name} cannot be moved into itself or a folder under it`);
          for (const moved of await this.repo.move(tx, current, target, this.ctx.now())) changed.add(moved);
          lines.push({
            actor,
            action: 'MOVE',
            nodeId: id,
            detail: { from: current.parentId, to: target.id },
            origin: caller.origin,
          });
        }
        const tags = change.tags ?? current.tags;
        const offline = change.offline ?? current.offline;
        const renamed = newName !== current.name;
        const retagged = change.tags !== undefined && change.tags.join('\n') !== current.tags.join('\n');
        const reflagged = offline !== current.offline;
        if (renamed || retagged || reflagged || moving) {
          current = await this.repo.updateFields(tx, id, { name: newName, tags, offline }, this.ctx.now());
          if (renamed)
            lines.push({
              actor,
              action: 'RENAME',
              nodeId: id,
              detail: { from: node.name, to: newName },
              origin: caller.origin,
            });
          if (retagged || reflagged)
            lines.push({ actor, action: 'TAG', nodeId: id, detail: { tags, offline }, origin: caller.origin });
          await this.storeFeed.changed(tx, [...changed]);
        }
        // what the answer needs is read before the lines: they are the transaction's last statement (see VaultAudit)
        const level = await this.acl.level(tx, p, id);
        await this.audit.appendMany(tx, lines);
        return { ...current, level };
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        const parentId = moving ? change.parentId! : before.parentId!;
        throw nameTaken(newName, await this.repo.siblingNamed(db, parentId, newName));
      }
      throw tryAgain(err, `${before.name} was not changed`);
    }
  }

  /** Nodes the caller may read matching every filter given. */
  async search(
    caller: VaultCaller,
    filter: SearchFilter,
    page: { readonly after: NodeCursor | null; readonly limit: number },
  ): Promise<{ items: LeveledNode[]; next: NodeCursor | null }> {
    const subjects = await this.subjectsOf(this.ctx.db, caller);
    return this.repo.search(this.ctx.db, subjects, filter, page);
  }

  /** The caller's subjects and vault groups, for listings filtered in SQL by the grant rule. */
  async subjectsOf(q: Queryable, caller: VaultCaller): Promise<string[]> {
    const p = caller.principal;
    return this.repo.withGroups(q, this.acl.subjectsOf(p), p.kind === 'user' ? p.userId : null);
  }
}
