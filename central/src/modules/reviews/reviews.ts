import { ConflictError, NotFoundError, isUuid, uuidv7 } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { isHeadOffice } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { Principal } from '../../kernel/principal.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { authorName } from './author-name.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ReviewCustomerAccess } from './customer-access.js';
import type { EngagementRepository } from './engagement-repository.js';
import type { FraudScorer } from './fraud/scorer.js';
import type { PhotoStore } from './photos.js';
import { enforceLimit, PER_DAY, PER_PRODUCT } from './rate-limits.js';
import { type ReviewRecord, ReviewsRepository } from './reviews-repository.js';
import {
  type ReviewAuthorView,
  type ReviewExtras,
  reviewAdminView,
  reviewAuthorView,
  reviewView,
} from './review-view.js';
import type {
  FraudDecision,
  FraudVerdict,
  ProductSummary,
  ReviewAdminView,
  ReviewDraft,
  ReviewListQuery,
  ReviewRevision,
  ReviewStatus,
  ReviewView,
} from './types.js';

/** A customer's own list shows at most this many reviews, newest first. */
export const CUSTOMER_LIST_MAX = 500;

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * Reviews (lane A): submit (one standing review per customer and product; the rate limits; the verified badge from
 * REVIEW_PURCHASES; scored by `FraudScorer` and routed APPROVED / MANUAL_REVIEW / REJECTED with the reasons stored),
 * edit (the old text kept as a revision, scored again), delete by the author, a review and its revisions, a product's
 * list (filters, sorts, cursor pages) and summary, a customer's own reviews. Who may act for a customer is checked
 * here (`ReviewCustomerAccess`): head office (a web/app backend's service account), or a store the customer deals with.
 */
export class ReviewsService {
  readonly access: ReviewCustomerAccess;

  constructor(
    readonly ctx: HubContext,
    readonly scorer: FraudScorer,
    readonly photos: PhotoStore,
    readonly engagement: () => EngagementRepository,
  ) {
    this.access = new ReviewCustomerAccess(() => ctx.services.find(CUSTOMER_DIRECTORY));
  }

  /**
   * A customer's new review of `sku`. 404 for a product the catalog does not hold or a customer the caller may not
   * act for; 409 naming the standing review; 429 past a rate limit; 422 for photos that are not the customer's.
   */
  async submit(caller: Principal, sku: string, given: ReviewDraft): Promise<ReviewAuthorView> {
    const draft = canonical(given);
    const customer = await this.access.check(caller, draft.customerId);
    const catalog = this.ctx.services.find(CATALOG_PRODUCTS);
    if (catalog && !(await catalog.get(sku))) throw new NotFoundError('product', sku);
    const at = this.ctx.now();
    const id = uuidv7(at);
    try {
      await this.ctx.db.transaction(async (tx) => {
        const repo = new ReviewsRepository(tx, { deferTotals: true });
        await repo.lockCustomer(draft.customerId);
        const existing = await repo.standing(draft.customerId, sku);
        if (existing)
          throw new ConflictError(`customer ${draft.customerId} already has review ${existing} of product ${sku}`, {
            reviewId: existing,
          });
        enforceLimit(PER_PRODUCT, await repo.productWrites(draft.customerId, sku, at - PER_PRODUCT.windowMs), at);
        enforceLimit(PER_DAY, await repo.newReviews(draft.customerId, at - PER_DAY.windowMs), at);
        const verified = await repo.purchased(draft.customerId, sku);
        const verdict = await this.scorer.score(tx, {
          reviewId: null,
          sku,
          customerId: draft.customerId,
          customerSince: customer?.createdAt ?? null,
          rating: draft.rating,
          title: draft.title,
          body: draft.body,
          verified,
          client: draft.client,
          viaStore: viaStore(caller),
          at,
        });
        await repo.insert({
          id,
          sku,
          customerId: draft.customerId,
          rating: draft.rating,
          title: draft.title,
          body: draft.body,
          authorName: authorName(customer?.name),
          status: verdict.decision,
          verified,
          photoCount: 0,
          ...scoring(verdict),
          clientIp: draft.client.ip,
          deviceId: draft.client.deviceId,
          createdAt: at,
          updatedAt: at,
        });
        if (draft.photoIds.length > 0)
          await repo.setPhotoCount(id, await this.photos.attach(tx, draft.customerId, id, draft.photoIds), at);
        await this.scorer.remember(tx, id, draft.customerId, verdict.signature);
        // a burst or a copy seen now holds its earlier members and the copied original too
        await this.scorer.holdAccomplices(tx, id, verdict, repo);
        await repo.flushTotals(); // the hot totals row last, held for the commit only
      });
    } catch (err) {
      // the customer's lock keeps their own submits apart; a unique violation is a review that won anyway
      if (!isUniqueViolation(err)) throw err;
      const existing = await new ReviewsRepository(this.ctx.db).standing(draft.customerId, sku);
      throw new ConflictError(`customer ${draft.customerId} already has review ${existing} of product ${sku}`, {
        reviewId: existing,
      });
    }
    return this.#authorView(await this.#mustGet(this.ctx.db, id));
  }

  /**
   * The author's edit: the old text kept as a revision, the new one scored again (an approved review may go back to
   * a moderator, never out of one: a held review stays held whatever the new text scores). 404 for a deleted review or
   * one not the customer's; 409 for a rejected one; 429 past the limit.
   */
  async edit(caller: Principal, rawId: string, given: ReviewDraft): Promise<ReviewAuthorView> {
    const id = rawId.toLowerCase();
    const draft = canonical(given);
    const customer = await this.access.check(caller, draft.customerId);
    const at = this.ctx.now();
    await this.ctx.db.transaction(async (tx) => {
      const repo = new ReviewsRepository(tx, { deferTotals: true });
      await repo.lockCustomer(draft.customerId);
      const before = isUuid(id) ? await repo.get(id, true) : undefined;
      if (!before || before.customerId !== draft.customerId || before.status === 'DELETED')
        throw new NotFoundError('review', id);
      if (before.status === 'REJECTED')
        throw new ConflictError(`review ${id} was rejected and cannot be edited`, { status: before.status });
      enforceLimit(PER_PRODUCT, await repo.productWrites(draft.customerId, before.sku, at - PER_PRODUCT.windowMs), at);
      const verified = await repo.purchased(draft.customerId, before.sku);
      const verdict = await this.scorer.score(tx, {
        reviewId: id,
        sku: before.sku,
        customerId: draft.customerId,
        customerSince: customer?.createdAt ?? null,
        rating: draft.rating,
        title: draft.title,
        body: draft.body,
        verified,
        client: draft.client,
        viaStore: viaStore(caller),
        at,
      });
      const held = keptHold(before, verdict);
      const oldPhotos = before.photoCount > 0 ? await repo.photoIds(id) : [];
      const photoCount =
        draft.photoIds.length > 0 || before.photoCount > 0
          ? await this.photos.attach(tx, draft.customerId, id, draft.photoIds)
          : 0;
      await repo.rewrite(
        before,
        oldPhotos,
        {
          rating: draft.rating,
          title: draft.title,
          body: draft.body,
          status: held.decision,
          verified,
          photoCount,
          ...scoring(held),
          clientIp: draft.client.ip,
          deviceId: draft.client.deviceId,
          fraudHolds: verdict.decision !== 'APPROVED',
        },
        at,
      );
      await this.scorer.remember(tx, id, draft.customerId, verdict.signature);
      // a burst or a copy seen now holds its earlier members and the copied original too
      await this.scorer.holdAccomplices(tx, id, verdict, repo);
      await repo.flushTotals(); // the hot totals row last, held for the commit only
    });
    return this.#authorView(await this.#mustGet(this.ctx.db, id));
  }

  /**
   * The author deletes their review: DELETED, out of the summary, its photos let go, its text and its revisions' text
   * blanked (times, address, device and signature stay for the limits and the rules). 404 when it is not theirs; 409
   * for a rejected review (deleting it would let the author submit the same text again).
   */
  async remove(caller: Principal, rawId: string, rawCustomerId: string): Promise<void> {
    const id = rawId.toLowerCase();
    const customerId = rawCustomerId.toLowerCase();
    await this.access.check(caller, customerId);
    const at = this.ctx.now();
    await this.ctx.db.transaction(async (tx) => {
      const repo = new ReviewsRepository(tx, { deferTotals: true });
      const before = isUuid(id) ? await repo.get(id, true) : undefined;
      if (!before || before.customerId !== customerId || before.status === 'DELETED')
        throw new NotFoundError('review', id);
      if (before.status === 'REJECTED')
        throw new ConflictError(`review ${id} was rejected and cannot be deleted`, { status: before.status });
      if (before.photoCount > 0) {
        await this.photos.attach(tx, customerId, id, []);
        await repo.setPhotoCount(id, 0, at);
      }
      await repo.changeStatus(id, 'DELETED', at);
      await repo.blankText(id);
      await repo.flushTotals();
    });
  }

  /**
   * One review: an approved one for anyone signed in; any status for head office (deleted ones too, the admin view) and
   * in the author's view for a store that may read its author's profile (not deleted). Anyone else: 404, as if it did
   * not exist.
   */
  async get(caller: Principal, id: string): Promise<ReviewView | ReviewAuthorView | ReviewAdminView> {
    const r = isUuid(id) ? await new ReviewsRepository(this.ctx.db).get(id.toLowerCase()) : undefined;
    if (!r) throw new NotFoundError('review', id);
    if (isHeadOffice(caller)) return this.#adminView(r);
    if (r.status !== 'DELETED' && (await this.access.mayRead(caller, r.customerId))) return this.#authorView(r);
    if (r.status !== 'APPROVED') throw new NotFoundError('review', id);
    return (await this.#views([r], reviewView))[0]!;
  }

  /** A review's earlier texts, oldest first, for head office or a store that may read its author's profile (else 404). */
  async revisions(caller: Principal, rawId: string): Promise<ReviewRevision[]> {
    this.access.assertMayActForCustomers(caller);
    const id = rawId.toLowerCase();
    const repo = new ReviewsRepository(this.ctx.db);
    const r = isUuid(id) ? await repo.get(id) : undefined;
    const mayRead =
      r !== undefined &&
      (isHeadOffice(caller) || (r.status !== 'DELETED' && (await this.access.mayRead(caller, r.customerId))));
    if (!mayRead) throw new NotFoundError('review', id);
    return repo.revisions(id);
  }

  /** One page of a product's approved reviews with its summary; `next` continues after the page's last review. */
  async list(query: ReviewListQuery): Promise<{ summary: ProductSummary; reviews: ReviewView[]; next: string | null }> {
    const after = query.after === null ? null : decodeCursor(query.after, query.sort);
    const repo = new ReviewsRepository(this.ctx.db);
    const rows = await repo.list(query, after);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const next =
      rows.length > query.limit && last
        ? encodeCursor({
            sort: query.sort,
            key: query.sort === 'helpful' ? last.helpful : query.sort === 'newest' ? 0 : last.rating,
            createdAt: last.createdAt,
            id: last.id,
          })
        : null;
    return { summary: await repo.summary(query.sku), reviews: await this.#views(page, reviewView), next };
  }

  /** A product's rating summary (zeros when it has no approved review). */
  async summary(sku: string): Promise<ProductSummary> {
    return new ReviewsRepository(this.ctx.db).summary(sku);
  }

  /**
   * A customer's own reviews, newest first: for head office (deleted ones too, the admin view) or, in the author's
   * view, a store that may read the customer's profile (mayReadProfile; a kiosk's card scan alone is not enough).
   */
  async ofCustomer(caller: Principal, rawCustomerId: string): Promise<(ReviewAdminView | ReviewAuthorView)[]> {
    const customerId = rawCustomerId.toLowerCase();
    if (isHeadOffice(caller)) await this.access.check(caller, customerId);
    else await this.access.checkRead(caller, customerId);
    const office = isHeadOffice(caller);
    const rows = await new ReviewsRepository(this.ctx.db).ofCustomer(customerId, office, CUSTOMER_LIST_MAX);
    return office ? this.#views(rows, reviewAdminView) : this.#views(rows, reviewAuthorView);
  }

  async #mustGet(q: Queryable, id: string): Promise<ReviewRecord> {
    const r = await new ReviewsRepository(q).get(id);
    if (!r) throw new NotFoundError('review', id);
    return r;
  }

  async #adminView(r: ReviewRecord): Promise<ReviewAdminView> {
    return (await this.#views([r], reviewAdminView))[0]!;
  }

  async #authorView(r: ReviewRecord): Promise<ReviewAuthorView> {
    return (await this.#views([r], reviewAuthorView))[0]!;
  }

  /** Views of `rows` with their photos (asked only for reviews that have some) and the brand's answers. */
  async #views<V>(rows: readonly ReviewRecord[], make: (r: ReviewRecord, x: ReviewExtras) => V): Promise<V[]> {
    if (rows.length === 0) return [];
    const withPhotos = rows.filter((r) => r.photoCount > 0).map((r) => r.id);
    const photos = withPhotos.length > 0 ? await this.photos.ofReviews(this.ctx.db, withPhotos) : new Map();
    const responses = await this.engagement().responses(rows.map((r) => r.id));
    return rows.map((r) => make(r, { photos, responses }));
  }
}

function scoring(v: Pick<FraudVerdict, 'score' | 'reasons' | 'modelVersion'>) {
  return { fraudScore: v.score, fraudReasons: v.reasons, modelVersion: v.modelVersion };
}

/** The draft with its uuids in their canonical (lowercase) form: one customer, one lock, one set of limits. */
function canonical(d: ReviewDraft): ReviewDraft {
  return { ...d, customerId: d.customerId.toLowerCase(), photoIds: d.photoIds.map((p) => p.toLowerCase()) };
}

/** True only when a store's own credential (its kiosk) writes: decided from who signed in, never from a device id. */
function viaStore(caller: Principal): boolean {
  return caller.kind === 'store';
}

const SEVERITY: Record<FraudDecision, number> = { APPROVED: 0, MANUAL_REVIEW: 1, REJECTED: 2 };

/**
 * What an edit's verdict becomes: it may keep or worsen the review's hold, never lift it. A review a moderator has
 * yet to look at (a fraud hold, or queued by reports) stays MANUAL_REVIEW even when the new text scores clean; the
 * held reasons stay beside the new ones (the heavier of each code) and the score is the higher of the two.
 */
function keptHold(
  before: { status: ReviewStatus; fraudScore: number; fraudReasons: ReviewRecord['fraudReasons'] },
  verdict: FraudVerdict,
): { decision: FraudDecision; score: number; reasons: FraudVerdict['reasons']; modelVersion: number | null } {
  const hold: FraudDecision = before.status === 'MANUAL_REVIEW' ? 'MANUAL_REVIEW' : 'APPROVED';
  if (SEVERITY[verdict.decision] >= SEVERITY[hold]) return verdict;
  const byCode = new Map(before.fraudReasons.map((r) => [r.code, r]));
  for (const r of verdict.reasons) {
    const old = byCode.get(r.code);
    if (!old || r.weight >= old.weight) byCode.set(r.code, r);
  }
  return {
    decision: hold,
    score: Math.max(before.fraudScore, verdict.score),
    reasons: [...byCode.values()].sort((a, b) => b.weight - a.weight),
    modelVersion: verdict.modelVersion,
  };
}
