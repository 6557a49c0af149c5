import type { VaultPermission, VaultSubject } from '@storefleet/shared';
import type { Principal } from '../../kernel/principal.js';

export type { VaultPermission, VaultSubject };

/** 0 = no access; READ 1 < WRITE 2 < DELETE 3 < SHARE 4 < OWNER 5. */
export type VaultLevel = 0 | 1 | 2 | 3 | 4 | 5;

export type VaultNodeKind = 'FOLDER' | 'DOCUMENT';
export type VaultNodeState = 'ACTIVE' | 'TRASHED';
export type VaultScanState = 'PENDING' | 'CLEAN' | 'INFECTED' | 'UNSCANNED';

/** A folder or a document as the API shows it (times as epoch ms). */
export interface VaultNode {
  readonly id: string;
  readonly kind: VaultNodeKind;
  readonly parentId: string | null;
  /** Root first, parent last. */
  readonly ancestors: readonly string[];
  readonly name: string;
  readonly owner: string;
  readonly tags: readonly string[];
  readonly offline: boolean;
  readonly currentVersionId: string | null;
  readonly size: number | null;
  readonly mediaType: string | null;
  readonly state: VaultNodeState;
  readonly trashedAt: number | null;
  readonly trashedBy: string | null;
  readonly trashRoot: string | null;
  readonly changeSeq: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface VaultVersion {
  readonly id: string;
  readonly documentId: string;
  readonly versionNo: number;
  readonly size: number;
  readonly mediaType: string;
  readonly sha256: string;
  readonly blobKey: string;
  readonly kekId: string;
  readonly scanState: VaultScanState;
  readonly scanDetail: string | null;
  readonly hasThumbnail: boolean;
  readonly restoredFrom: number | null;
  readonly createdBy: string;
  readonly createdAt: number;
}

/** What the vault audits (issue #22: every view, download, upload, share, revoke, delete, and the rest that changes). */
export const VAULT_AUDIT_ACTIONS = [
  'VIEW',
  'DOWNLOAD',
  'UPLOAD',
  'CREATE_FOLDER',
  'RENAME',
  'MOVE',
  'TAG',
  'DELETE',
  'RESTORE',
  'PURGE',
  'RESTORE_VERSION',
  'SHARE',
  'REVOKE',
  'GROUP_CHANGE',
  'QUARANTINE',
  'KEY_ROTATE',
  'REWRAP',
  'AUDIT_VERIFY',
] as const;
export type VaultAuditAction = (typeof VAULT_AUDIT_ACTIONS)[number];

/** One audit line to append: who (`user:<id>`, `store:<id>`, `system`), what, on which node/version, from where. */
export interface VaultAuditInput {
  readonly actor: string;
  readonly action: VaultAuditAction;
  readonly nodeId?: string | null;
  readonly versionId?: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly origin?: string | null;
}

export interface VaultAuditEntry extends Required<VaultAuditInput> {
  readonly seq: number;
  readonly at: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** The caller as the vault sees it: the hub's principal and where the request came from (for the audit). */
export interface VaultCaller {
  readonly principal: Principal;
  /** Client address, or a store's device name. */
  readonly origin: string | null;
}

/** The subject a principal acts as in the audit trail and as an owner (`user:<id>`, `store:<id>`). */
export const actorOf = (p: Principal): string => (p.kind === 'user' ? `user:${p.userId}` : `store:${p.storeId}`);
