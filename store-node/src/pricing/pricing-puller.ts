import {
  PRICING_STORE_PAGE_MAX,
  priceEntryRowSchema,
  promotionRowSchema,
  signingKeyRowSchema,
  usedCouponRowSchema,
} from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import { z } from 'zod';
import type { HubGet } from '../hub-link/hub-get.js';
import { PullRetry } from '../hub-link/pull-retry.js';
import type { PricingRepository } from './pricing-repository.js';
import { keepDoorKeys } from './door-keys.js';

/** Rows a page asks for. */
export const PAGE = 500;
/** How often the store asks even with no notice (a notice lost to a feed skip while it was away): a cheap empty page. */
export const RECHECK_MS = 15 * 60_000;
/** Pages one pull takes at most before it gives up (asked again with backoff): a hub that never says "caught up". */
export const MAX_PAGES_PER_PULL = 10_000;

/**
 * A page's envelope, checked whole (a page that is not one is refused as a failed pull); its rows are checked one by
 * one when applied, so a malformed row is refused alone and the others apply.
 */
export const pageEnvelopeSchema = z.object({
  regionId: z.string().min(1).max(64).nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  prices: z.array(z.unknown()).max(PRICING_STORE_PAGE_MAX),
  promotions: z.array(z.unknown()).max(PRICING_STORE_PAGE_MAX),
  keys: z.array(z.unknown()).max(100),
  usedCoupons: z.array(z.unknown()).max(PRICING_STORE_PAGE_MAX),
  doorKeys: z.array(z.unknown()).max(100).optional(),
  revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  next: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
});
export type PageEnvelope = z.infer<typeof pageEnvelopeSchema>;

/** What applying rows did. */
export interface Applied {
  applied: number;
  refused: number;
  /** The first refused row's reason. */
  reason: string | null;
}

/**
 * Applies rows of any kind (a page's, or a cold start's): each checked against its schema, refused alone when it is
 * not one. `kind` names the row's kind; undefined: told by its shape (a cold start's rows). Call inside a transaction.
 */
export function applyRows(
  repo: PricingRepository,
  rows: readonly unknown[],
  kind: 'price' | 'promotion' | 'key' | 'usedCoupon' | undefined,
  now: number,
  into: Applied,
): void {
  for (const row of rows) {
    const k = kind ?? kindOf(row);
    const refuse = (why: string) => {
      if (into.refused++ === 0) into.reason = why;
    };
    if (k === 'price') {
      const c = priceEntryRowSchema.safeParse(row);
      if (c.success) repo.putEntry(c.data);
      else refuse(`price entry: ${issue(c.error)}`);
      if (c.success) into.applied++;
    } else if (k === 'promotion') {
      const c = promotionRowSchema.safeParse(row);
      if (c.success) repo.putPromotion(c.data);
      else refuse(`promotion: ${issue(c.error)}`);
      if (c.success) into.applied++;
    } else if (k === 'key') {
      const c = signingKeyRowSchema.safeParse(row);
      if (c.success) repo.putKey(c.data);
      else refuse(`signing key: ${issue(c.error)}`);
      if (c.success) into.applied++;
    } else if (k === 'usedCoupon') {
      const c = usedCouponRowSchema.safeParse(row);
      if (c.success && c.data.released) repo.dropUsedFromHub(c.data.couponId);
      else if (c.success) repo.putUsedFromHub(c.data.couponId, c.data.revision, now);
      else refuse(`used coupon: ${issue(c.error)}`);
      if (c.success) into.applied++;
    } else refuse('a row that is no pricing row');
  }
}

