import {
  evaluateTagQuery,
  formatTagQueryError,
  locateTerms,
  normaliseTagQuery,
  parseTagQuery,
  type TagQuery,
  type TagQueryError,
  tagQueryToText,
  UnprocessableError,
} from '@storefleet/shared';
import { and, andCount, type ProductSet, ProductSetAlgebra } from './sorted-sets.js';
import { StoreTagSets, type TagSnapshot } from './tag-sets.js';
import type { StoreTag, StoreTagsRepository } from './tags-repository.js';
import type { TagsSyncStatus } from './tags-puller.js';

/** A product in a filter's answer: what the kiosk and the handheld show. */
export interface TagFilterItem {
  readonly sku: string;
  readonly name: string;
  readonly brand: string | null;
  readonly priceMinor: number;
  readonly currency: string;
  /** This store's stock, null when the store has no stock row for it. */
  readonly onHand: number | null;
}

export interface TagFilterPage {
  /** The query as the store read it (canonical text, the chosen tags ANDed as `path:` terms), '' for none. */
  readonly query: string;
  readonly total: number;
  readonly items: readonly TagFilterItem[];
  /** Give it back as `after` for the next page; null on the last. */
  readonly next: string | null;
  /** Children of the deepest chosen tag (else the roots), with the matching products carrying each (or a descendant). */
  readonly facets: readonly { tagId: number; name: string; path: string; count: number }[];
}

export interface TagFilterRequest {
  readonly q?: string;
  /** Tag ids that must all hold (ancestors implied: a product tagged with a child holds its parent). */
  readonly tagIds: readonly number[];
  readonly after?: string;
  readonly limit: number;
}

const cursorOf = (name: string, sku: string) => Buffer.from(JSON.stringify([name, sku])).toString('base64url');
function readCursor(after: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // refused below
  }
  throw new UnprocessableError('after is not a cursor this store gave: start again without it', { field: 'after' });
}

/**
 * A query's mistake as the pages say it: the message, where ("— at character 16.", 1-based, as a person counts;
 * the problem's `position` stays the 0-based index the hub and the parser give) and the query's line with carets under
 * it (also alone as `caret`). The handheld shows the detail's first line as it is.
 */
export function queryProblem(text: string, error: TagQueryError): UnprocessableError {
  const caret = formatTagQueryError(text, error).split('\n').slice(1).join('\n');
  return new UnprocessableError(`${error.message} — at character ${error.position + 1}.\n${caret}`, {
    position: error.position,
    length: error.length,
    caret,
  });
}

/**
 * Filtering the store's products by tag, offline: the hub's query language (`parseTagQuery`, `evaluateTagQuery`) over
 * the store's copy of the tags, restricted to the products of its own catalog copy. The sets come from memory
 * (`StoreTagSets`, rebuilt only when the tags or the catalog changed), so a request costs set arithmetic and one
 * page of products read, not a pass over the catalog.
 */
export class TagFilter {
  readonly sets: StoreTagSets;

  constructor(
    readonly repo: StoreTagsRepository,
    readonly syncStatus: () => TagsSyncStatus,
  ) {
    this.sets = new StoreTagSets(repo);
  }

  /** Every live tag with the products of this store's catalog carrying it or a descendant, and where the copy stands. */
  async list() {
    const s = await this.sets.current();
    const sync = this.syncStatus();
    return {
      tags: s.tags.map((t) => ({ ...t, products: s.under.get(t.id)?.length ?? 0 })),
      version: sync.version,
      sync,
      /** False while the sets are rebuilt after a change: the counts are one change behind until then. */
      current: this.sets.isCurrent(s),
    };
  }

  /** One page of the products matching the query and every chosen tag; a query that does not parse is a 422. */
  async products(req: TagFilterRequest): Promise<TagFilterPage> {
    const s = await this.sets.current();
    let matched: ProductSet = s.catalog.all;
    const read: TagQuery[] = [];
    if (req.q !== undefined && req.q.trim() !== '') {
      const parsed = parseTagQuery(req.q);
      if (!parsed.ok) throw queryProblem(req.q, parsed.error);
      matched = evaluateTagQuery(parsed.ast, this.#algebra(s, req.q, parsed.ast));
      read.push(parsed.ast);
    }
    const chosen: StoreTag[] = [];
    for (const id of new Set(req.tagIds)) {
      const tag = s.byId.get(id);
      if (!tag) throw new UnprocessableError(`there is no tag ${id} at this store`, { field: 'tag', tagId: id });
      chosen.push(tag);
      matched = matched === s.catalog.all ? s.under.get(tag.id)! : and(matched, s.under.get(tag.id)!);
      read.push({ kind: 'path', path: tag.path.split('.') });
    }
    const queryText =
      read.length === 0
        ? ''
        : tagQueryToText(normaliseTagQuery(read.length === 1 ? read[0]! : { kind: 'and', of: read }));

    const from = req.after === undefined ? 0 : startAfter(s, matched, readCursor(req.after));
    const page = Array.from(matched.subarray(from, from + req.limit), (n) => s.catalog.skus[n]!);
    const last = matched[from + page.length - 1];
    const deepest = chosen.reduce<StoreTag | null>((d, t) => (d === null || t.depth > d.depth ? t : d), null);
    const facets = (s.children.get(deepest?.id ?? null) ?? []).map((t) => ({
      tagId: t.id,
      name: t.name,
      path: t.path,
      count: matched === s.catalog.all ? s.under.get(t.id)!.length : andCount(matched, s.under.get(t.id)!),
    }));
    return {
      query: queryText,
      total: matched.length,
      items: this.repo.products(page),
      next:
        last !== undefined && from + req.limit < matched.length
          ? cursorOf(s.catalog.names[last]!, s.catalog.skus[last]!)
          : null,
      facets,
    };
  }

  /** Sets for the query's terms; a tag or path this store does not hold is a 422 saying which and where. */
  #algebra(s: TagSnapshot, text: string, ast: TagQuery): ProductSetAlgebra {
    for (const { term, position, length } of locateTerms(text, ast)) {
      const known = term.kind === 'tag' ? s.bySlug.has(term.slug) : s.byPath.has(term.path.join('.'));
      if (known) continue;
      const what = term.kind === 'tag' ? `tag "${term.slug}"` : `tag at the path ${term.path.join('.')}`;
      throw queryProblem(text, {
        message: `there is no ${what} at this store`,
        position: Math.max(position, 0),
        length,
      });
    }
    return new ProductSetAlgebra(
      (term) => s.under.get((term.kind === 'tag' ? s.bySlug.get(term.slug) : s.byPath.get(term.path))!.id)!,
      s.catalog.all,
    );
  }
}

/** The index in `matched` of the first product after the cursor's (name, sku), by binary search. */
function startAfter(s: TagSnapshot, matched: ProductSet, [name, sku]: [string, string]): number {
  const { names, skus } = s.catalog;
  let lo = 0;
  let hi = matched.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const n = matched[mid]!;
    const before = names[n]! < name || (names[n] === name && skus[n]! <= sku);
    if (before) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
