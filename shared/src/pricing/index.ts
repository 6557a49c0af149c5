export * from './engine.js';
export * from './signing.js';
export type * from './types.js';
export { COUPON_REFUSALS, PRICE_BOOK_SCOPES, PROMOTION_KINDS, PROMOTION_STACKING } from './types.js';
