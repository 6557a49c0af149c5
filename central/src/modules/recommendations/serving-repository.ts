import type { Queryable } from '../../db/db.js';
import type { Candidate, NeighbourKind } from './types.js';

/** The session's products a request looks back on: the last this many minutes, at most this many events. */
export const SESSION_WINDOW_MS = 30 * 60_000;
export const SESSION_MAX_EVENTS = 20;
/** A customer's purchases read to leave out what they bought (the newest; a long history's oldest fall off). */
export const BOUGHT_MAX_ROWS = 2_000;
/** Live popularity (before the first model) looks back this far and keeps this many products per scope. */
export const LIVE_POPULAR_WINDOW_MS = 30 * 24 * 3_600_000;
export const LIVE_POPULAR_TOP = 200;

/** One recent session event (newest first). */
export interface SessionEvent {
  readonly sku: string;
  readonly kind: 'VIEW' | 'CART_ADD';
  readonly at: number;
}

/** The precomputed rows a request needs, as read in one statement. */
export interface CandidateRows {
  readonly personal: Candidate[];
  readonly neighbours: Map<string, { boughtWith: Candidate[]; similar: Candidate[] }>;
  /** scope ('all', 'store:<id>', 'category:<c>') → its list. */
  readonly popular: Map<string, Candidate[]>;
}

/** A stored candidate list, read defensively: a row is training's, but a bad element must not break serving. */
function candidatesOf(raw: unknown): Candidate[] {
  const list = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (!Array.isArray(list)) return [];
  const out: Candidate[] = [];
  for (const c of list) {
    if (!c || typeof c !== 'object') continue;
    const { sku, score, why } = c as Record<string, unknown>;
    if (typeof sku !== 'string' || typeof score !== 'number' || !Number.isFinite(score)) continue;
    out.push({ sku, score: Math.min(1, Math.max(0, score)), why: typeof why === 'string' ? why : null });
  }
  return out;
}

/**
 * All SQL serving runs: the active model's version, one read of every precomputed list a request needs, the session's
 * recent events with the customer's purchases, and live popularity for a hub without a model. Every read is on an
 * index (primary keys of the candidate tables, the interactions' session and customer indexes) but live popularity,
 * which serving caches.
 */
export class ServingRepository {
  constructor(private readonly q: Queryable) {}

  async activeModel(): Promise<number | null> {
    const { rows } = await this.q.query<{ version: number }>(
      "SELECT version FROM recs_models WHERE state = 'ACTIVE' LIMIT 1",
    );
    return rows[0] ? Number(rows[0].version) : null;
  }

  /**
   * The session's recent views and cart adds (newest first) and the skus the customer bought, in one statement (two
   * index reads). With `boughtAt`, only the purchases made at that store (a store asking must not learn of the
   * others).
   */
  async history(
    sessionId: string | null,
    customerId: string | null,
    now: number,
    boughtAt: string | null = null,
  ): Promise<{ session: SessionEvent[]; bought: Set<string> }> {
    const session: SessionEvent[] = [];
    const bought = new Set<string>();
    if (sessionId === null && customerId === null) return { session, bought };
    const { rows } = await this.q.query<{ part: 'S' | 'P'; sku: string; kind: string; at: number }>(
      `(SELECT 'S' AS part, sku, kind, at FROM recs_interactions
         WHERE session_id = $1 AND at >= $2 AND at <= $3 AND kind IN ('VIEW', 'CART_ADD')
         ORDER BY at DESC, id DESC LIMIT $4)
       UNION ALL
       (SELECT 'P' AS part, sku, kind, at FROM recs_interactions
         WHERE customer_id = $5 AND kind = 'PURCHASE' AND ($7::text IS NULL OR store_id = $7)
         ORDER BY at DESC LIMIT $6)`,
      [sessionId, now - SESSION_WINDOW_MS, now, SESSION_MAX_EVENTS, customerId, BOUGHT_MAX_ROWS, boughtAt],
    );
    for (const r of rows) {
      if (r.part === 'P') bought.add(r.sku);
      else session.push({ sku: r.sku, kind: r.kind as SessionEvent['kind'], at: Number(r.at) });
    }
    session.sort((a, b) => b.at - a.at);
    return { session, bought };
  }

  /** The model's lists for one request, in one statement: the customer's, the neighbours of `skus`, the `scopes`. */
  async candidates(
    version: number,
    customerId: string | null,
    skus: readonly string[],
    scopes: readonly string[],
  ): Promise<CandidateRows> {
    const { rows } = await this.q.query<{ part: string; key: string; items: unknown }>(
      `SELECT 'personal' AS part, customer_id AS key, items FROM recs_customer_candidates
         WHERE model_version = $1 AND customer_id = $2
       UNION ALL
       SELECT kind, sku, items FROM recs_product_neighbours
         WHERE model_version = $1 AND sku = ANY($3::text[])
       UNION ALL
       SELECT 'popular', scope, items FROM recs_popular
         WHERE model_version = $1 AND scope = ANY($4::text[])`,
      [version, customerId, skus, scopes],
    );
    const out: CandidateRows = { personal: [], neighbours: new Map(), popular: new Map() };
    for (const r of rows) {
      const items = candidatesOf(r.items);
      if (r.part === 'personal') out.personal.push(...items);
      else if (r.part === 'popular') out.popular.set(r.key, items);
      else {
        const nb = out.neighbours.get(r.key) ?? { boughtWith: [], similar: [] };
        out.neighbours.set(r.key, nb);
        if ((r.part as NeighbourKind) === 'BOUGHT_WITH') nb.boughtWith = items;
        else nb.similar = items;
      }
    }
    return out;
  }

  /**
   * Popularity from the interactions themselves (purchase 4, cart add 2, view 1) over the last 30 days, overall and,
   * with `storeId`, at that store: what a hub serves before its first model. Scores 0..1 (best = 1).
   */
  async livePopular(now: number, storeId: string | null): Promise<{ all: Candidate[]; store: Candidate[] }> {
    const { rows } = await this.q.query<{ part: 'all' | 'store'; sku: string; w: number }>(
      `(SELECT 'all' AS part, sku, SUM(CASE kind WHEN 'PURCHASE' THEN 4 WHEN 'CART_ADD' THEN 2 ELSE 1 END)::float8 AS w
          FROM recs_interactions WHERE at >= $1
          GROUP BY sku ORDER BY w DESC, sku LIMIT $3)
       UNION ALL
       (SELECT 'store' AS part, sku, SUM(CASE kind WHEN 'PURCHASE' THEN 4 WHEN 'CART_ADD' THEN 2 ELSE 1 END)::float8 AS w
          FROM recs_interactions WHERE at >= $1 AND $2::text IS NOT NULL AND store_id = $2
          GROUP BY sku ORDER BY w DESC, sku LIMIT $3)`,
      [now - LIVE_POPULAR_WINDOW_MS, storeId, LIVE_POPULAR_TOP],
    );
    const all: Candidate[] = [];
    const store: Candidate[] = [];
    for (const r of rows) (r.part === 'all' ? all : store).push({ sku: r.sku, score: Number(r.w), why: null });
    return { all: normalised(all), store: normalised(store) };
  }
}

/** Scores divided by the best (best = 1), as training writes its lists. */
function normalised(list: Candidate[]): Candidate[] {
  const top = list[0]?.score ?? 0;
  return top > 0 ? list.map((c) => ({ ...c, score: c.score / top })) : list;
}
