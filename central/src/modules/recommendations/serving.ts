import { randomUUID } from 'node:crypto';
import { Histogram, type Registry } from 'prom-client';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { INVENTORY_AVAILABILITY } from '../../kernel/ports/inventory.js';
import type { RecsExperiments } from './experiments.js';
import {
  combine,
  fillsFrom,
  pick,
  type Because,
  type AnchorNeighbours,
  type HybridSources,
  type PopularList,
  type ProductFacts,
  type Scored,
} from './hybrid.js';
import { CatalogFacts } from './serving-catalog.js';
import { ModelLists } from './serving-lists.js';
import { ServingRepository } from './serving-repository.js';
import { sessionAnchors } from './session.js';
import type { Candidate, RecsAnswer, RecsRequest } from './types.js';

/** How long this hub trusts its reading of which model is active (a training run flips it on any hub). */
export const ACTIVE_MODEL_TTL_MS = 2_000;
/** How long live popularity (no model yet) is reused: a scan of 30 days of interactions. */
export const LIVE_POPULAR_TTL_MS = 3_000;
/** The best-scored products the rules look at (catalog, stock); the rest never reach the list. */
const SHORTLIST = 300;
/**
 * The shortlist's best this many (at least; 4 × the limit) are looked up first (catalog, stock); the rest only when
 * the rules leave the list short. A list of 10 nearly always fills from its first 40, so a request reads the stock of
 * 40 products, not 300, and gets the very answer the whole shortlist would give.
 */
const FIRST_LOOK = 40;
/** Anchors' categories whose popular lists a request reads at most. */
const MAX_ANCHOR_CATEGORIES = 5;

/**
 * The hybrid list for a surface, served from the active model's precomputed candidates and re-ranked by the session.
 *
 * A request costs a handful of indexed reads, none per item: the session's recent events with the customer's
 * purchases (one statement), the model's lists it needs (one statement), the stock of its shortlist (one read through
 * inventory), and the catalog facts of products not seen in the last 30 s. The variant, the active model's version
 * and live popularity are this hub's short-lived copies. The impression is written off the request path.
 */
export class RecsServing {
  readonly #repo: ServingRepository;
  readonly catalog: CatalogFacts;
  #model: { readAt: number; version: number | null } | null = null;
  #modelRead: Promise<number | null> | null = null;
  readonly #served: Histogram<'surface'>;
  /** The active model's neighbour and popular lists as read so far (they never change while it serves). */
  readonly #lists = new ModelLists();
  readonly #live = new Map<string, { readAt: number; lists: Promise<{ all: Candidate[]; store: Candidate[] }> }>();

  constructor(
    readonly ctx: HubContext,
    readonly experiments: RecsExperiments,
  ) {
    this.#repo = new ServingRepository(ctx.db);
    this.#served = servingHistogram(ctx.metrics);
    this.catalog = new CatalogFacts(() => ctx.services.get(CATALOG_PRODUCTS));
  }

  async recommend(req: RecsRequest): Promise<RecsAnswer> {
    const stopTimer = this.#served.startTimer({ surface: req.surface });
    try {
      return await this.#recommend(req);
    } finally {
      stopTimer();
    }
  }

