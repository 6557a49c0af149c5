import { z } from 'zod';
import { COUPON_REFUSALS, FULFILMENT_TYPES, PROMOTION_KINDS } from '@storefleet/shared';

/**
 * What the cart routes answer, as the OpenAPI document promises it (issue #26): web and app teams generate clients
 * from these, and `central/tests/openapi-responses.test.ts` validates real answers against them. The answers are built
 * by `cartView` (shared/src/cart.ts) and the pricing engine, whose interfaces (`CartView`, `PricedBasket`) stay the
 * source of the types; a field renamed there fails that test, not a client.
 */

const money = z.number().int().min(0);
const currency = z.string().regex(/^[A-Z]{3}$/);

const cartLine = z.strictObject({
  sku: z.string(),
  name: z.string(),
  qty: z.number().int().min(1),
  unitPriceMinor: money,
  currency,
  taxClass: z.string(),
  /** qty × unitPriceMinor, before any promotion (`priced` has the discounts). */
  totalMinor: money,
});

/** The cart after any change (a line added, a quantity set, a line removed, a fulfilment chosen). */
export const cartAnswer = z.strictObject({
  customerId: z.string(),
  lines: z.array(cartLine),
  itemCount: z.number().int().min(0),
  subtotalMinor: money,
  fulfilment: z.strictObject({ type: z.enum(FULFILMENT_TYPES), storeId: z.string().nullable() }),
  /** Lines left out because they do not parse or pass the cart's bounds; absent when there are none. */
  skipped: z.array(z.strictObject({ line: z.string(), problem: z.string() })).optional(),
  /** Why the cart cannot be checked out as it is (merged edits took it past a bound); absent when within them. */
  overBounds: z.string().optional(),
});

const linePromotion = z.strictObject({
  promotionId: z.string(),
  name: z.string(),
  discountMinor: money,
  explanation: z.string(),
});

/** The basket as the pricing module prices it at the cart's fulfilment store (`PricedBasket`). */
export const pricedBasketAnswer = z.strictObject({
  currency,
  at: z.number().int(),
  rulesRevision: z.number().int(),
  lines: z.array(
    z.strictObject({
      sku: z.string(),
      name: z.string().optional(),
      qty: z.number().int().min(1),
      unitPriceMinor: money,
      priceBookId: z.string().nullable(),
      member: z.boolean(),
      taxClass: z.string(),
      grossMinor: money,
      discountMinor: money,
      netMinor: money,
      taxMinor: money,
      totalMinor: money,
      promotions: z.array(linePromotion),
    }),
  ),
  grossMinor: money,
  discountMinor: money,
  subtotalMinor: money,
  taxMinor: money,
  totalMinor: money,
  itemCount: z.number().int().min(0),
  promotions: z.array(
    z.strictObject({
      promotionId: z.string(),
      name: z.string(),
      kind: z.enum(PROMOTION_KINDS),
      discountMinor: money,
      skus: z.array(z.string()),
      explanation: z.string(),
      lowersTotal: z.boolean().optional(),
    }),
  ),
  coupons: z.array(
    z.strictObject({
      code: z.string(),
      couponId: z.string().nullable(),
      status: z.enum(['APPLIED', 'REFUSED']),
      refusal: z.enum(COUPON_REFUSALS).optional(),
      message: z.string(),
    }),
  ),
});

/**
 * A cart read: the cart, and `priced` (null in a hub without a pricing module, or when the cart cannot be priced just
 * now, `pricedProblem` then saying why: the cart is read anyway).
 */
export const pricedCartAnswer = cartAnswer.extend({
  priced: pricedBasketAnswer.nullable(),
  pricedProblem: z.string().optional(),
});
