import { ConflictError, VAULT_ROOT_ID } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { LeveledNode, VaultDocuments } from './documents.js';
import { nameTaken, VAULT_TRASH_DAYS } from './documents-rules.js';
import { isUniqueViolation } from './documents-repository.js';
import { actorOf, type VaultAuditInput, type VaultCaller, type VaultNode } from './types.js';

const DAY_MS = 86_400_000;
/** Trash roots purged per transaction by the sweep (each root with everything under it). */
const SWEEP_BATCH = 50;

/** A trashed node as the trash lists it: when it goes for good. */
export type TrashedNode = LeveledNode & { readonly purgeAt: number };

/**
 * The trash (lane: documents): a delete moves a node and everything under it to the trash, restorable for
 * `VAULT_TRASH_DAYS` where it was; then the sweep (or its OWNER, at once) deletes the rows and their blobs for good.
 */
export class VaultTrash {
  constructor(readonly d: VaultDocuments) {}

  /** To the trash (DELETE on the node): the node and everything live under it, with `trash_root` = the node. */
  async remove(caller: VaultCaller, id: string): Promise<TrashedNode> {
    if (id === VAULT_ROOT_ID) throw new ConflictError('the vault’s root folder cannot be deleted');
    const actor = actorOf(caller.principal);
    return this.d.ctx.db.transaction(async (tx) => {
      // the root of what goes to the trash locked first: an upload or a move into the tree holds its folders (root
      // first) for its transaction, so the one waits for the other and the trash takes what arrived (or it is refused)
      await this.d.repo.lockNodes(tx, [id]);
      const node = await this.d.acl.require(tx, caller.principal, id, 'DELETE');
      const now = this.d.ctx.now();
      const ids = await this.d.repo.trash(tx, node, actor, now);
      await this.d.storeFeed.changed(tx, ids);
      const trashed = await this.#trashed(tx, id, node.level);
      // last: the trail's lock is held from here to the commit (VaultAudit)
      await this.d.audit.append(tx, {
        actor,
        action: 'DELETE',
        nodeId: id,
        detail: { name: node.name, kind: node.kind, nodes: ids.length },
        origin: caller.origin,
      });
      return trashed;
    });
  }

  /** Trash roots the caller may restore (their level where the node was is at least DELETE). */
  async list(
    caller: VaultCaller,
    page: { readonly after: string | null; readonly limit: number },
  ): Promise<{ items: TrashedNode[]; next: string | null }> {
    const subjects = await this.d.subjectsOf(this.d.ctx.db, caller);
    const { items, next } = await this.d.repo.trashRoots(this.d.ctx.db, subjects, page);
    return { items: items.map((n) => withPurgeAt(n, n.level)), next };
  }

  /** Back where it was, with what was deleted with it: 409 when the name is taken there or the folder is in the trash. */
  async restore(caller: VaultCaller, id: string): Promise<LeveledNode> {
    const { db } = this.d.ctx;
    const actor = actorOf(caller.principal);
    let target: VaultNode | undefined;
    try {
      return await db.transaction(async (tx) => {
        const node = await this.#requireRoot(tx, caller, id, 'DELETE');
        target = node;
        const parent = node.parentId ? await this.d.repo.node(tx, node.parentId, { forUpdate: true }) : null;
        if (parent?.state !== 'ACTIVE')
          throw new ConflictError(
            `${node.name} cannot be restored: the folder it was in is in the trash too; restore that folder first`,
          );
        const taken = await this.d.repo.siblingNamed(tx, parent.id, node.name);
        if (taken) throw nameTaken(node.name, taken);
        const ids = await this.d.repo.untrash(tx, id, this.d.ctx.now());
        await this.d.storeFeed.changed(tx, ids);
        const restored = (await this.d.repo.node(tx, id))!;
        const level = await this.d.acl.level(tx, caller.principal, id);
        await this.d.audit.append(tx, {
          actor,
          action: 'RESTORE',
          nodeId: id,
          detail: { name: node.name, nodes: ids.length },
          origin: caller.origin,
        });
        return { ...restored, level };
      });
    } catch (err) {
      if (isUniqueViolation(err) && target?.parentId)
        throw nameTaken(target.name, await this.d.repo.siblingNamed(db, target.parentId, target.name));
      throw err;
    }
  }