const issue = (e: z.ZodError) => {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || 'row'}: ${i.message}` : 'malformed';
};

/** A cold start's row told by its shape (each kind has a field no other has). */
function kindOf(row: unknown): 'price' | 'promotion' | 'key' | 'usedCoupon' | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  if ('bookId' in row) return 'price';
  if ('rule' in row) return 'promotion';
  if ('publicKey' in row) return 'key';
  if ('couponId' in row) return 'usedCoupon';
  return undefined;
}

/**
 * Applies one page of the hub's `GET /api/pricing/store-rules` (call inside one transaction): the store's region
 * first — when it moved to another region (or out of one) the entries of its old region's books no longer apply and
 * are dropped, and the copy starts again from revision 0 so the new region's books (older rows than the copy held)
 * arrive; then each row, upserted by id (tombstones kept as deleted), a malformed one refused alone; then the copy is
 * marked as holding up to the page's revision. Returns what it did and whether the pull must start again from 0.
 */
export function applyPage(
  repo: PricingRepository,
  page: PageEnvelope,
  now: number,
): Applied & { regionChanged: boolean; droppedEntries: number } {
  const s = repo.state();
  const regionChanged = s.regionKnown && s.regionId !== page.regionId && s.revision > 0;
  const droppedEntries = regionChanged ? repo.dropRegionEntries() : 0;
  repo.setRegion(page.regionId, page.currency);
  const out: Applied = { applied: 0, refused: 0, reason: null };
  applyRows(repo, page.prices, 'price', now, out);
  applyRows(repo, page.promotions, 'promotion', now, out);
  applyRows(repo, page.keys, 'key', now, out);
  applyRows(repo, page.usedCoupons, 'usedCoupon', now, out);
  keepDoorKeys(repo.db, page.doorKeys, now);
  if (out.refused) repo.countRefused(out.refused);
  if (regionChanged) repo.restart();
  else repo.advance(page.revision);
  return { ...out, regionChanged, droppedEntries };
}

/** Where the copy stands, for the status route. */
export interface PricingPullStatus {
  readonly pulling: boolean;
  readonly lastError: string | null;
}

/**
 * Keeps the store's copy of pricing at the hub's revision (the reviews puller's pattern): the feed handler records a
 * `pricing.changed {revision}` notice as wanted, and this puller asks `GET /api/pricing/store-rules?after=&limit=`
 * page by page (each page applied in one transaction with the revision it brings the copy to, so a restart resumes)
 * until the hub says `next: null`. It pulls at start, on each notice newer than the copy, every `RECHECK_MS`, and
 * retries with backoff (1 s … 1 min) while the hub is away; never two pulls at once (PullRetry); `stop()` stops it.
 */
export class PricingPuller {
  readonly #loop: PullRetry;
  #check = true;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly repo: PricingRepository,
    readonly get: HubGet | undefined,
    readonly log: SyncLogger,
    readonly now: () => number,
    /** Called after every page applied (the rules' cache drops). */
    readonly changed: () => void,
  ) {
    const due = () => {
      if (this.get === undefined) return false; // a store without a hub link: nothing to pull from
      const s = this.repo.state();
      return this.#check || s.pulledAt === null || s.revision < s.wanted;
    };
    this.#loop = new PullRetry('pricing', log, due, () => this.#pull(this.get!));
  }

  /** The feed handler: runs inside the feed page's transaction; the pull starts after it commits. */
  noticed(revision: number): void {
    this.repo.want(revision);
    setImmediate(() => this.poke());
  }

  poke(recheck = false): void {
    if (recheck) this.#check = true;
    this.#loop.poke();
  }

  start(): void {
    this.poke(true);
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.poke(true), RECHECK_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#loop.stop();
  }

  status(): PricingPullStatus {
    return { pulling: this.#loop.pulling, lastError: this.#loop.lastError };
  }

  async #pull(get: HubGet): Promise<void> {
    this.#check = false;
    const wantedBefore = this.repo.state().wanted;
    let after = this.repo.state().revision;
    let rows = 0;
    let refused = 0;
    for (let pages = 0; ; pages++) {
      if (pages >= MAX_PAGES_PER_PULL) throw new Error(`the hub's pricing pages did not end in ${pages} pages`);
      let page: PageEnvelope;
      try {
        page = pageEnvelopeSchema.parse(await get(`/api/pricing/store-rules?after=${after}&limit=${PAGE}`));
        if (page.next !== null && page.next <= after)
          throw new Error(`the hub's pricing page did not move past ${after}; page refused`);
      } catch (err) {
        this.#check = true; // asked again with backoff, even with no notice
        throw err;
      }
      if (this.#loop.stopped) return;
      const p = page;
      const done = this.repo.db.transaction(() => applyPage(this.repo, p, this.now())).immediate();
      this.changed();
      rows += done.applied;
      refused += done.refused;
      if (done.refused)
        this.log.warn(
          { refused: done.refused, reason: done.reason, revision: page.revision },
          `refused ${done.refused} malformed row(s) of the hub's pricing page; the others applied`,
        );
      if (done.regionChanged) {
        this.log.info(
          { regionId: page.regionId, dropped: done.droppedEntries },
          "the store's pricing region changed: its old region's prices dropped, pulling the rules again",
        );
        after = 0;
        continue;
      }
      if (page.next === null) break;
      after = page.next;
    }
    const s = this.repo.state();
    // A notice known when the pull began that the hub never served (it announced more than it had): lowered.
    const wanted = s.wanted > s.revision && s.wanted <= wantedBefore ? s.revision : s.wanted;
    this.repo.db.transaction(() => this.repo.settle(this.now(), wanted)).immediate();
    if (rows > 0 || refused > 0) this.log.info({ revision: s.revision, rows, refused }, 'pricing updated from the hub');
  }
}
