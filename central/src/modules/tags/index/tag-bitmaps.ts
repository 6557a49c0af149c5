import roaring from 'roaring';
import type { Tag } from '../types.js';
import type { MatchSource } from './tag-match.js';
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

  /**
   * Adds a scanned range (a rebuild): `tagId` null carries every product number in the range, else the products
   * given that tag. Any order of ranges and numbers; call `finishScan` after the last.
   */
  addScanned(tagId: number | null, productNos: Uint32Array): void {
    if (tagId === null) {
      if (this.#all === EMPTY) this.#all = new RoaringBitmap32();
      this.#all.addMany(productNos);
      return;
    }
    const b = this.#own.get(tagId);
    if (b) b.addMany(productNos);
    else this.#own.set(tagId, new RoaringBitmap32(productNos));
  }

  /** Compacts and freezes the scanned bitmaps and derives every closure, each from its children's (bottom up). */
  finishScan(): void {
    for (const b of this.#own.values()) compact(b);
    if (this.#all !== EMPTY) compact(this.#all);
    const order: number[] = [];
    const stack = this.tree.roots().map((t) => t.id);
    while (stack.length) {
      const id = stack.pop()!;
      order.push(id);
      stack.push(...this.tree.children(id));
    }
    // children before parents: closure(t) = own(t) ∪ closure(c) for each child c
    for (let i = order.length - 1; i >= 0; i--) {
      const id = order[i]!;
      const parts = [this.own(id), ...this.tree.children(id).map((c) => this.closure(c))].filter((b) => !b.isEmpty);
      this.#closure.set(
        id,
        parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : compact(RoaringBitmap32.orMany(parts)),
      );
    }
    // a tag whose parent the tree lacks is not under a root: its closure from its subtree
    this.#recomputeClosures([...this.tree.ids()].filter((id) => !this.#closure.has(id)));
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

  /** Where a query's terms are read (matchTagQuery): tag/path → closure bitmaps; unknown ones match nothing. */
  source(): MatchSource {
    return {
      term: (q) => {
        const t = q.kind === 'tag' ? this.tree.bySlug(q.slug) : this.tree.byPath(q.path.join('.'));
        return t ? this.closure(t.id) : EMPTY;
      },
      all: () => this.#all,
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

/** Run containers where they are smaller (a range of product numbers), spare capacity released, frozen. */
function compact(b: RoaringBitmap32): RoaringBitmap32 {
  b.runOptimize();
  b.shrinkToFit();
  return b.freeze();
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
