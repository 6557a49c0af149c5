import type { ReviewFraudReason, ReviewSort, ReviewStatus } from '@storefleet/shared';

export type { ReviewFraudReason, ReviewSort, ReviewStatus };

/** Where a write came from, for the rate limits and the fraud rules (never shown to other customers). */
export interface ReviewClient {
  /** The customer's address as the web/app backend saw it (`client.ip` in the body), else the caller's own address. */
  readonly ip: string | null;
  /** The customer's device or the kiosk (`client.deviceId`), when known. */
  readonly deviceId: string | null;
}

/** One reason of a fraud score: which rule or model, how much it weighs (0..1), and a sentence for the moderator. */
export interface FraudReasonEntry {
  readonly code: ReviewFraudReason;
  readonly weight: number;
  readonly detail: string;
}

/** What scoring is told of a review being submitted or edited. */
export interface FraudInput {
  /** Set for an edit (its own earlier text is no near-duplicate of itself). */
  readonly reviewId: string | null;
  readonly sku: string;
  readonly customerId: string;
  /** The customer's account creation time (epoch ms), or null when the customers module does not know them. */
  readonly customerSince: number | null;
  readonly rating: number;
  readonly title: string;
  readonly body: string;
  readonly verified: boolean;
  readonly client: ReviewClient;
  /**
   * True when a store's own credential wrote it (its kiosk: one shared device and address for every shopper), decided
   * from who signed in — never from the device id a caller sends. Absent or false for head office.
   */
  readonly viaStore?: boolean;
  /** Epoch ms: the hub's clock at submit. */
  readonly at: number;
}

export type FraudDecision = 'APPROVED' | 'MANUAL_REVIEW' | 'REJECTED';

/** What scoring answers: the combined score (0..1), where it routes the review, and why. */
export interface FraudVerdict {
  readonly score: number;
  readonly decision: FraudDecision;
  /** Every rule or model that said something (weight > 0), heaviest first. */
  readonly reasons: readonly FraudReasonEntry[];
  /** The text model's version that scored it, or null when there was none (rules only). */
  readonly modelVersion: number | null;
  /** The text's MinHash signature, kept with the review for later near-duplicate checks. */
  readonly signature: Uint32Array;
}

/** A photo of a review, as callers see it (the bytes at `url`). */
export interface ReviewPhoto {
  readonly id: string;
  readonly mediaType: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly url: string;
}

/** The brand's or head office's answer to a review. */
export interface ReviewResponse {
  readonly body: string;
  /** The name shown ("Acme Coffee", "Customer Care"). */
  readonly as: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A review as every signed-in caller may read it (approved reviews only, unless it is the caller's own or an admin). */
export interface ReviewView {
  readonly id: string;
  readonly sku: string;
  readonly rating: number;
  readonly title: string;
  readonly body: string;
  /** "Ana P." */
  readonly author: string;
  readonly status: ReviewStatus;
  readonly verified: boolean;
  readonly photos: readonly ReviewPhoto[];
  readonly helpful: number;
  readonly unhelpful: number;
  readonly response: ReviewResponse | null;
  /** 1 = never edited. */
  readonly revision: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What head office (and the author, for their own) sees besides: the customer, the scoring, the moderation. */
export interface ReviewAdminView extends ReviewView {
  readonly customerId: string;
  readonly fraud: {
    readonly score: number;
    readonly reasons: readonly FraudReasonEntry[];
    readonly modelVersion: number | null;
  };
  readonly client: ReviewClient;
  readonly reportsOpen: number;
  readonly moderation: { readonly by: string; readonly at: number; readonly note: string | null } | null;
}

/** One earlier text of a review. */
export interface ReviewRevision {
  readonly revision: number;
  readonly rating: number;
  readonly title: string;
  readonly body: string;
  readonly photoIds: readonly string[];
  readonly writtenAt: number;
}

/** A product's rating summary: approved reviews only. */
export interface ProductSummary {
  readonly sku: string;
  readonly count: number;
  /** Mean rating, 0 when there is none. */
  readonly average: number;
  /** (C·m + Σ ratings) / (C + count), m = the mean over every product's approved reviews, C = BAYES_PRIOR_WEIGHT. */
  readonly bayesian: number;
  /** Approved reviews with 1★…5★. */
  readonly histogram: readonly [number, number, number, number, number];
  readonly verified: number;
  readonly withPhotos: number;
  readonly revision: number;
  readonly updatedAt: number;
}

/** How a product's reviews are listed. */
export interface ReviewListQuery {
  readonly sku: string;
  readonly sort: ReviewSort;
  readonly verifiedOnly: boolean;
  readonly withPhotos: boolean;
  /** Only this many stars. */
  readonly rating: number | null;
  readonly limit: number;
  /** The page's cursor (from the previous page's `next`). */
  readonly after: string | null;
}

/** What a write of a review carries (submit or edit). */
export interface ReviewDraft {
  readonly customerId: string;
  readonly rating: number;
  readonly title: string;
  readonly body: string;
  /** Photos uploaded first by the same customer (at most MAX_PHOTOS), in the order shown. */
  readonly photoIds: readonly string[];
  readonly client: ReviewClient;
}

/** A text model version as the console lists it. */
export interface ModelRun {
  readonly version: number;
  readonly state: 'TRAINING' | 'ACTIVE' | 'RETIRED' | 'FAILED';
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** {rows, fromModeration, features, trainMs, cv: {accuracy, f1, …}} */
  readonly summary: Record<string, unknown>;
  readonly error: string | null;
}

/** A review's text at most this long (characters), its title this long. */
export const MAX_BODY = 5_000;
export const MAX_TITLE = 120;
export const MIN_BODY = 10;
/** Photos per review, and bytes per photo. */
export const MAX_PHOTOS = 6;
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
/** The prior's weight in the Bayesian average (as if each product had this many reviews at the catalog's mean). */
export const BAYES_PRIOR_WEIGHT = 10;
/** The rate limits: writes (new or edited) of one product's review per customer per 30 days; new reviews per day. */
export const WRITES_PER_PRODUCT = 5;
export const WRITES_PER_PRODUCT_WINDOW_MS = 30 * 86_400_000;
export const REVIEWS_PER_DAY = 10;
export const REVIEWS_PER_DAY_WINDOW_MS = 86_400_000;
/** Where a score routes a review: at or above REJECT_AT refused, at or above MANUAL_AT to a moderator. */
export const MANUAL_AT = 0.5;
export const REJECT_AT = 0.85;
