import { NotFoundError, parseEventPayload, uuidv7, type FeedEntry, type RecsViewed } from '@storefleet/shared';
import type { StoreSync } from '../sync/store-sync.js';
import type { KioskBrowsing } from './kiosk-browsing.js';
import { rankRecommendations, type RankedItem } from './rank-recommendations.js';
import type { StoreRecsRepository } from './store-recs-repository.js';

/** What `GET /api/recommendations` answers. */
export interface StoreRecsAnswer {
  /** The hub's model the store's list came from; null before the first `recs.store-top` (the list is then empty). */
  readonly modelVersion: number | null;
  readonly items: readonly RankedItem[];
}

export interface StoreRecsRequest {
  /** The product shown, or null (the home page). */
  readonly sku: string | null;
  /** The screen asking (`Caller.scope`) and its kiosk session's token, when it has one. */
  readonly screen: string;
  readonly session: string | null;
  readonly limit: number;
}

/**
 * Recommendations at the store, from its own copy (works with the hub unreachable): the hub's `recs.store-top` kept
 * (newest model wins), answered in stock here and re-ranked by the kiosk session's views; a kiosk's product view
 * queued for the hub as `recs.viewed`.
 */
export class StoreRecsService {
  constructor(
    readonly repo: StoreRecsRepository,
    readonly sync: Pick<StoreSync, 'write'>,
    readonly browsing: KioskBrowsing,
    readonly now: () => number,
  ) {}

  /**
   * Feed handler for `recs.store-top`: a payload that breaks the schema throws (the entry is parked, nothing changes);
   * an entry of a model no newer than the one held is ignored. Returns whether it replaced the copy.
   */
  applyStoreTop(entry: FeedEntry): boolean {
    return this.repo.replaceIfNewer(parseEventPayload('recs.store-top', entry.payload), this.now());
  }

  recommend(req: StoreRecsRequest): StoreRecsAnswer {
    const model = this.repo.model();
    if (!model) return { modelVersion: null, items: [] };
    const views = this.browsing.recentViews(req.screen, req.session ?? undefined);
    const anchors = req.sku ? [req.sku, ...views.filter((v) => v !== req.sku)] : [...views];
    const items = rankRecommendations({
      anchor: req.sku,
      top: this.repo.top(),
      pairs: this.repo.pairsOf(anchors),
      views,
      viewedNames: this.repo.names(views),
      limit: req.limit,
    });
    return { modelVersion: model.modelVersion, items };
  }

  /**
   * A kiosk showed `sku` to the session: remembered for re-ranking and, unless the same session counted it within the
   * minute or the screen is past its budget, queued as one `recs.viewed` in the outbox (one local transaction).
   * `customerId`: the customer who opened their cart at this screen, else null. 404 for a product the store's catalog
   * does not have.
   */
  recordView(view: { screen: string; session: string; sku: string; customerId: string | null }): { recorded: boolean } {
    if (!this.repo.inCatalog(view.sku)) throw new NotFoundError('product', view.sku);
    const decision = this.browsing.view(view.screen, view.session, view.sku);
    if (!decision.count) return { recorded: false };
    const at = this.now();
    const payload: RecsViewed = {
      viewId: uuidv7(at),
      sessionId: decision.sessionId,
      customerId: view.customerId,
      sku: view.sku,
      at,
    };
    this.sync.write((emit) => emit('recs.viewed', payload));
    return { recorded: true };
  }
}