  async #recommend(req: RecsRequest): Promise<RecsAnswer> {
    const now = this.ctx.now();
    const variant = await this.experiments.choose();
    const weights = variant.weights[req.surface];
    const version = await this.#activeModel();
    const anchors = [...new Set(req.skus)];
    const storeScope = req.storeId === null ? null : `store:${req.storeId}`;
    const customerId = weights.personal > 0 ? req.customerId : null;
    // the customer's purchases and the session read while the model's lists for what is known already are
    const [history, known] = await Promise.all([
      this.#repo.history(req.sessionId, req.customerId, now, req.askingStoreId ?? null),
      version === null
        ? null
        : this.#modelLists(version, customerId, anchors, ['all', ...(storeScope ? [storeScope] : [])]).then((rows) =>
            req.askingStoreId ? namingNothing(rows) : rows,
          ),
    ]);

    const session = sessionAnchors(history.session, now).filter((s) => !anchors.includes(s.sku));
    const anchorSkus = [...anchors, ...session.map((s) => s.sku)];
    const anchorFacts = await this.catalog.many(anchorSkus);
    const categories = [
      ...new Set(anchorSkus.flatMap((sku) => (anchorFacts.has(sku) ? [anchorFacts.get(sku)!.category] : []))),
    ].slice(0, MAX_ANCHOR_CATEGORIES);

    const sources =
      version === null || known === null
        ? await this.#liveSources(now, req.storeId, categories, anchors, session)
        : await this.#modelSources(version, known, storeScope, session, categories, anchors);

    const excluded = new Set([...anchorSkus, ...history.bought]);
    const shortlist = combine(sources, weights)
      .filter((s) => !excluded.has(s.sku))
      .slice(0, SHORTLIST);
    // the catalog facts and the store's stock of the shortlist's best, read together; the rest only when needed
    const first = Math.max(FIRST_LOOK, 4 * req.limit);
    const looked = await this.#lookUp(shortlist.slice(0, first), req.storeId);
    const rules = {
      products: looked.products,
      excluded,
      bought: history.bought,
      stock: looked.stock,
      limit: req.limit,
    };
    for (const [sku, facts] of anchorFacts) looked.products.set(sku, facts);
    if (shortlist.length > first && !fillsFrom(shortlist.slice(0, first), rules)) {
      const rest = await this.#lookUp(shortlist.slice(first), req.storeId);
      for (const [sku, facts] of rest.products) looked.products.set(sku, facts);
      if (looked.stock && rest.stock) for (const [sku, n] of rest.stock) looked.stock.set(sku, n);
    }
    const items = pick(shortlist, rules);

    const impressionId = randomUUID();
    await this.experiments.recordImpression({
      id: impressionId,
      variant: variant.name,
      surface: req.surface,
      customerId: req.customerId,
      sessionId: req.sessionId,
      storeId: req.storeId,
      skus: items.map((i) => i.sku),
      at: now,
      servedTo: req.servedTo ?? null,
    });
    return { impressionId, variant: variant.name, surface: req.surface, modelVersion: version, items };
  }

  /** Waits for the impressions still being written. */
  async stop(): Promise<void> {
    await Promise.allSettled([this.experiments.stop(), this.#modelRead]);
  }

  /** Catalog facts (of the products and of those their reasons name) and, with a store, their stock there. */
  async #lookUp(
    part: readonly Scored[],
    storeId: string | null,
  ): Promise<{ products: Map<string, ProductFacts>; stock: Map<string, number> | null }> {
    const inventory = this.ctx.services.find(INVENTORY_AVAILABILITY);
    const skus = part.map((s) => s.sku);
    const [products, stock] = await Promise.all([
      this.catalog.many([...skus, ...part.flatMap((s) => namedIn(s.because))]),
      storeId !== null && inventory ? inventory.manyAt(storeId, skus) : null,
    ]);
    return { products, stock };
  }

  /**
   * The model's lists of a request: the customer's own (read each time), and the neighbours of `skus` and the `scopes`
   * from this hub's memory of the model, reading those it has not seen (with the customer's, in one statement).
   */
  async #modelLists(
    version: number,
    customerId: string | null,
    skus: readonly string[],
    scopes: readonly string[],
  ): Promise<ModelRows> {
    const missingSkus = this.#lists.missingNeighbours(version, skus);
    const missingScopes = this.#lists.missingScopes(version, scopes);
    const neighbours = this.#lists.neighbours(version, skus);
    const popular = this.#lists.popular(version, scopes);
    if (customerId === null && missingSkus.length === 0 && missingScopes.length === 0)
      return { personal: [], neighbours, popular };
    const read = await this.#repo.candidates(version, customerId, missingSkus, missingScopes);
    this.#lists.remember(version, { skus: missingSkus, scopes: missingScopes }, read);
    for (const [sku, nb] of read.neighbours) neighbours.set(sku, nb);
    for (const [scope, list] of read.popular) popular.set(scope, list);
    return { personal: read.personal, neighbours, popular };
  }

  /** The lists of a request: those read with the history (`known`), then the session products' and the categories'. */
  async #modelSources(
    version: number,
    known: ModelRows,
    storeScope: string | null,
    session: HybridSources['session'],
    categories: readonly string[],
    anchors: readonly string[],
  ): Promise<HybridSources> {
    const more = await this.#modelLists(
      version,
      null,
      session.map((s) => s.sku).filter((sku) => !known.neighbours.has(sku)),
      categories.map((c) => `category:${c}`),
    );
    const neighbours = new Map([...known.neighbours, ...more.neighbours]);
    const popular: PopularList[] = [];
    for (const [scope, items] of [...known.popular, ...more.popular]) {
      if (scope === 'all') popular.push({ scope: { kind: 'all' }, items });
      else if (scope === storeScope) popular.push({ scope: { kind: 'store' }, items });
      else if (scope.startsWith('category:'))
        popular.push({ scope: { kind: 'category', category: scope.slice('category:'.length) }, items });
    }
    return { anchors, session, personal: known.personal, neighbours, popular };
  }

  /**
   * Before the first model: popularity from the interactions themselves, overall, at the store, and in the anchors'
   * categories (the overall list narrowed to each), so a fresh hub still answers.
   */
  async #liveSources(
    now: number,
    storeId: string | null,
    categories: readonly string[],
    anchors: readonly string[],
    session: HybridSources['session'],
  ): Promise<HybridSources> {
    const live = await this.#livePopular(now, storeId);
    const popular: PopularList[] = [{ scope: { kind: 'all' }, items: live.all }];
    if (storeId !== null) popular.push({ scope: { kind: 'store' }, items: live.store });
    if (categories.length > 0) {
      const facts = await this.catalog.many(live.all.map((c) => c.sku));
      for (const category of categories) {
        const items = live.all.filter((c) => facts.get(c.sku)?.category === category);
        const top = items[0]?.score ?? 0;
        if (top > 0)
          popular.push({
            scope: { kind: 'category', category },
            items: items.map((c) => ({ ...c, score: c.score / top })),
          });
      }
    }
    return { anchors, session, personal: [], neighbours: new Map(), popular };
  }

  #livePopular(now: number, storeId: string | null): Promise<{ all: Candidate[]; store: Candidate[] }> {
    const key = storeId ?? '';
    const held = this.#live.get(key);
    if (held && performance.now() - held.readAt < LIVE_POPULAR_TTL_MS) return held.lists;
    if (this.#live.size >= 1_000) this.#live.clear();
    const lists = this.#repo.livePopular(now, storeId);
    this.#live.set(key, { readAt: performance.now(), lists });
    lists.catch(() => this.#live.get(key)?.lists === lists && this.#live.delete(key));
    return lists;
  }

  /** The active model's version (null before the first), re-read at most every ACTIVE_MODEL_TTL_MS. */
  async #activeModel(): Promise<number | null> {
    const held = this.#model;
    if (held && performance.now() - held.readAt < ACTIVE_MODEL_TTL_MS) return held.version;
    if (!this.#modelRead) {
      this.#modelRead = this.#repo
        .activeModel()
        .then((version) => {
          this.#model = { readAt: performance.now(), version };
          return version;
        })
        .finally(() => {
          this.#modelRead = null;
        });
    }
    return this.#modelRead;
  }
}

/**
 * The lists with the customer's picks naming no product: what a store asking gets, since the product training named
 * ("Because you bought X") may have been bought at another store.
 */
function namingNothing(rows: ModelRows): ModelRows {
  return { ...rows, personal: rows.personal.map((c) => ({ ...c, why: null })) };
}

/** The model's lists one request uses. */
interface ModelRows {
  readonly personal: readonly Candidate[];
  readonly neighbours: Map<string, AnchorNeighbours>;
  readonly popular: Map<string, Candidate[]>;
}

/** The product a reason names (to look up its name). */
function namedIn(b: Because): string[] {
  return b.kind === 'popular' || b.sku === null ? [] : [b.sku];
}

const SERVE_SECONDS = 'storefleet_hub_recs_serve_seconds';

/** How long lists take to make on this hub process, by surface (the goal: p95 under 20 ms). */
function servingHistogram(registry: Registry): Histogram<'surface'> {
  const held = registry.getSingleMetric(SERVE_SECONDS);
  if (held) return held as Histogram<'surface'>;
  return new Histogram({
    name: SERVE_SECONDS,
    help: 'time to make one recommendations list (candidates, rules, impression handed over), by surface',
    labelNames: ['surface'] as const,
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
}
