import type { Candidate, RecsItem, SurfaceWeights } from './types.js';

/**
 * The hybrid list, pure: weighted sources combined into one score per product (`combine`), then the business rules
 * and the explanation sentence (`pick`). No I/O: serving.ts reads the sources, the catalog and the stock and hands
 * them in.
 *
 * Scores inside every source list are 0..1 (best = 1, as training writes them), so a weight says how much a source
 * counts against the others. A product's score is the sum of its contributions; its reason is its largest one.
 */

/** What the rules and the sentences need of a product (from the catalog). */
export interface ProductFacts {
  readonly sku: string;
  readonly name: string;
  readonly size: string | null;
  readonly category: string;
  readonly priceMinor: number;
  readonly currency: string;
}

/** A product of the browsing session: looked at or put in the basket, `ageMs` ago. */
export interface SessionAnchor {
  readonly sku: string;
  readonly kind: 'VIEW' | 'CART_ADD';
  readonly ageMs: number;
}

/** A product's precomputed neighbours (training's recs_product_neighbours rows). */
export interface AnchorNeighbours {
  readonly boughtWith: readonly Candidate[];
  readonly similar: readonly Candidate[];
}

export type PopularScope =
  | { readonly kind: 'store' }
  | { readonly kind: 'category'; readonly category: string }
  | { readonly kind: 'all' };

export interface PopularList {
  readonly scope: PopularScope;
  readonly items: readonly Candidate[];
}

/** Everything a list is made from. */
export interface HybridSources {
  /** The products the caller named (the product shown, the cart's lines). */
  readonly anchors: readonly string[];
  /** The session's recent views and cart adds, newest first. */
  readonly session: readonly SessionAnchor[];
  /** The customer's own candidates (iALS), empty for no customer. */
  readonly personal: readonly Candidate[];
  /** Neighbours of the anchors and of the session's products, by sku. */
  readonly neighbours: ReadonlyMap<string, AnchorNeighbours>;
  readonly popular: readonly PopularList[];
}

/** Why a product is on the list: the source that gave it most of its score. */
export type Because =
  | { readonly kind: 'bought-with'; readonly sku: string }
  | { readonly kind: 'similar'; readonly sku: string }
  | { readonly kind: 'looked-at'; readonly sku: string }
  | { readonly kind: 'personal'; readonly sku: string | null }
  | { readonly kind: 'popular'; readonly scope: PopularScope };

export interface Scored {
  readonly sku: string;
  readonly score: number;
  readonly because: Because;
}

/** A session product's pull halves every this many minutes: the newest view counts most. */
export const SESSION_HALF_LIFE_MS = 10 * 60_000;
/** A popular list's weight by scope: the chosen store's own customers first, then the anchors' aisle, then everyone. */
export const POPULAR_SCOPE_FACTOR = { store: 1, category: 0.8, all: 0.6 } as const;

