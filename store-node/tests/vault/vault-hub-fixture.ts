import { createHash, randomUUID } from 'node:crypto';
import { type HubModule, discoverModules } from '@storefleet/central';
import { Router } from 'express';
import type { Queryable } from '../../../central/src/db/db.js';
import type { HubContext } from '../../../central/src/kernel/module-contract.js';
import { type VaultParts, vaultParts } from '../../../central/src/modules/vault/index.js';
import { VaultRows } from '../../../central/src/modules/vault/tests/store-feed-fixture.js';

const ROOT = '00000000-0000-4000-8000-000000000000';

/** What the test's hub serves as a document's content, by document id and version number. */
export const contents = new Map<string, Buffer>();
/** The bearer tokens the content route saw (a store's, never a person's). */
export const contentCalls: { documentId: string; version: string; authorized: boolean }[] = [];

export interface CaughtVault {
  ctx: HubContext | undefined;
  parts: VaultParts | undefined;
}

/**
 * The hub's modules with the vault's parts caught, and its content route answered by the test (ahead of the vault's
 * own): the store side is tested against the feed the hub really sends, with content the test controls (the
 * documents lane's upload and download are tested in the hub's own tests). The route is behind the hub's
 * authentication like every module route: only a signed-in caller or a store's token reaches it.
 */
export async function vaultHubModules(caught: CaughtVault): Promise<HubModule[]> {
  return (await discoverModules()).map(
    (m): HubModule =>
      m.name === 'vault'
        ? {
            ...m,
            routes: (ctx) => {
              caught.ctx = ctx;
              caught.parts = vaultParts(ctx);
              const r = Router();
              r.get('/vault/documents/:id/content', (req, res) => {
                const key = `${req.params.id}@${String(req.query.version)}`;
                contentCalls.push({
                  documentId: req.params.id,
                  version: String(req.query.version),
                  authorized: Boolean(req.headers.authorization),
                });
                const bytes = contents.get(key);
                if (!bytes) return void res.status(404).json({ title: 'Not found', detail: `document ${key}` });
                res.type('application/octet-stream').send(bytes);
              });
              r.use(m.routes!(ctx));
              return r;
            },
          }
        : m,
  );
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Vault rows as the documents and permissions lanes leave them, each change told to the store feed. */
export class HubVault {
  constructor(readonly caught: CaughtVault) {}

  async #tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.caught.ctx!.db.transaction(fn);
  }

  /** The hub's own test rows (central's store-feed fixture): one way to make a folder and share or revoke it. */
  get #rows(): VaultRows {
    return new VaultRows(this.caught.ctx!, this.caught.parts!);
  }

  folder(name: string, parentId = ROOT): Promise<string> {
    return this.#rows.folder(name, parentId);
  }

  /** A document whose content is `text` (served by the test's content route). */
  async document(name: string, parentId: string, text: string, o: { offline?: boolean; mediaType?: string } = {}) {
    const id = randomUUID();
    await this.#tx(async (tx) => {
      const { rows } = await tx.query<{ ancestors: string[] }>('SELECT ancestors FROM vault_nodes WHERE id = $1', [
        parentId,
      ]);
      await tx.query(
        `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, offline, media_type, created_at, updated_at)
         VALUES ($1, 'DOCUMENT', $2, $3::uuid[], $4, 'user:test', $5, $6, now(), now())`,
        [id, parentId, [...rows[0]!.ancestors, parentId], name, o.offline ?? false, o.mediaType ?? 'text/plain'],
      );
    });
    await this.version(id, text, 'CLEAN', o.mediaType);
    return id;
  }

  /** A new current version with `text` as its content; returns its number. */
  async version(documentId: string, text: string, scan = 'CLEAN', mediaType = 'text/plain'): Promise<number> {
    const bytes = Buffer.from(text);
    return this.#tx(async (tx) => {
      const { rows } = await tx.query<{ n: number }>(
        'SELECT coalesce(max(version_no), 0)::int AS n FROM vault_versions WHERE document_id = $1',
        [documentId],
      );
      const no = rows[0]!.n + 1;
      const versionId = randomUUID();
      await tx.query(
        `INSERT INTO vault_versions (id, document_id, version_no, size, media_type, sha256, blob_key, wrapped_key, kek_id,
                                     scan_state, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'blob', '\\x00', 'k1', $7, 'user:test', now())`,
        [versionId, documentId, no, bytes.length, mediaType, sha256(bytes), scan],
      );
      await tx.query(
        'UPDATE vault_nodes SET current_version_id = $2, size = $3, change_seq = change_seq + 1 WHERE id = $1',
        [documentId, versionId, bytes.length],
      );
      contents.set(`${documentId}@${no}`, bytes);
      await this.caught.parts!.storeFeed.changed(tx, [documentId]);
      return no;
    });
  }

  grant(nodeId: string, subject: string): Promise<void> {
    return this.#rows.grant(nodeId, subject);
  }

  revoke(nodeId: string, subject: string): Promise<void> {
    return this.#rows.revoke(nodeId, subject);
  }
}
