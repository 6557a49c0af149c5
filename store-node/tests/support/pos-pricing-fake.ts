import {
  applyRatePpm,
  type BasketLine,
  type CouponOutcome,
  DEFAULT_TAX_RATES_PPM,
  type LinePromotion,
  money,
  type PricedBasket,
  type PricedLine,
} from '@storefleet/shared';
import type { StorePriceRequest } from '../../src/pricing/index.js';
import type { StoreNode } from '../../src/index.js';

export const THREE_FOR_TWO = '0190a000-0000-7000-8000-000000000001';
export const COUPON_PROMOTION = '0190a000-0000-7000-8000-000000000002';
export const RULES_REVISION = 7;

/**
 * A stand-in for the store's pricing (lane D's `StorePricing`, the shared engine of lane A) with fixed rules, so the
 * till's part is tested on its own: "3 for 2 on cereal" (every third CEREAL free), a member price of $9.00 for
 * HEADPHONES, and coupons `COUPON-<n>` (coupon id `<promotion>:<n>`: $1.00 off HEADPHONES, single use: refused once
 * redeemed here); any other code is refused as forged. `redeem` records the coupons as used and emits
 * `coupon.redeemed` with the sale's emit, as the contract says.
 */
export function fakePricing(node: StoreNode) {
  const used = new Set<string>();
  const redeemed: { couponId: string; saleId: string; discountMinor: number }[] = [];
  const price = (lines: readonly BasketLine[], req: StorePriceRequest): PricedBasket => {
    const coupons: CouponOutcome[] = (req.coupons ?? []).map((code) => {
      const m = /^COUPON-(\d+)$/.exec(code);
      if (!m)
        return {
          code,
          couponId: null,
          status: 'REFUSED',
          refusal: 'FORGED',
          message: 'this code was not issued by us',
        };
      const couponId = `${COUPON_PROMOTION}:${m[1]}`;
      if (used.has(couponId))
        return { code, couponId, status: 'REFUSED', refusal: 'USED', message: 'this coupon was used already' };
      if (!lines.some((l) => l.sku === 'HEADPHONES'))
        return {
          code,
          couponId,
          status: 'REFUSED',
          refusal: 'NOT_APPLICABLE',
          message: 'nothing in the basket for it',
        };
      return { code, couponId, status: 'APPLIED', message: '$1.00 off headphones' };
    });
    const couponOff = coupons.some((c) => c.status === 'APPLIED') ? 100 : 0;
    const priced: PricedLine[] = [...lines]
      .sort((a, b) => (a.sku < b.sku ? -1 : 1))
      .map((l) => {
        const member = req.member && l.sku === 'HEADPHONES';
        const unit = member ? 900 : l.catalogPriceMinor;
        const gross = unit * l.qty;
        const promotions: LinePromotion[] = [];
        const free = l.sku === 'CEREAL' ? Math.floor(l.qty / 3) : 0;
        if (free)
          promotions.push({
            promotionId: THREE_FOR_TWO,
            name: '3 for 2 on cereal',
            discountMinor: free * unit,
            explanation: `3 for 2: ${free} free`,
          });
        if (couponOff && l.sku === 'HEADPHONES')
          promotions.push({
            promotionId: COUPON_PROMOTION,
            name: 'Coupon: $1 off headphones',
            discountMinor: couponOff,
            explanation: '$1.00 off',
          });
        const discount = promotions.reduce((n, p) => n + p.discountMinor, 0);
        const net = gross - discount;
        const tax = applyRatePpm(money(net, 'USD'), DEFAULT_TAX_RATES_PPM[l.taxClass]!).minor;
        return {
          sku: l.sku,
          ...(l.name ? { name: l.name } : {}),
          qty: l.qty,
          unitPriceMinor: unit,
          priceBookId: null,
          member,
          taxClass: l.taxClass,
          grossMinor: gross,
          discountMinor: discount,
          netMinor: net,
          taxMinor: tax,
          totalMinor: net + tax,
          promotions,
        };
      });
    const sum = (f: (l: PricedLine) => number) => priced.reduce((n, l) => n + f(l), 0);
    const applied = new Map<string, { name: string; off: number; skus: string[] }>();
    for (const l of priced)
      for (const p of l.promotions) {
        const a = applied.get(p.promotionId) ?? { name: p.name, off: 0, skus: [] };
        applied.set(p.promotionId, { name: a.name, off: a.off + p.discountMinor, skus: [...a.skus, l.sku] });
      }
    return {
      currency: 'USD',
      at: req.at ?? node.pricing.now(),
      rulesRevision: RULES_REVISION,
      lines: priced,
      grossMinor: sum((l) => l.grossMinor),
      discountMinor: sum((l) => l.discountMinor),
      subtotalMinor: sum((l) => l.netMinor),
      taxMinor: sum((l) => l.taxMinor),
      totalMinor: sum((l) => l.totalMinor),
      itemCount: sum((l) => l.qty),
      promotions: [...applied].map(([promotionId, a]) => ({
        promotionId,
        name: a.name,
        kind: promotionId === THREE_FOR_TWO ? ('MULTI_BUY' as const) : ('AMOUNT_OFF' as const),
        discountMinor: a.off,
        skus: a.skus,
        explanation: a.name,
      })),
      coupons,
    };
  };
  node.pricing.price = price;
  node.pricing.redeem = (emit, redemptions) => {
    for (const r of redemptions) {
      used.add(r.couponId);
      redeemed.push({ couponId: r.couponId, saleId: r.saleId, discountMinor: r.discountMinor });
      emit('coupon.redeemed', r);
    }
  };
  return { used, redeemed };
}
