import { AppError, ConflictError, ValidationError } from '@storefleet/shared';
import type { HubPricer } from '../../kernel/ports/pricing.js';
import type { NewOrder } from './order-saga.js';
import type { OrderLine } from './types.js';

/** What an order's answer may say of a coupon code: its last 6 characters, never the whole (a code is a bearer token). */
export function maskedCode(code: string): string {
  const c = code.trim();
  return c.length <= 6 ? '…' : `…${c.slice(-6)}`;
}

/** An order priced through PRICING: its lines, its totals, and what its insert must do (redeem its coupons). */
export interface PricedOrder {
  readonly lines: OrderLine[];
  readonly priced: NonNullable<NewOrder['priced']> & { currency: string };
  readonly inInsert: NonNullable<NewOrder['inInsert']>;
}

/**
 * The order's lines and totals through PRICING, and what its insert must do (redeem its coupons); null without a
 * pricing module (then an order with coupons is refused: nobody could check them). A coupon the pricer refused is a 409
 * when it was used, else a 422, naming it by its id (`<promotion>:<serial>`) or, for a code that is no coupon, by its
 * last characters — never the whole code; nothing is created. A basket the engine cannot price (over its unit limit)
 * is the pricer's 422.
 */
export async function priceOrder(
  pricer: HubPricer | undefined,
  input: { lines: OrderLine[]; storeId: string | null; member: boolean; coupons: readonly string[] },
): Promise<PricedOrder | null> {
  if (!pricer) {
    if (input.coupons.length)
      throw new AppError('unprocessable', 'this hub does not price orders (no pricing module): leave coupons out');
    return null;
  }
  if (new Set(input.coupons).size !== input.coupons.length) throw new ValidationError('each coupon may appear once');
  const basket = await pricer.priceLines({
    lines: input.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    storeId: input.storeId,
    member: input.member,
    coupons: input.coupons,
  });
  for (const c of basket.coupons) {
    if (c.status === 'APPLIED') continue;
    const name = c.couponId ?? maskedCode(c.code);
    const detail = { coupon: maskedCode(c.code), couponId: c.couponId, refusal: c.refusal ?? null };
    if (c.refusal === 'USED') throw new ConflictError(`coupon ${name} has been used already`, detail);
    throw new AppError('unprocessable', `coupon ${name} cannot be used: ${c.message}`, detail);
  }
  const bySku = new Map(basket.lines.map((l) => [l.sku, l]));
  const lines = input.lines.map((l) => {
    const p = bySku.get(l.sku);
    return p ? { ...l, unitPriceMinor: p.unitPriceMinor, discountMinor: p.discountMinor } : l;
  });
  const discountOf = (promotionId: string) =>
    basket.promotions.find((p) => p.promotionId === promotionId)?.discountMinor ?? 0;
  const coupons = basket.coupons.flatMap((c) => {
    if (!c.couponId) return [];
    const promotionId = c.couponId.slice(0, c.couponId.lastIndexOf(':'));
    return [{ couponId: c.couponId, promotionId, discountMinor: discountOf(promotionId) }];
  });
  return {
    lines,
    priced: {
      currency: basket.currency,
      subtotalMinor: basket.subtotalMinor,
      taxMinor: basket.taxMinor,
      totalMinor: basket.totalMinor,
      discountMinor: basket.discountMinor,
      promotions: basket.promotions.map((p) => ({
        promotionId: p.promotionId,
        name: p.name,
        discountMinor: p.discountMinor,
      })),
      coupons,
    },
    inInsert: async (tx, orderId, now) => {
      if (!coupons.length) return;
      const taken = await pricer.redeem(
        tx,
        coupons.map((c) => ({ ...c, saleId: orderId, storeId: input.storeId, at: now })),
      );
      const used = taken.find((t) => !t.first);
      if (used) {
        const code = basket.coupons.find((c) => c.couponId === used.couponId)?.code;
        throw new ConflictError(`coupon ${used.couponId} has been used already`, {
          coupon: code === undefined ? null : maskedCode(code),
          couponId: used.couponId,
          refusal: 'USED',
        });
      }
    },
  };
}
