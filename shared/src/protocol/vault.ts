import { z } from 'zod';

/**
 * The document vault (issue #22) on the wire.
 *
 * Hub → store: `vault.doc` — a document this store's staff may read, as it is now (metadata only; the content is
 * fetched from the hub on first open, or at once when `offline` is set, and checked against `sha256`). The store keeps
 * the newest by `changeSeq` (an entry that comes twice or late is ignored). `vault.doc-removed` — the store may no
 * longer read it (revoked, deleted to the trash, quarantined by the virus scan): metadata and cached content go.
 *
 * Store → hub: `vault.viewed` — a document opened on the store's handheld (offline too), so the hub's audit trail shows
 * every view, whenever the store could tell it.
 */
const id = z.string().min(1).max(64);
const uuid = z.string().uuid();
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** The permission levels, weakest first: each includes the ones before it. */
export const VAULT_PERMISSIONS = ['READ', 'WRITE', 'DELETE', 'SHARE', 'OWNER'] as const;
export type VaultPermission = (typeof VAULT_PERMISSIONS)[number];
/** READ = 1 … OWNER = 5; 0 = no access. */
export const vaultLevel = (p: VaultPermission): number => VAULT_PERMISSIONS.indexOf(p) + 1;

/** The folder every other node descends from (created by the schema; head office's ADMINs own it). */
export const VAULT_ROOT_ID = '00000000-0000-4000-8000-000000000000';

/**
 * Who a grant is for: one person (`user:<id>`), a vault group (`group:<id>`), every person of a store and the store's
 * node (`store:<id>`), everyone with a hub role (`role:ADMIN`, `role:STORE_MANAGER`, `role:ASSOCIATE`), or everyone
 * signed in (`everyone`).
 */
export const vaultSubjectSchema = z
  .string()
  .max(80)
  .regex(/^(?:(?:user|group|store):[0-9A-Za-z_-]{1,64}|role:(?:ADMIN|STORE_MANAGER|ASSOCIATE)|everyone)$/);
export type VaultSubject = z.infer<typeof vaultSubjectSchema>;

/** A node's name as people type it: no slash, no control characters, not `.` or `..`, at most 255 characters. */
export const vaultNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the rule refuses
  .regex(/^[^/\\\u0000-\u001f\u007f]+$/, 'a name has no slash, backslash or control character')
  .refine((n) => n !== '.' && n !== '..', 'a name is not . or ..');

export const vaultTagSchema = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u, 'a tag is letters, digits, spaces, _ . -');

/** `vault.doc` (hub → one store): a document the store's staff may read, as it is now. */
export const vaultDocSchema = z.strictObject({
  documentId: uuid,
  /** Orders this store's entries for one document: the store keeps the highest it has seen. */
  changeSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  name: vaultNameSchema,
  /** The folders from the root's child down to the document's parent, by name (for the handheld's breadcrumbs). */
  path: z.array(vaultNameSchema).max(64),
  tags: z.array(vaultTagSchema).max(32),
  mediaType: z.string().min(1).max(255),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** The current version: the store fetches exactly this one and checks its digest. */
  versionId: uuid,
  versionNo: z.number().int().min(1).max(1_000_000_000),
  /** SHA-256 of the plaintext, hex. */
  sha256: sha256Hex,
  /** Fetch the content now (readable offline before anyone opened it). */
  offline: z.boolean(),
  updatedAt: epochMs,
});
export type VaultDoc = z.infer<typeof vaultDocSchema>;

export const VAULT_REMOVED_REASONS = ['REVOKED', 'DELETED', 'QUARANTINED'] as const;

/** `vault.doc-removed` (hub → one store): the store's staff may no longer read this document. */
export const vaultDocRemovedSchema = z.strictObject({
  documentId: uuid,
  changeSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  reason: z.enum(VAULT_REMOVED_REASONS),
});
export type VaultDocRemoved = z.infer<typeof vaultDocRemovedSchema>;

/** `vault.viewed` (store → hub): a document opened at the store; `viewId` makes a resent event count once. */
export const vaultViewedSchema = z.strictObject({
  viewId: id,
  documentId: uuid,
  versionId: uuid,
  /** The device it was opened on (its paired name), for the audit's "from where". */
  device: z.string().min(1).max(100),
  /** Whether the store's copy was read with no hub reachable. */
  offline: z.boolean(),
  at: epochMs,
});
export type VaultViewed = z.infer<typeof vaultViewedSchema>;

export const vaultEventSchemas = { 'vault.viewed': vaultViewedSchema } as const;
export const vaultFeedSchemas = { 'vault.doc': vaultDocSchema, 'vault.doc-removed': vaultDocRemovedSchema } as const;
