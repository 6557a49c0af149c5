import type { TagKind, TagNode } from '@storefleet/shared';

export type { TagKind };

/** A tag as the hub's API shows it. */
export interface Tag extends TagNode {
  readonly deleted: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
}

export interface TagInput {
  readonly slug: string;
  readonly name: string;
  readonly kind: TagKind;
  /** The parent's id, or null for a root. */
  readonly parentId: number | null;
}

/** A rename (new slug and/or name) or a move (new parent; null: to the root). Fields left out stay. */
export interface TagPatch {
  readonly slug?: string;
  readonly name?: string;
  readonly kind?: TagKind;
  readonly parentId?: number | null;
}

/** A product's row in the truth table. */
export interface ProductTags {
  readonly productNo: number;
  readonly sku: string;
  /** The tags given to it (sorted); their ancestors are implied in search, not listed. */
  readonly tagIds: readonly number[];
  readonly version: number;
  readonly updatedAt: number;
}

/** How a write changes a product's tags. */
export type TagChange =
  | { readonly action: 'ADD'; readonly tagIds: readonly number[] }
  | { readonly action: 'REMOVE'; readonly tagIds: readonly number[] }
  | { readonly action: 'REPLACE'; readonly tagIds: readonly number[] };

/** What one write of product tags did: the version it took and each product's tags as they are now. */
export interface TagWriteResult {
  /** The version the write took; 0 when nothing changed (no version was taken). */
  readonly version: number;
  /** Products whose tags changed, with their tags now. */
  readonly changed: readonly ProductTags[];
  /** Per tag id: products that gained it and products that lost it (for the daily counts). */
  readonly added: ReadonlyMap<number, number>;
  readonly removed: ReadonlyMap<number, number>;
}

/** A page of search results. */
export interface TagSearchPage {
  /** The query as the hub read it (canonical text), so a person sees how it was understood. */
  readonly query: string;
  /** Products matching in all. */
  readonly total: number;
  readonly items: readonly { readonly sku: string; readonly name: string | null }[];
  /** Give it back as `after` for the next page; null on the last. */
  readonly next: string | null;
  /** Per facet tag (children of `facetPath`, or roots): products among the results carrying it or a descendant. */
  readonly facets: readonly {
    readonly tagId: number;
    readonly slug: string;
    readonly name: string;
    readonly path: string;
    readonly count: number;
  }[];
  /** The index version that answered (the Postgres version it had caught up to). */
  readonly indexVersion: number;
}

/** The in-memory index's state, for the console and health checks. */
export interface TagIndexStatus {
  readonly state: 'EMPTY' | 'REBUILDING' | 'READY' | 'FAILED';
  /**
   * A rebuild runs: the first (state REBUILDING) or one beside a READY index that searches answer from until the
   * new one is swapped in (state stays READY).
   */
  readonly rebuilding: boolean;
  /** A running rebuild's products read, and the count expected (null until counted, and when none runs). */
  readonly rebuilt: { readonly done: number; readonly total: number } | null;
  /** Which hub process answered (host-pid): each replica holds its own index. */
  readonly replica: string;
  /** The Postgres version the index reflects. */
  readonly version: number;
  readonly products: number;
  readonly tags: number;
  /** Serialised size of every bitmap, in bytes (roaring's own measure). */
  readonly memoryBytes: number;
  readonly lastRebuildMs: number | null;
  readonly lastError: string | null;
}