  /** Emptied for good now (OWNER where it was): rows, versions, grants, and the blobs no other version uses. */
  async purgeNow(caller: VaultCaller, id: string): Promise<void> {
    const blobs = await this.d.ctx.db.transaction(async (tx) => {
      const root = await this.#requireRoot(tx, caller, id, 'OWNER');
      const purged = await this.#purge(tx, root, actorOf(caller.principal), caller.origin);
      await this.d.audit.append(tx, purged.line);
      return purged.blobs;
    });
    await this.#deleteBlobs(blobs);
  }

  /**
   * The sweep (`vault.trash-sweep`): trash roots older than `VAULT_TRASH_DAYS` purged, a batch per transaction, until
   * none is left or the job is asked to stop. Returns how many roots it purged.
   */
  async sweep(signal?: AbortSignal): Promise<number> {
    const { db, now } = this.d.ctx;
    let purged = 0;
    for (;;) {
      if (signal?.aborted) return purged;
      const ids = await this.d.repo.expiredTrashRoots(db, now() - VAULT_TRASH_DAYS * DAY_MS, SWEEP_BATCH);
      if (ids.length === 0) return purged;
      const blobs = await db.transaction(async (tx) => {
        const keys: string[] = [];
        const lines: VaultAuditInput[] = [];
        for (const id of ids) {
          const root = await this.d.repo.node(tx, id, { forUpdate: true });
          // restored or purged by someone else since it was listed
          if (root?.state !== 'TRASHED' || root.trashRoot !== root.id) continue;
          const purged = await this.#purge(tx, root, 'system', null);
          keys.push(...purged.blobs);
          lines.push(purged.line);
        }
        // every root locked and purged first, then the batch's lines at once, last (VaultAudit)
        await this.d.audit.appendMany(tx, lines);
        return keys;
      });
      await this.#deleteBlobs(blobs);
      purged += ids.length;
      if (ids.length < SWEEP_BATCH) return purged;
    }
  }

  /**
   * Deletes the rows (in `tx`); returns the PURGE line for the caller to append last in `tx`, and the blobs no
   * remaining version refers to, to delete after commit.
   */
  async #purge(
    tx: Queryable,
    root: VaultNode,
    actor: string,
    origin: string | null,
  ): Promise<{ line: VaultAuditInput; blobs: string[] }> {
    const { ids, unreferencedBlobs } = await this.d.repo.purge(tx, root.id);
    const line: VaultAuditInput = {
      actor,
      action: 'PURGE',
      nodeId: root.id,
      detail: { name: root.name, kind: root.kind, nodes: ids.length, trashedAt: root.trashedAt },
      origin,
    };
    return { line, blobs: unreferencedBlobs };
  }

  /** After commit: the purged versions' blobs (a failure leaves an orphan file for a blob sweep, never a lost row). */
  async #deleteBlobs(keys: readonly string[]): Promise<void> {
    for (const key of keys)
      await this.d.sealed.blobs
        .delete(key)
        .catch((err: unknown) => this.d.ctx.log.warn({ err, blobKey: key }, 'vault: could not delete a purged blob'));
  }

  /** A trash root the caller held `perm` on where it was; a node deleted with a folder above it is restored with it. */
  async #requireRoot(tx: Queryable, caller: VaultCaller, id: string, perm: 'DELETE' | 'OWNER'): Promise<LeveledNode> {
    const node = await this.d.acl.require(tx, caller.principal, id, perm, { trashed: true });
    if (node.trashRoot !== node.id)
      throw new ConflictError(`${node.name} was deleted with a folder above it: restore or empty that folder instead`);
    return node;
  }

  async #trashed(q: Queryable, id: string, level: LeveledNode['level']): Promise<TrashedNode> {
    const node = (await this.d.repo.node(q, id))!;
    return withPurgeAt(node, level);
  }
}

function withPurgeAt(node: VaultNode, level: LeveledNode['level']): TrashedNode {
  return { ...node, level, purgeAt: (node.trashedAt ?? 0) + VAULT_TRASH_DAYS * DAY_MS };
}
