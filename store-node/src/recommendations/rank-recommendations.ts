import type { PairRow, RecsProduct, TopRow } from './store-recs-repository.js';

/** A product recommended at the kiosk, with its sentence ("Customers who bought … also bought this", "Popular at this store"). */
export interface RankedItem extends RecsProduct {
  readonly score: number;
  readonly reason: string;
}

export interface RankInput {
  /** The product shown (never recommended itself), or null on the home page. */
  readonly anchor: string | null;
  /** The store's top list, best first, in stock here. */
  readonly top: readonly TopRow[];
  /** What is bought with the anchor (rows whose `anchor` is it) and with the session's views (the others). */
  readonly pairs: readonly PairRow[];
  /** The kiosk session's recent views, most recent first. */
  readonly views: readonly string[];
  /** Names of the viewed products, for "Because you looked at …". */
  readonly viewedNames: ReadonlyMap<string, string>;
  readonly limit: number;
}

/**
 * How the parts add up. With a product shown, what is bought with it comes first (1 + its score, 0..1 within the
 * anchor's list), then the store's popular list (half its score, 0..0.5); the session's views pull up what is bought
 * with them (up to 0.75, the latest view counting most), which re-orders each part and lifts a neighbour of a viewed
 * product above the plain popular list, but never above the shown product's own pairs.
 */
export const RANK_WEIGHTS = { anchorBase: 1, popular: 0.5, session: 0.75, viewDecay: 0.7 } as const;

interface Scored {
  product: RecsProduct;
  order: number;
  anchorScore: number;
  anchorReason: string | null;
  popular: number;
  popularReason: string | null;
  session: number;
  sessionView: string | null;
}

/**
 * Ranks the store's candidates for one kiosk request (pure: the repository's rows in, the list out). Each source's
 * scores are taken relative to its best (best = 1), as the hub normalises them; a product appears once, with the
 * reason of the part that put it where it is.
 */
export function rankRecommendations(input: RankInput): RankedItem[] {
  const scored = new Map<string, Scored>();
  const entry = (p: RecsProduct): Scored | undefined => {
    if (p.sku === input.anchor) return undefined;
    let s = scored.get(p.sku);
    if (!s) {
      const product: RecsProduct = {
        sku: p.sku,
        name: p.name,
        brand: p.brand,
        size: p.size,
        category: p.category,
        priceMinor: p.priceMinor,
        currency: p.currency,
        onHand: p.onHand,
        lowStockAt: p.lowStockAt,
      };
      s = {
        product,
        order: scored.size,
        anchorScore: 0,
        anchorReason: null,
        popular: 0,
        popularReason: null,
        session: 0,
        sessionView: null,
      };
      scored.set(p.sku, s);
    }
    return s;
  };

  const best = bestPerAnchor(input.pairs);
  for (const row of input.pairs.filter((r) => r.anchor === input.anchor)) {
    const s = entry(row);
    if (s && !s.anchorReason) {
      s.anchorScore = relative(row.score, best.get(row.anchor));
      s.anchorReason = row.reason;
    }
  }
  const topBest = Math.max(0, ...input.top.map((r) => r.score));
  for (const row of input.top) {
    const s = entry(row);
    if (s && !s.popularReason) {
      s.popular = relative(row.score, topBest);
      s.popularReason = row.reason;
    }
  }
  input.views.forEach((view, i) => {
    const weight = RANK_WEIGHTS.viewDecay ** i;
    for (const row of input.pairs.filter((r) => r.anchor === view && r.anchor !== input.anchor)) {
      const s = entry(row);
      const pull = weight * relative(row.score, best.get(view));
      if (s && (s.sessionView === null || pull > s.session)) {
        s.session = pull;
        s.sessionView = view;
      }
    }
  });

  const W = RANK_WEIGHTS;
  return [...scored.values()]
    .map((s) => {
      const base = s.anchorReason ? W.anchorBase + s.anchorScore : 0;
      const score = base + W.popular * s.popular + W.session * s.session;
      return { s, score };
    })
    .sort((a, b) => b.score - a.score || a.s.order - b.s.order)
    .slice(0, input.limit)
    .map(({ s, score }) => ({ ...s.product, score: Math.round(score * 1000) / 1000, reason: reasonOf(s, input) }));
}

function reasonOf(s: Scored, input: RankInput): string {
  if (s.anchorReason) return s.anchorReason;
  const looked = s.sessionView && input.viewedNames.get(s.sessionView);
  if (looked && (!s.popularReason || RANK_WEIGHTS.session * s.session >= RANK_WEIGHTS.popular * s.popular))
    return `Because you looked at ${looked}`;
  return s.popularReason ?? 'You may also like';
}

function bestPerAnchor(rows: readonly PairRow[]): Map<string, number> {
  const best = new Map<string, number>();
  for (const r of rows) best.set(r.anchor, Math.max(best.get(r.anchor) ?? 0, r.score));
  return best;
}

/** `score` against the best of its list (0..1); a list whose best is 0 counts each of its entries as 0. */
const relative = (score: number, best: number | undefined) => (best && best > 0 ? Math.min(1, score / best) : 0);
