import type { Tag } from '../types.js';

/**
 * The live tag tree as the index holds it: by id, slug and path, with each tag's children. Immutable once built;
 * a change builds a new tree (`withChanges`), so a reader holding the old one sees a consistent tree.
 */
export class TagTree {
  readonly #byId: ReadonlyMap<number, Tag>;
  readonly #bySlug = new Map<string, Tag>();
  readonly #byPath = new Map<string, Tag>();
  readonly #children = new Map<number, number[]>();

  constructor(tags: Iterable<Tag>) {
    const byId = new Map<number, Tag>();
    for (const t of tags) if (!t.deleted) byId.set(t.id, t);
    this.#byId = byId;
    for (const t of byId.values()) {
      this.#bySlug.set(t.slug, t);
      this.#byPath.set(t.path, t);
      if (t.parentId !== null) {
        const c = this.#children.get(t.parentId);
        if (c) c.push(t.id);
        else this.#children.set(t.parentId, [t.id]);
      }
    }
  }

  /** A new tree with these rows (new, changed or tombstoned) applied. */
  withChanges(rows: readonly Tag[]): TagTree {
    const next = new Map(this.#byId);
    for (const r of rows) {
      if (r.deleted) next.delete(r.id);
      else next.set(r.id, r);
    }
    return new TagTree(next.values());
  }

  get size(): number {
    return this.#byId.size;
  }
  get(id: number): Tag | undefined {
    return this.#byId.get(id);
  }
  bySlug(slug: string): Tag | undefined {
    return this.#bySlug.get(slug);
  }
  byPath(path: string): Tag | undefined {
    return this.#byPath.get(path);
  }
  ids(): IterableIterator<number> {
    return this.#byId.keys();
  }
  /** Live tags ordered by path. */
  list(): Tag[] {
    return [...this.#byId.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  children(id: number): readonly number[] {
    return this.#children.get(id) ?? [];
  }
  roots(): Tag[] {
    return this.list().filter((t) => t.parentId === null);
  }

  /** The tag and its ancestors, up to the root (ids; a parent this tree lacks ends the walk). */
  selfAndAncestors(id: number): number[] {
    const out: number[] = [];
    let t = this.#byId.get(id);
    while (t && out.length <= 64) {
      out.push(t.id);
      t = t.parentId === null ? undefined : this.#byId.get(t.parentId);
    }
    return out;
  }

  /** The tag and every descendant (ids). */
  subtree(id: number): number[] {
    const out: number[] = [];
    const stack = [id];
    while (stack.length) {
      const t = stack.pop()!;
      if (!this.#byId.has(t)) continue;
      out.push(t);
      stack.push(...this.children(t));
    }
    return out;
  }
}
