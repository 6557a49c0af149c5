import { join } from 'node:path';
import { Readable } from 'node:stream';
import { uuidv7, VAULT_ROOT_ID } from '@storefleet/shared';
import type { Queryable } from '../../../db/db.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import { LocalKms } from '../kms.js';
import { hubModule as vault, type VaultParts, vaultParts } from '../index.js';
import type { VaultScanState } from '../types.js';

/**
 * The hub's modules with the vault wrapped so that a test can reach the vault's parts of that hub (its sealed store,
 * its processing): the same module, started and stopped as usual.
 */
export async function modulesWithVaultParts(): Promise<{ modules: HubModule[]; parts: () => VaultParts }> {
  let ctx: HubContext | undefined;
  const wrapped: HubModule = {
    ...vault,
    async start(c) {
      ctx = c;
      await vault.start?.(c);
      // Until the keys part opens the KMS at start itself: the same local KMS, in the file the hub was given
      const kms = vaultParts(c).kms;
      if (!kms.ready)
        kms.set(await LocalKms.open(c.settings.vault.keysFile ?? join(vaultParts(c).blobDir.path, 'vault-keys.json')));
    },
  };
  const modules = (await discoverModules()).map((m) => (m.name === 'vault' ? wrapped : m));
  return {
    modules,
    parts: () => {
      if (!ctx) throw new Error('the vault has not started yet');
      return vaultParts(ctx);
    },
  };
}

/** Splits bytes into pieces of `size` (lazily), as a client's upload arrives. */
export function inPieces(bytes: Buffer, size = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    })(),
  );
}

/**
 * Stores a document in the root with one sealed version, as an upload does (the content sealed, then the rows in one
 * transaction), and calls `enqueue` in that transaction unless told not to (a crash between commit and enqueue).
 */
export async function storeDocument(
  parts: VaultParts,
  file: { name: string; mediaType: string; bytes: Buffer; scanState?: VaultScanState },
  options: { enqueue?: boolean } = {},
): Promise<{ documentId: string; versionId: string }> {
  const sealed = await parts.sealed.seal(inPieces(file.bytes), { maxBytes: file.bytes.length + 1 });
  const documentId = uuidv7();
  const versionId = uuidv7();
  const db = parts.processing.ctx.db;
  await db.transaction(async (tx: Queryable) => {
    const now = new Date();
    await tx.query(
      `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, current_version_id, size, media_type,
         created_at, updated_at)
       VALUES ($1, 'DOCUMENT', $2, ARRAY[$2]::uuid[], $3, 'user:test', $4, $5, $6, $7, $7)`,
      [documentId, VAULT_ROOT_ID, file.name, versionId, sealed.size, file.mediaType, now],
    );
    await tx.query(
      `INSERT INTO vault_versions (id, document_id, version_no, size, media_type, sha256, blob_key, wrapped_key,
         kek_id, scan_state, created_by, created_at)
       VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, 'user:test', $10)`,
      [
        versionId,
        documentId,
        sealed.size,
        file.mediaType,
        sealed.sha256,
        sealed.blobKey,
        sealed.wrappedKey,
        sealed.kekId,
        file.scanState ?? 'PENDING',
        now,
      ],
    );
    if (options.enqueue !== false) await parts.processing.enqueue(tx, versionId);
  });
  return { documentId, versionId };
}

export interface VersionScan {
  scanState: VaultScanState;
  scanDetail: string | null;
  thumb: { blobKey: string; wrappedKey: Buffer; kekId: string } | null;
}

export async function versionScan(q: Queryable, versionId: string): Promise<VersionScan> {
  const { rows } = await q.query<{
    scan_state: VaultScanState;
    scan_detail: string | null;
    thumb_blob_key: string | null;
    thumb_wrapped_key: Uint8Array | null;
    thumb_kek_id: string | null;
  }>(
    `SELECT scan_state, scan_detail, thumb_blob_key, thumb_wrapped_key, thumb_kek_id FROM vault_versions WHERE id = $1`,
    [versionId],
  );
  const r = rows[0];
  if (!r) throw new Error(`no version ${versionId}`);
  return {
    scanState: r.scan_state,
    scanDetail: r.scan_detail,
    thumb:
      r.thumb_blob_key && r.thumb_wrapped_key && r.thumb_kek_id
        ? { blobKey: r.thumb_blob_key, wrappedKey: Buffer.from(r.thumb_wrapped_key), kekId: r.thumb_kek_id }
        : null,
  };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
