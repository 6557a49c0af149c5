import { parseEventPayload } from '@storefleet/shared';
import type { BootstrapSink } from '../sync/bootstrap.js';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';
import { type Applied, applyPage, applyRows, pageEnvelopeSchema } from './pricing-puller.js';
import type { StorePricing } from './pricing-service.js';

export {
  type CouponVerdict,
  type SkuPriceView,
  StorePricing,
  type StorePriceRequest,
  type StorePricingStatus,
  type StoreRedemption,
} from './pricing-service.js';
export {
  type PricingCounts,
  type PricingProduct,
  PricingRepository,
  type PricingSyncState,
} from './pricing-repository.js';
export { applyPage, applyRows, PAGE, PricingPuller, RECHECK_MS, pageEnvelopeSchema } from './pricing-puller.js';
export { pricingRoutes } from './routes.js';

export const pricingMigrations = new URL('./schema/', import.meta.url);

/**
 * The hub's `pricing.changed {revision}` notice: checked in the feed's transaction (a bad payload is parked), recorded
 * as wanted, then the puller fetches what changed since the copy's revision.
 */
export function registerPricingFeed(feed: FeedHandlerRegistry, pricing: StorePricing): void {
  feed.register('pricing.changed', (_db, entry) => {
    const { revision } = parseEventPayload('pricing.changed', entry.payload);
    pricing.noticed(revision);
  });
}

/**
 * The sink of the hub's `pricing` cold-start section: the hub's rows for this store from revision 0, applied as a pull
 * applies them. A row may be a whole store-rules page (`PricingStorePage`: its region too) or a single row of any kind
 * (a price entry, a promotion, a signing key, a used coupon, told by its shape); a malformed row is refused alone and
 * logged and counted in the status (asking again would bring the same row), the rest apply; the copy is marked as
 * holding up to the highest revision seen, so the puller goes on from there instead of pulling it all again.
 */
export function pricingSink(pricing: StorePricing): BootstrapSink {
  return (_db, rows) => {
    let last = 0;
    const out: Applied = { applied: 0, refused: 0, reason: null };
    const now = pricing.now();
    const repo = pricing.repo;
    const loose: unknown[] = [];
    for (const row of rows) {
      const page = pageEnvelopeSchema.safeParse(row);
      if (page.success) {
        const done = applyPage(repo, page.data, now);
        out.applied += done.applied;
        out.refused += done.refused;
        out.reason ??= done.reason;
        last = Math.max(last, page.data.revision);
      } else loose.push(row);
    }
    const before = out.refused;
    applyRows(repo, loose, undefined, now, out);
    if (out.refused > before) repo.countRefused(out.refused - before);
    for (const row of loose) {
      const r = (row as { revision?: unknown } | null)?.revision;
      if (typeof r === 'number' && Number.isSafeInteger(r)) last = Math.max(last, r);
    }
    if (last > 0) repo.advance(last);
    pricing.changed();
    if (out.refused)
      pricing.log.warn(
        { refused: out.refused, reason: out.reason },
        `refused ${out.refused} malformed row(s) from the hub's pricing section; the others applied`,
      );
  };
}
