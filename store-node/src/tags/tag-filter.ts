import {
  evaluateTagQuery,
  formatTagQueryError,
  normaliseTagQuery,
  parseTagQuery,
  type TagQuery,
  tagQueryToText,
  type TagSetAlgebra,
  UnprocessableError,
} from '@storefleet/shared';
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

/**
 * Sets of skus over the store's copy, for `evaluateTagQuery`: a term is the products of this store's catalog tagged
 * with the tag or any tag below it (ancestors implied, as at the hub); `all` is the store's catalog. Sets are read
 * once per term and request.
 */
class StoreSkuAlgebra implements TagSetAlgebra<ReadonlySet<string>> {
  readonly #under = new Map<string, Set<string>>();
  #all: Set<string> | undefined;

  constructor(readonly repo: StoreTagsRepository) {}

  under(path: string): ReadonlySet<string> {
    const held = this.#under.get(path);
    if (held) return held;
    const read = this.repo.skusUnder(path);
    this.#under.set(path, read);
    return read;
  }
  tag(slug: string): ReadonlySet<string> {
    const path = this.repo.pathOfSlug(slug);
    return path === undefined ? new Set() : this.under(path);
  }
  path(path: readonly string[]): ReadonlySet<string> {
    return this.under(path.join('.'));
  }
  all(): ReadonlySet<string> {
    this.#all ??= this.repo.allSkus();
    return this.#all;
  }
  and(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
    const [small, big] = a.size <= b.size ? [a, b] : [b, a];
    return new Set([...small].filter((x) => big.has(x)));
  }
  or(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
    return new Set([...a, ...b]);
  }
  andNot(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
    return new Set([...a].filter((x) => !b.has(x)));
  }
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
const byNameThenSku = (a: [string, string], b: [string, string]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/**
 * Filtering the store's products by tag, offline: the hub's query language (`parseTagQuery`, `evaluateTagQuery`) over
 * the store's copy of the tags, restricted to the products of its own catalog copy.
 */
export class TagFilter {
  constructor(
    readonly repo: StoreTagsRepository,
    readonly syncStatus: () => TagsSyncStatus,
  ) {}

  /** Every live tag with the products of this store's catalog carrying it or a descendant, and where the copy stands. */
  list() {
    const counts = this.repo.productCounts();
    const sync = this.syncStatus();
    return {
      tags: this.repo.tags().map((t) => ({ ...t, products: counts.get(t.id) ?? 0 })),
      version: sync.version,
      sync,
    };
  }

  /** One page of the products matching the query and every chosen tag; a query that does not parse is a 422. */
  products(req: TagFilterRequest): TagFilterPage {
    const sets = new StoreSkuAlgebra(this.repo);
    let matched: ReadonlySet<string> = sets.all();
    const read: TagQuery[] = [];
    if (req.q !== undefined && req.q.trim() !== '') {
      const parsed = parseTagQuery(req.q);
      if (!parsed.ok)
        throw new UnprocessableError(formatTagQueryError(req.q, parsed.error), {
          position: parsed.error.position,
          length: parsed.error.length,
        });
      matched = evaluateTagQuery(parsed.ast, sets);
      read.push(parsed.ast);
    }
    const chosen: StoreTag[] = [];
    for (const id of new Set(req.tagIds)) {
      const tag = this.repo.tag(id);
      if (!tag) throw new UnprocessableError(`there is no tag ${id} at this store`, { field: 'tag', tagId: id });
      chosen.push(tag);
      matched = sets.and(matched, sets.under(tag.path));
      read.push({ kind: 'path', path: tag.path.split('.') });
    }
    const queryText =
      read.length === 0
        ? ''
        : tagQueryToText(normaliseTagQuery(read.length === 1 ? read[0]! : { kind: 'and', of: read }));

    const names = this.repo.names();
    const ordered = [...matched].map((sku): [string, string] => [names.get(sku) ?? sku, sku]).sort(byNameThenSku);
    const from = req.after === undefined ? 0 : this.#startAfter(ordered, readCursor(req.after));
    const page = ordered.slice(from, from + req.limit);
    const last = page.at(-1);
    const deepest = chosen.reduce<StoreTag | null>((d, t) => (d === null || t.depth > d.depth ? t : d), null);
    const facets = this.repo.children(deepest?.id ?? null).map((t) => ({
      tagId: t.id,
      name: t.name,
      path: t.path,
      count: sets.and(matched, sets.under(t.path)).size,
    }));
    return {
      query: queryText,
      total: ordered.length,
      items: this.repo.products(page.map(([, sku]) => sku)),
      next: last && from + req.limit < ordered.length ? cursorOf(last[0], last[1]) : null,
      facets,
    };
  }

  /** The index of the first entry after `cursor` (binary search over the sorted list). */
  #startAfter(ordered: readonly [string, string][], cursor: [string, string]): number {
    let lo = 0;
    let hi = ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byNameThenSku(ordered[mid]!, cursor) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
