import type { StoreTag, StoreTagsRepository } from './tags-repository.js';
import { STEP, sortInSteps, yieldToLoop } from './chunked.js';
import { EMPTY, type ProductSet, range, sortedUnique } from './sorted-sets.js';

/** The catalog in the filter's order (by name, then sku): a product's number is its place here. */
export interface CatalogOrder {
  readonly epoch: number;
  readonly skus: readonly string[];
  readonly names: readonly string[];
  readonly numberOf: ReadonlyMap<string, number>;
  readonly all: ProductSet;
}

/** The live tags and, per tag, the catalog's products tagged with it or a tag below it. */
export interface TagSnapshot {
  readonly epoch: number;
  readonly catalog: CatalogOrder;
  readonly tags: readonly StoreTag[];
  readonly byId: ReadonlyMap<number, StoreTag>;
  readonly bySlug: ReadonlyMap<string, StoreTag>;
  readonly byPath: ReadonlyMap<string, StoreTag>;
  /** Live children of a tag (null: the roots), by name then id. */
  readonly children: ReadonlyMap<number | null, readonly StoreTag[]>;
  readonly under: ReadonlyMap<number, ProductSet>;
}

const byNameThenSku = (names: readonly string[], skus: readonly string[]) => (a: number, b: number) =>
  names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : skus[a]! < skus[b]! ? -1 : skus[a]! > skus[b]! ? 1 : 0;

/**
 * The store's tag sets, built per (tags, catalog) change and kept in memory: every request is then set arithmetic
 * over small sorted arrays, whatever the catalog's size. Which changes happened is read from `tags_epoch` (bumped by
 * triggers on the tables, whoever writes them; a price or stock change does not bump it), so a tags pull, a catalog
 * pull or a cold start all invalidate it without telling it.
 *
 * A rebuild never blocks the store's event loop (issue #20 review: 11 s at 200,000 products on a loaded machine,
 * with the POS lanes in the same process): it reads and sorts a few thousand rows per step, yielding between steps,
 * while requests are answered from the previous sets — an answer may be one change behind until it finishes. Only
 * the first build is waited for. Changes during a rebuild are taken up by one more rebuild after it (not one each).
 */
export class StoreTagSets {
  #catalog: CatalogOrder | undefined;
  #snapshot: TagSnapshot | undefined;
  #building: Promise<TagSnapshot> | undefined;
  /** Rebuilds run so far (for tests and the bench). */
  builds = 0;

  constructor(readonly repo: StoreTagsRepository) {}

  /** The newest sets built: at once when some are held (a rebuild starts behind it if they are out of date). */
  async current(): Promise<TagSnapshot> {
    const epoch = this.repo.epoch();
    const held = this.#snapshot;
    if (held && held.epoch === epoch.tags && held.catalog.epoch === epoch.catalog) return held;
    if (!held) return this.rebuild();
    // a failed rebuild (the store closing under it) is tried again by the next request
    this.rebuild().catch(() => {});
    return held;
  }

  /** Whether `s` holds every change made so far (false while a rebuild behind it runs). */
  isCurrent(s: TagSnapshot): boolean {
    const epoch = this.repo.epoch();
    return s.epoch === epoch.tags && s.catalog.epoch === epoch.catalog;
  }

  /** The sets as of now, waiting for a rebuild when out of date (tests, and a caller that must see its own change). */
  async settled(): Promise<TagSnapshot> {
    const epoch = this.repo.epoch();
    const held = this.#snapshot;
    if (held && held.epoch === epoch.tags && held.catalog.epoch === epoch.catalog) return held;
    return this.rebuild();
  }

