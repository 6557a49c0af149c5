import type { StoreTag, StoreTagsRepository } from './tags-repository.js';
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
 * The store's tag sets, built once per (tags, catalog) change and kept in memory: every request is then set
 * arithmetic over small sorted arrays, whatever the catalog's size. Which changes happened is read from `tags_epoch`
 * (bumped by triggers on the tables, whoever writes them), so a tags pull, a catalog pull or a cold start all
 * invalidate it without telling it.
 */
export class StoreTagSets {
  #catalog: CatalogOrder | undefined;
  #snapshot: TagSnapshot | undefined;

  constructor(readonly repo: StoreTagsRepository) {}

  current(): TagSnapshot {
    const epoch = this.repo.epoch();
    if (this.#catalog?.epoch !== epoch.catalog) {
      this.#catalog = this.#readCatalog(epoch.catalog);
      this.#snapshot = undefined;
    }
    if (this.#snapshot?.epoch !== epoch.tags) this.#snapshot = this.#readTags(epoch.tags, this.#catalog);
    return this.#snapshot;
  }

  #readCatalog(epoch: number): CatalogOrder {
    const rows = this.repo.catalogNames();
    const skus = rows.map((r) => r[0]);
    const names = rows.map((r) => r[1]);
    const order = range(rows.length).sort(byNameThenSku(names, skus));
    const sortedSkus = Array.from(order, (i) => skus[i]!);
    const sortedNames = Array.from(order, (i) => names[i]!);
    return {
      epoch,
      skus: sortedSkus,
      names: sortedNames,
      numberOf: new Map(sortedSkus.map((sku, i) => [sku, i])),
      all: range(rows.length),
    };
  }

  #readTags(epoch: number, catalog: CatalogOrder): TagSnapshot {
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
    for (const [sku, tagId] of this.repo.productTagPairs()) {
      if (sku !== lastSku) {
        lastSku = sku;
        product = catalog.numberOf.get(sku);
      }
      if (product === undefined) continue; // tagged at the hub, not in this store's catalog
      for (const a of above.get(tagId) ?? []) push(a, product);
    }
    const under = new Map<number, ProductSet>();
    for (const t of tags) {
      const g = grow.get(t.id);
      under.set(t.id, g ? sortedUnique(g.values.subarray(0, g.n)) : EMPTY);
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
