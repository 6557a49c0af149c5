import { createHash } from 'node:crypto';
import { VAULT_ROOT_ID, type VaultDoc } from '@storefleet/shared';
import type { FeedDocRow, SentRow } from './store-feed-repository.js';

/**
 * What one batch of stores is told about one chunk of documents, worked out from the database's state as it is now
 * (read under the feed's lock): pure, so the rules read in one place.
 *
 *   readable   the document is ACTIVE and a grant to `store:<id>`, `role:ASSOCIATE` or `everyone` sits on it or on a
 *              folder above it (any level includes READ)
 *   sendable   readable and its current version is CLEAN or UNSCANNED
 *   doc        sendable and the store was not sent it, or was sent something else (another version, name, path, tags,
 *              offline): `vault.doc`
 *   removed    the store was sent it and it is no longer readable (DELETED: gone or in the trash; REVOKED), or its
 *              current version is INFECTED (QUARANTINED): `vault.doc-removed`
 *   kept       readable but its new version is still PENDING: the store keeps what it has until the scan ends
 */
export type VaultStoreDecision =
  | {
      readonly kind: 'doc';
      readonly storeId: string;
      readonly doc: Omit<VaultDoc, 'changeSeq'>;
      readonly fingerprint: string;
    }
  | {
      readonly kind: 'removed';
      readonly storeId: string;
      readonly documentId: string;
      readonly reason: 'REVOKED' | 'DELETED' | 'QUARANTINED';
    };

export interface PlanInput {
  readonly storeIds: readonly string[];
  /** The chunk's document ids (some may no longer exist). */
  readonly documentIds: readonly string[];
  readonly docs: readonly FeedDocRow[];
  /** Names of the folders above the documents. */
  readonly folderNames: ReadonlyMap<string, string>;
  readonly grants: readonly { readonly nodeId: string; readonly subject: string }[];
  readonly sent: readonly SentRow[];
}

/** The folders between the root and the document (the root left out), as node ids: what the plan reads names of. */
export function pathIds(doc: FeedDocRow): string[] {
  return doc.ancestors.filter((a) => a !== VAULT_ROOT_ID);
}

export function planStoreBatch(input: PlanInput): VaultStoreDecision[] {
  const byId = new Map(input.docs.map((d) => [d.id, d]));
  const grantsOn = new Map<string, string[]>();
  for (const g of input.grants) {
    const list = grantsOn.get(g.nodeId) ?? [];
    list.push(g.subject);
    grantsOn.set(g.nodeId, list);
  }
  const sent = new Map(input.sent.map((s) => [`${s.storeId} ${s.documentId}`, s]));
  const out: VaultStoreDecision[] = [];
  for (const documentId of input.documentIds) {
    const d = byId.get(documentId);
    const live = d !== undefined && d.kind === 'DOCUMENT' && d.state === 'ACTIVE';
    // who reads it: everyone's stores, or these
    let everyStore = false;
    const stores = new Set<string>();
    if (live) {
      for (const nodeId of [...d.ancestors, d.id])
        for (const subject of grantsOn.get(nodeId) ?? []) {
          if (subject === 'role:ASSOCIATE' || subject === 'everyone') everyStore = true;
          else if (subject.startsWith('store:')) stores.add(subject.slice('store:'.length));
        }
    }
    const payload = live && d ? docPayload(d, input.folderNames) : null;
    const fingerprint = payload ? fingerprintOf(payload) : '';
    for (const storeId of input.storeIds) {
      const had = sent.get(`${storeId} ${documentId}`);
      const readable = live && (everyStore || stores.has(storeId));
      if (!readable) {
        if (had) out.push({ kind: 'removed', storeId, documentId, reason: live ? 'REVOKED' : 'DELETED' });
        continue;
      }
      const scan = d!.scanState;
      if (scan === 'INFECTED') {
        if (had) out.push({ kind: 'removed', storeId, documentId, reason: 'QUARANTINED' });
        continue;
      }
      if (!payload) continue; // PENDING, or no version yet: what the store has stays until the scan ends
      if (had && had.fingerprint === fingerprint) continue;
      out.push({ kind: 'doc', storeId, doc: payload, fingerprint });
    }
  }
  return out;
}

/** The `vault.doc` a store gets (without its changeSeq), or null when the current version may not go to stores. */
export function docPayload(
  d: FeedDocRow,
  folderNames: ReadonlyMap<string, string>,
): Omit<VaultDoc, 'changeSeq'> | null {
  if (d.scanState !== 'CLEAN' && d.scanState !== 'UNSCANNED') return null;
  if (d.versionId === null || d.versionNo === null || d.sha256 === null || d.size === null) return null;
  return {
    documentId: d.id,
    name: d.name,
    path: pathIds(d).map((id) => folderNames.get(id) ?? '?'),
    tags: [...d.tags],
    mediaType: d.mediaType ?? 'application/octet-stream',
    size: d.size,
    versionId: d.versionId,
    versionNo: d.versionNo,
    sha256: d.sha256,
    offline: d.offline,
    updatedAt: d.updatedAt,
  };
}

function fingerprintOf(p: Omit<VaultDoc, 'changeSeq'>): string {
  return createHash('sha256').update(JSON.stringify(p)).digest('hex').slice(0, 32);
}
