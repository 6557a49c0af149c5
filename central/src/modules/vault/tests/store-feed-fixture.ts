import { randomUUID } from 'node:crypto';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import type { Queryable } from '../../../db/db.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import { type VaultParts, vaultParts } from '../index.js';

/** A test hub with the vault module's context caught when the hub mounts its routes. */
export async function vaultTestHub(target: DbTarget): Promise<{ t: TestHub; ctx: HubContext; parts: VaultParts }> {
  let caught: HubContext | undefined;
  const modules = (await discoverModules()).map(
    (m): HubModule =>
      m.name === 'vault'
        ? {
            ...m,
            routes: (ctx) => {
              caught = ctx;
              return m.routes!(ctx);
            },
          }
        : m,
  );
  const t = await TestHub.start(target, { modules });
  if (!caught) throw new Error('the vault module mounted no routes');
  return { t, ctx: caught, parts: vaultParts(caught) };
}

/**
 * Vault rows written with plain SQL as the documents and permissions lanes leave them, each change told to the store
 * feed in its transaction: the store feed's tests do not depend on the other lanes' routes.
 */
export class VaultRows {
  constructor(
    readonly ctx: HubContext,
    readonly parts: VaultParts,
  ) {}

  #tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.ctx.db.transaction(fn);
  }

  async folder(name: string, parentId = VAULT_ROOT_ID): Promise<string> {
    const id = randomUUID();
    await this.#tx(async (tx) => {
      const { rows } = await tx.query<{ ancestors: string[] }>('SELECT ancestors FROM vault_nodes WHERE id = $1', [
        parentId,
      ]);
      await tx.query(
        `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
         VALUES ($1, 'FOLDER', $2, $3::uuid[], $4, 'user:test', now(), now())`,
        [id, parentId, [...rows[0]!.ancestors, parentId], name],
      );
      await this.parts.storeFeed.changed(tx, [id]);
    });
    return id;
  }

  /** A document with one version (scan state as given); returns its id and version id. */
  async document(
    name: string,
    parentId: string,
    o: { scan?: string; offline?: boolean; sha256?: string; size?: number; tags?: string[] } = {},
  ): Promise<{ id: string; versionId: string }> {
    const id = randomUUID();
    const versionId = randomUUID();
    await this.#tx(async (tx) => {
      const { rows } = await tx.query<{ ancestors: string[] }>('SELECT ancestors FROM vault_nodes WHERE id = $1', [
        parentId,
      ]);
      await tx.query(
        `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, tags, offline, size, media_type, created_at, updated_at)
         VALUES ($1, 'DOCUMENT', $2, $3::uuid[], $4, 'user:test', $5::text[], $6, $7, 'text/plain', now(), now())`,
        [id, parentId, [...rows[0]!.ancestors, parentId], name, o.tags ?? [], o.offline ?? false, o.size ?? 5],
      );
      await this.#version(tx, id, versionId, 1, o.scan ?? 'CLEAN', o.sha256 ?? 'a'.repeat(64), o.size ?? 5);
      await this.parts.storeFeed.changed(tx, [id]);
    });
    return { id, versionId };
  }

  async #version(
    tx: Queryable,
    documentId: string,
    versionId: string,
    no: number,
    scan: string,
    sha256: string,
    size: number,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO vault_versions (id, document_id, version_no, size, media_type, sha256, blob_key, wrapped_key, kek_id, scan_state, created_by, created_at)
       VALUES ($1, $2, $3, $4, 'text/plain', $5, 'blob', '\\x00', 'k1', $6, 'user:test', now())`,
      [versionId, documentId, no, size, sha256, scan],
    );
    await tx.query(
      'UPDATE vault_nodes SET current_version_id = $2, size = $3, change_seq = change_seq + 1 WHERE id = $1',
      [documentId, versionId, size],
    );
  }

  async newVersion(documentId: string, scan = 'CLEAN', sha256 = 'b'.repeat(64)): Promise<string> {
    const versionId = randomUUID();
    await this.#tx(async (tx) => {
      const { rows } = await tx.query<{ n: number }>(
        'SELECT max(version_no)::int AS n FROM vault_versions WHERE document_id = $1',
        [documentId],
      );
      await this.#version(tx, documentId, versionId, rows[0]!.n + 1, scan, sha256, 7);
      await this.parts.storeFeed.changed(tx, [documentId]);
    });
    return versionId;
  }

  async scanned(versionId: string, scan: 'CLEAN' | 'INFECTED'): Promise<void> {
    await this.#tx(async (tx) => {
      const { rows } = await tx.query<{ document_id: string }>(
        'UPDATE vault_versions SET scan_state = $2 WHERE id = $1 RETURNING document_id',
        [versionId, scan],
      );
      await this.parts.storeFeed.changed(tx, [rows[0]!.document_id]);
    });
  }

  async grant(nodeId: string, subject: string, level = 1): Promise<void> {
    await this.#tx(async (tx) => {
      await tx.query(
        `INSERT INTO vault_grants (node_id, subject, level, granted_by, granted_at) VALUES ($1, $2, $3, 'user:test', now())
         ON CONFLICT (node_id, subject) DO UPDATE SET level = EXCLUDED.level`,
        [nodeId, subject, level],
      );
      await this.parts.storeFeed.changed(tx, [nodeId]);
    });
  }

  async revoke(nodeId: string, subject: string): Promise<void> {
    await this.#tx(async (tx) => {
      await tx.query('DELETE FROM vault_grants WHERE node_id = $1 AND subject = $2', [nodeId, subject]);
      await this.parts.storeFeed.changed(tx, [nodeId]);
    });
  }

  async rename(nodeId: string, name: string): Promise<void> {
    await this.#tx(async (tx) => {
      await tx.query('UPDATE vault_nodes SET name = $2, change_seq = change_seq + 1 WHERE id = $1', [nodeId, name]);
      await this.parts.storeFeed.changed(tx, [nodeId]);
    });
  }

  /** To the trash, with everything under it. */
  async trash(nodeId: string): Promise<void> {
    await this.#tx(async (tx) => {
      await tx.query(
        `UPDATE vault_nodes SET state = 'TRASHED', trashed_at = now(), trashed_by = 'user:test', trash_root = $1,
                change_seq = change_seq + 1
         WHERE id = $1 OR $1 = ANY(ancestors)`,
        [nodeId],
      );
      await this.parts.storeFeed.changed(tx, [nodeId]);
    });
  }
}

/** The vault entries in a store's feed, oldest first. */
export async function vaultFeed(
  q: Queryable,
  storeId: string,
): Promise<{ seq: number; type: string; payload: Record<string, unknown> }[]> {
  const { rows } = await q.query<{ seq: number; type: string; payload: Record<string, unknown> }>(
    `SELECT seq, type, payload FROM sync_feed WHERE store_id = $1 AND type LIKE 'vault.%' ORDER BY seq`,
    [storeId],
  );
  return rows.map((r) => ({ seq: Number(r.seq), type: r.type, payload: r.payload }));
}