/** Adds up the weighted sources per product, best first (ties by sku, so equal inputs give equal lists). */
export function combine(sources: HybridSources, w: SurfaceWeights): Scored[] {
  const totals = new Map<string, { score: number; best: number; because: Because }>();
  const add = (sku: string, amount: number, because: Because) => {
    if (!(amount > 0)) return;
    const t = totals.get(sku);
    if (!t) totals.set(sku, { score: amount, best: amount, because });
    else {
      t.score += amount;
      if (amount > t.best) {
        t.best = amount;
        t.because = because;
      }
    }
  };

  if (w.personal > 0)
    for (const c of sources.personal) add(c.sku, w.personal * c.score, { kind: 'personal', sku: c.why });

  for (const anchor of new Set(sources.anchors)) {
    const nb = sources.neighbours.get(anchor);
    if (!nb) continue;
    if (w.boughtWith > 0)
      for (const c of nb.boughtWith) add(c.sku, w.boughtWith * c.score, { kind: 'bought-with', sku: anchor });
    if (w.similar > 0) for (const c of nb.similar) add(c.sku, w.similar * c.score, { kind: 'similar', sku: anchor });
  }

  // The session pulls up what goes with (or looks like) what it just saw, newest most; a product counts once per
  // session product (its better neighbour score), so "bought with" and "similar" lists do not double it.
  if (w.session > 0) {
    const seen = new Set<string>();
    for (const s of sources.session) {
      if (seen.has(s.sku)) continue;
      seen.add(s.sku);
      const nb = sources.neighbours.get(s.sku);
      if (!nb) continue;
      const pull = w.session * 0.5 ** (Math.max(0, s.ageMs) / SESSION_HALF_LIFE_MS);
      const best = new Map<string, number>();
      for (const c of [...nb.boughtWith, ...nb.similar]) best.set(c.sku, Math.max(best.get(c.sku) ?? 0, c.score));
      const because: Because =
        s.kind === 'VIEW' ? { kind: 'looked-at', sku: s.sku } : { kind: 'bought-with', sku: s.sku };
      for (const [sku, score] of best) add(sku, pull * score, because);
    }
  }

  // Popularity counts once per product: its best scope.
  if (w.popular > 0) {
    const best = new Map<string, { amount: number; scope: PopularScope }>();
    for (const list of sources.popular) {
      const factor = POPULAR_SCOPE_FACTOR[list.scope.kind];
      for (const c of list.items) {
        const amount = w.popular * factor * c.score;
        if (amount > (best.get(c.sku)?.amount ?? 0)) best.set(c.sku, { amount, scope: list.scope });
      }
    }
    for (const [sku, b] of best) add(sku, b.amount, { kind: 'popular', scope: b.scope });
  }

  return [...totals]
    .map(([sku, t]) => ({ sku, score: t.score, because: t.because }))
    .sort((a, b) => b.score - a.score || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** What the rules need besides the scored products. */
export interface PickContext {
  /** Catalog facts of the scored products and of the products reasons name; a product not here is not served. */
  readonly products: ReadonlyMap<string, ProductFacts>;
  /** Never served: the anchors, the session's products, what the customer bought. */
  readonly excluded: ReadonlySet<string>;
  /** What the customer bought (for "Because you bought X" against "Because you looked at X"). */
  readonly bought: ReadonlySet<string>;
  /** Stock at the chosen store (served only when above 0); null when no store was chosen. */
  readonly stock: ReadonlyMap<string, number> | null;
  readonly limit: number;
}

/** At most this share of a list from one category while other categories have something to offer. */
export function categoryCap(limit: number): number {
  return Math.ceil(limit / 3);
}

/**
 * The list served: best first, without the excluded products, without those the catalog does not hold or the store
 * has none of, at most ⌈limit/3⌉ from one category — unless no other category has anything left, when the best of
 * the rest fill the list.
 */
export function pick(scored: readonly Scored[], ctx: PickContext): RecsItem[] {
  const { chosen, held } = firstPass(scored, ctx);
  // Every other category ran out: the best of those held back fill the list, in score order.
  for (const s of held) {
    if (chosen.length >= ctx.limit) break;
    chosen.push(s);
  }
  chosen.sort((a, b) => b.score - a.score || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return chosen.map((s) => {
    const p = ctx.products.get(s.sku)!;
    return {
      sku: s.sku,
      name: p.name,
      category: p.category,
      priceMinor: p.priceMinor,
      currency: p.currency,
      score: Math.round(s.score * 10_000) / 10_000,
      reason: reasonFor(s.because, ctx.products, ctx.bought),
    };
  });
}

/**
 * Whether `pick` fills its list from `scored` without running out of products: then a longer list that starts with
 * these products gets the same answer, and serving need not look up the catalog facts and stock of the rest.
 */
export function fillsFrom(scored: readonly Scored[], ctx: PickContext): boolean {
  return firstPass(scored, ctx).chosen.length >= ctx.limit;
}

/** The products chosen best first under the category cap, stopping at `limit`; those the cap held back meanwhile. */
function firstPass(scored: readonly Scored[], ctx: PickContext): { chosen: Scored[]; held: Scored[] } {
  const cap = categoryCap(ctx.limit);
  const chosen: Scored[] = [];
  const held: Scored[] = [];
  const perCategory = new Map<string, number>();
  for (const s of scored) {
    if (chosen.length >= ctx.limit) break;
    if (ctx.excluded.has(s.sku)) continue;
    const facts = ctx.products.get(s.sku);
    if (!facts) continue;
    if (ctx.stock !== null && !((ctx.stock.get(s.sku) ?? 0) > 0)) continue;
    const n = perCategory.get(facts.category) ?? 0;
    if (n >= cap) held.push(s);
    else {
      perCategory.set(facts.category, n + 1);
      chosen.push(s);
    }
  }
  return { chosen, held };
}

/** How a product is named in a sentence: its name with its size when the name does not already end with it. */
export function productLabel(p: ProductFacts): string {
  const name = p.name.length > 120 ? `${p.name.slice(0, 119)}…` : p.name;
  return p.size && !name.endsWith(p.size) ? `${name} ${p.size}` : name;
}

/** The sentence a customer reads under a recommended product. */
export function reasonFor(
  because: Because,
  products: ReadonlyMap<string, ProductFacts>,
  bought: ReadonlySet<string>,
): string {
  const named = (sku: string | null) => (sku === null ? undefined : products.get(sku));
  switch (because.kind) {
    case 'bought-with': {
      const p = named(because.sku);
      return p ? `Customers who bought ${productLabel(p)} also bought this` : 'Often bought by the same customers';
    }
    case 'similar': {
      const p = named(because.sku);
      return p ? `Similar to ${productLabel(p)}` : 'Similar to what you are looking at';
    }
    case 'looked-at': {
      const p = named(because.sku);
      return p ? `Because you looked at ${productLabel(p)}` : 'Picked for you';
    }
    case 'personal': {
      const p = named(because.sku);
      if (!p) return 'Picked for you';
      return bought.has(p.sku) ? `Because you bought ${productLabel(p)}` : `Because you looked at ${productLabel(p)}`;
    }
    case 'popular':
      if (because.scope.kind === 'store') return 'Popular at this store';
      if (because.scope.kind === 'category') return `Popular in ${because.scope.category.slice(0, 64)}`;
      return 'Popular right now';
  }
}
