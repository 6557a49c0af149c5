import roaring from 'roaring';
import type { TagSetAlgebra } from '@storefleet/shared';
import type { Tag } from '../types.js';
import { TagTree } from './tag-tree.js';

// roaring is CommonJS: Node's own loader (tsx, the hub's process) gives it only a default export, a named import of
// RoaringBitmap32 fails there (it passes under vitest)
const { RoaringBitmap32 } = roaring;
type RoaringBitmap32 = InstanceType<typeof RoaringBitmap32>;

const EMPTY = new RoaringBitmap32().freeze();

/**
 * One generation of the index: the tree, each tag's own bitmap (products given the tag) and closure bitmap (given
 * the tag or a descendant), every numbered product, and the version they reflect.
 *
 * Invariants: closure(t) = ⋃ own(s) for s in subtree(t), for every live tag t; a bitmap stored here is frozen and
 * never mutated (a change stores a new one), so a reader may keep one while changes are applied.
 */
export class TagBitmaps {
  tree: TagTree;
  version: number;
  readonly #own = new Map<number, RoaringBitmap32>();
  readonly #closure = new Map<number, RoaringBitmap32>();
  #all: RoaringBitmap32 = EMPTY;

  constructor(tags: readonly Tag[], version: number) {
    this.tree = new TagTree(tags);
    this.version = version;
  }

  /** Adds a scanned page's own bitmaps (a rebuild); call `finishScan` after the last. */
  addScanned(own: ReadonlyMap<number, number[]>, numbers: readonly number[]): void {
    for (const [tagId, nos] of own) {
      const b = this.#own.get(tagId);
      if (b) b.addMany(nos);
      else this.#own.set(tagId, new RoaringBitmap32(nos));
    }
    if (this.#all === EMPTY) this.#all = new RoaringBitmap32();
    this.#all.addMany(numbers);
  }

  /** Freezes the scanned bitmaps and derives every closure. */
  finishScan(): void {
    for (const b of this.#own.values()) b.freeze();
    this.#all.freeze();
    this.#recomputeClosures(this.tree.ids());
  }

  own(tagId: number): RoaringBitmap32 {
    return this.#own.get(tagId) ?? EMPTY;
  }
  closure(tagId: number): RoaringBitmap32 {
    return this.#closure.get(tagId) ?? EMPTY;
  }
  all(): RoaringBitmap32 {
    return this.#all;
  }

  /** Tag rows changed (created, renamed, moved, deleted): a new tree; the closures of old and new ancestors redone. */
  applyTags(rows: readonly Tag[]): void {
    if (rows.length === 0) return;
    const touched = new Set<number>();
    for (const r of rows) for (const a of this.tree.selfAndAncestors(r.id)) touched.add(a);
    this.tree = this.tree.withChanges(rows);
    for (const r of rows) for (const a of this.tree.selfAndAncestors(r.id)) touched.add(a);
    for (const r of rows) {
      if (!r.deleted) continue;
      this.#closure.delete(r.id);
      touched.delete(r.id);
    }
    this.#recomputeClosures(touched);
  }

  /**
   * A page of changed product rows: each own bitmap becomes (own − P) ∪ {p in P now carrying it}; each closure
   * (closure − P) ∪ {p in P now carrying a tag of its subtree}. Only tags that held or now hold one of P are touched.
   */
  applyProducts(rows: readonly { productNo: number; tagIds: readonly number[] }[]): void {
    if (rows.length === 0) return;
    const page = new RoaringBitmap32(rows.map((r) => r.productNo));
    const ownNow = new Map<number, number[]>();
    const closureNow = new Map<number, number[]>();
    for (const r of rows) {
      const seen = new Set<number>();
      for (const t of r.tagIds) {
        push(ownNow, t, r.productNo);
        for (const a of this.tree.selfAndAncestors(t)) {
          if (seen.has(a)) continue;
          seen.add(a);
          push(closureNow, a, r.productNo);
        }
      }
    }
    this.#own.forEach((b, t) => {
      if (!ownNow.has(t) && b.intersects(page)) ownNow.set(t, []);
    });
    this.#closure.forEach((b, t) => {
      if (!closureNow.has(t) && b.intersects(page)) closureNow.set(t, []);
    });
    replaceIn(this.#own, ownNow, page);
    replaceIn(this.#closure, closureNow, page);
    if (!page.isSubset(this.#all)) this.#all = RoaringBitmap32.or(this.#all, page).freeze();
  }

  /** The set algebra a query is evaluated over: tag/path → closure bitmaps; unknown ones match nothing. */
  algebra(): TagSetAlgebra<RoaringBitmap32> {
    return {
      tag: (slug) => {
        const t = this.tree.bySlug(slug);
        return t ? this.closure(t.id) : EMPTY;
      },
      path: (path) => {
        const t = this.tree.byPath(path.join('.'));
        return t ? this.closure(t.id) : EMPTY;
      },
      all: () => this.#all,
      and: (a, b) => RoaringBitmap32.and(a, b),
      or: (a, b) => RoaringBitmap32.or(a, b),
      andNot: (a, b) => RoaringBitmap32.andNot(a, b),
    };
  }

  /** Bytes of every bitmap, serialised (roaring's measure). */
  memoryBytes(): number {
    let n = this.#all.getSerializationSizeInBytes('portable');
    for (const b of this.#own.values()) n += b.getSerializationSizeInBytes('portable');
    for (const b of this.#closure.values()) n += b.getSerializationSizeInBytes('portable');
    return n;
  }

  #recomputeClosures(ids: Iterable<number>): void {
    for (const id of ids) {
      if (!this.tree.get(id)) {
        this.#closure.delete(id);
        continue;
      }
      const parts = this.tree.subtree(id).flatMap((s) => (this.#own.has(s) ? [this.#own.get(s)!] : []));
      this.#closure.set(id, (parts.length === 1 ? parts[0]! : RoaringBitmap32.orMany(parts)).freeze());
    }
  }
}

function push(m: Map<number, number[]>, k: number, v: number): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

function replaceIn(
  target: Map<number, RoaringBitmap32>,
  now: ReadonlyMap<number, number[]>,
  page: RoaringBitmap32,
): void {
  for (const [t, nos] of now) {
    const next = RoaringBitmap32.andNot(target.get(t) ?? EMPTY, page);
    if (nos.length) next.addMany(nos);
    target.set(t, next.freeze());
  }
}
