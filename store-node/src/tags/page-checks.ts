import type { TagsPullRow } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

type TagRow = Extract<TagsPullRow, { kind: 'tag' }>;
interface Known {
  readonly slug: string;
  readonly path: string;
  readonly deleted: boolean;
  readonly version: number;
}

/**
 * Checks a page of the hub's tags section against itself and the copy before anything is written (issue #20 review:
 * a tag whose path was not its parent's path + '.' + its slug, or two live tags with one slug, were applied and the
 * facets and the filter then disagreed). A live tag's path must end in its slug and, under a parent, be the parent's
 * path + '.' + slug; no two live tags may share a slug. The hub serves rows in version order and a page may end inside
 * a version (a move of a subtree, a slug handed from one tag to another), so a row is judged only once the page has
 * passed its version or the pull ended: what is still to come in that version cannot be known before. Throws with the
 * row's index and what was wrong; the caller refuses the whole page.
 */
export function checkTagRows(db: SqliteDb, rows: readonly TagsPullRow[], next: string | null): void {
  const lastVersion = rows.length === 0 ? 0 : rows[rows.length - 1]!.version;
  const settled = (v: number) => next === null || lastVersion > v;
  const one = db.prepare('SELECT slug, path, deleted, version FROM tags WHERE id = ?');
  const bySlug = db.prepare('SELECT id FROM tags WHERE slug = ? AND deleted = 0');
  // The tags as they stand after the page (a row older than the copy's is skipped, as applyPage skips it).
  const after = new Map<number, Known>();
  const fromCopy = (id: number): Known | undefined => {
    const r = one.get(id) as { slug: string; path: string; deleted: number; version: number } | undefined;
    return r && { slug: r.slug, path: r.path, deleted: r.deleted === 1, version: r.version };
  };
  const pageTags: [number, TagRow][] = [];
  rows.forEach((r, i) => {
    if (r.kind !== 'tag') return;
    const held = after.get(r.id) ?? fromCopy(r.id);
    if (held && held.version > r.version) return;
    after.set(r.id, { slug: r.slug, path: r.path, deleted: r.deleted, version: r.version });
    pageTags.push([i, r]);
  });
  const stateOf = (id: number) => after.get(id) ?? fromCopy(id);
  const liveSlugs = new Map<string, number>();
  for (const t of after.values()) if (!t.deleted) liveSlugs.set(t.slug, (liveSlugs.get(t.slug) ?? 0) + 1);
  for (const [i, r] of pageTags) {
    if (r.deleted || after.get(r.id)?.version !== r.version) continue;
    const refuse = (what: string) => {
      throw new Error(`row ${i} of the tags page (tag ${r.id} "${r.slug}"): ${what}`);
    };
    const parts = r.path.split('.');
    if (parts[parts.length - 1] !== r.slug) refuse(`its path ${r.path} does not end in its slug`);
    if (r.parentId === null && parts.length !== 1) refuse(`a root tag's path must be its slug, not ${r.path}`);
    if (!settled(r.version)) continue;
    if (r.parentId !== null) {
      const parent = stateOf(r.parentId);
      if (!parent) refuse(`its parent ${r.parentId} is not a tag the hub sent`);
      if (parent && !parent.deleted && `${parent.path}.${r.slug}` !== r.path)
        refuse(`its path ${r.path} is not its parent's path ${parent.path} + '.' + ${r.slug}`);
      if (parent?.deleted) refuse(`its parent ${r.parentId} is deleted`);
    }
    if ((liveSlugs.get(r.slug) ?? 0) > 1) refuse(`another tag of the page has the slug "${r.slug}"`);
    for (const { id } of bySlug.all(r.slug) as { id: number }[]) {
      const other = stateOf(id);
      if (id !== r.id && other && !other.deleted && other.slug === r.slug)
        refuse(`tag ${id} of the store's copy already has the slug "${r.slug}"`);
    }
  }
}
