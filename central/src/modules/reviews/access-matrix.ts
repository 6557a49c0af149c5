import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

/**
 * Who may call the reviews routes; see `central/src/kernel/access-matrix.ts` for the roles.
 *
 * Approved reviews, summaries and photos are read by anyone signed in (web/app backends, stores, associates). A write
 * for a customer — a review, an edit, a delete, a photo, a vote, a report — and a customer's own list and revisions
 * come from head office (the web/app backend's service account acts for its signed-in customer) or from a store's
 * own credential (its kiosk) for a customer that store deals with (another store: 404, as if the customer did not
 * exist). People at a store write no review for a customer. Responses, moderation and the text model are head
 * office's.
 */
const PUBLIC = 'allow allow allow allow allow allow allow';
const SIGNED_IN = 'deny  allow allow allow allow allow allow';
const ADMIN = 'deny  allow deny  deny  deny  deny  deny';
const FOR_CUSTOMER = 'deny  allow deny  deny  allow deny  deny';
const STORES = 'deny  allow deny  deny  allow allow deny';

export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/reviews/*', PUBLIC, 'console files hold no data'],
  [
    'POST',
    '/api/reviews',
    FOR_CUSTOMER,
    'hides existence: a customer’s review of a product (scored, routed, rate-limited)',
  ],
  [
    'GET',
    '/api/reviews/store-products',
    STORES,
    'the stores’ copy (products’ summaries and top reviews) changed after a revision: every store’s, and head office',
  ],
  ['GET', '/api/reviews/products/:sku', SIGNED_IN, 'a product’s approved reviews (filters, sorts, pages) and summary'],
  ['GET', '/api/reviews/products/:sku/summary', SIGNED_IN, 'a product’s rating summary'],
  [
    'GET',
    '/api/reviews/customers/:customerId',
    FOR_CUSTOMER,
    'hides existence: a customer’s own reviews, whatever their status',
  ],
  ['POST', '/api/reviews/photos', FOR_CUSTOMER, 'hides existence: a photo uploaded for a review (streamed body)'],
  ['GET', '/api/reviews/photos/:photoId', SIGNED_IN, 'a photo of an approved review'],
  ['GET', '/api/reviews/moderation', ADMIN, 'the moderation queue with each review’s reasons'],
  ['GET', '/api/reviews/models', ADMIN, 'the text model’s versions and figures'],
  ['POST', '/api/reviews/models/train', ADMIN, 'retrains the text model now (202)'],
  ['GET', '/api/reviews/:reviewId', SIGNED_IN, 'one review (approved; any status for head office or its author)'],
  [
    'PUT',
    '/api/reviews/:reviewId',
    FOR_CUSTOMER,
    'hides existence: the author edits it (the old text kept, scored again)',
  ],
  ['DELETE', '/api/reviews/:reviewId', FOR_CUSTOMER, 'hides existence: the author deletes it'],
  [
    'GET',
    '/api/reviews/:reviewId/revisions',
    FOR_CUSTOMER,
    'hides existence: its earlier texts, for its author or head office',
  ],
  ['POST', '/api/reviews/:reviewId/votes', FOR_CUSTOMER, 'hides existence: a customer’s helpfulness vote'],
  [
    'POST',
    '/api/reviews/:reviewId/reports',
    FOR_CUSTOMER,
    'hides existence: a customer’s report of inappropriate content',
  ],
  ['POST', '/api/reviews/:reviewId/reports/resolve', ADMIN, 'a moderator closes the reports (keeps or removes it)'],
  ['PUT', '/api/reviews/:reviewId/response', ADMIN, 'the brand’s answer'],
  ['DELETE', '/api/reviews/:reviewId/response', ADMIN, 'removes the brand’s answer'],
  ['POST', '/api/reviews/:reviewId/moderation', ADMIN, 'approve or reject with a note'],
]);
