import type { VaultNode, VaultNodeKind, VaultNodeState } from './types.js';

/** The columns every reader of `vault_nodes` selects, so that `nodeFromRow` can map them (prefix with an alias). */
export const NODE_COLUMNS =
  'id, kind, parent_id, ancestors, name, owner, tags, offline, current_version_id, size, media_type, state, trashed_at, trashed_by, trash_root, change_seq, created_at, updated_at';

/** A `vault_nodes` row (as pg and PGlite give it) as the API shows it. */
export function nodeFromRow(r: Record<string, unknown>): VaultNode {
  const ms = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date).getTime());
  return {
    id: r.id as string,
    kind: r.kind as VaultNodeKind,
    parentId: (r.parent_id as string | null) ?? null,
    ancestors: (r.ancestors as string[]) ?? [],
    name: r.name as string,
    owner: r.owner as string,
    tags: (r.tags as string[]) ?? [],
    offline: Boolean(r.offline),
    currentVersionId: (r.current_version_id as string | null) ?? null,
    size: r.size === null || r.size === undefined ? null : Number(r.size),
    mediaType: (r.media_type as string | null) ?? null,
    state: r.state as VaultNodeState,
    trashedAt: ms(r.trashed_at),
    trashedBy: (r.trashed_by as string | null) ?? null,
    trashRoot: (r.trash_root as string | null) ?? null,
    changeSeq: Number(r.change_seq),
    createdAt: ms(r.created_at)!,
    updatedAt: ms(r.updated_at)!,
  };
}