  /** Starts a rebuild unless one runs (then the running one, which looks again when it ends). */
  rebuild(): Promise<TagSnapshot> {
    this.#building ??= this.#build().finally(() => {
      this.#building = undefined;
    });
    return this.#building;
  }

  async #build(): Promise<TagSnapshot> {
    for (;;) {
      const epoch = this.repo.epoch();
      this.builds++;
      if (this.#catalog?.epoch !== epoch.catalog) this.#catalog = await this.#readCatalog(epoch.catalog);
      this.#snapshot = await this.#readTags(epoch.tags, this.#catalog);
      const now = this.repo.epoch();
      if (now.tags === epoch.tags && now.catalog === epoch.catalog) return this.#snapshot;
    }
  }

  async #readCatalog(epoch: number): Promise<CatalogOrder> {
    const skus: string[] = [];
    const names: string[] = [];
    for (let after = ''; ; ) {
      const rows = this.repo.catalogPage(after, STEP);
      for (const [sku, name] of rows) {
        skus.push(sku);
        names.push(name);
      }
      if (rows.length < STEP) break;
      after = rows[rows.length - 1]![0];
      await yieldToLoop();
    }
    const order = await sortInSteps(Int32Array.from(range(skus.length)), byNameThenSku(names, skus));
    const sortedSkus = new Array<string>(order.length);
    const sortedNames = new Array<string>(order.length);
    const numberOf = new Map<string, number>();
    for (let i = 0; i < order.length; i++) {
      sortedSkus[i] = skus[order[i]!]!;
      sortedNames[i] = names[order[i]!]!;
      numberOf.set(sortedSkus[i]!, i);
      if (i % STEP === STEP - 1) await yieldToLoop();
    }
    return { epoch, skus: sortedSkus, names: sortedNames, numberOf, all: range(skus.length) };
  }

  async #readTags(epoch: number, catalog: CatalogOrder): Promise<TagSnapshot> {
    const tags = this.repo.tags();
    const byId = new Map(tags.map((t) => [t.id, t]));
    const children = new Map<number | null, StoreTag[]>();
    for (const t of tags) {
      const list = children.get(t.parentId) ?? [];
      list.push(t);
      children.set(t.parentId, list);
    }
    for (const list of children.values())
      list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));

    // Each product tag counts for its tag and every live tag above it (tag_ancestors).
    const above = new Map<number, number[]>();
    for (const [tagId, ancestorId] of this.repo.ancestorPairs()) {
      const list = above.get(tagId) ?? [];
      list.push(ancestorId);
      above.set(tagId, list);
    }
    const grow = new Map<number, { values: Int32Array; n: number }>();
    const push = (tagId: number, product: number) => {
      let g = grow.get(tagId);
      if (!g) {
        g = { values: new Int32Array(64), n: 0 };
        grow.set(tagId, g);
      }
      if (g.n === g.values.length) {
        const bigger = new Int32Array(g.values.length * 2);
        bigger.set(g.values);
        g.values = bigger;
      }
      g.values[g.n++] = product;
    };
    let lastSku: string | undefined;
    let product: number | undefined;
    for (let after: [string, number] = ['', 0]; ; ) {
      const rows = this.repo.productTagPage(after[0], after[1], STEP);
      for (const [sku, tagId] of rows) {
        if (sku !== lastSku) {
          lastSku = sku;
          product = catalog.numberOf.get(sku);
        }
        if (product === undefined) continue; // tagged at the hub, not in this store's catalog
        for (const a of above.get(tagId) ?? []) push(a, product);
      }
      if (rows.length < STEP) break;
      after = rows[rows.length - 1]!;
      await yieldToLoop();
    }
    const under = new Map<number, ProductSet>();
    for (const t of tags) {
      const g = grow.get(t.id);
      under.set(t.id, g ? sortedUnique(g.values.subarray(0, g.n)) : EMPTY);
      await yieldToLoop();
    }
    return {
      epoch,
      catalog,
      tags,
      byId,
      bySlug: new Map([...tags].reverse().map((t) => [t.slug, t])),
      byPath: new Map(tags.map((t) => [t.path, t])),
      children,
      under,
    };
  }
}
