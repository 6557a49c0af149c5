import {
  AppError,
  couponIdOf,
  NotFoundError,
  partitionByPayload,
  signCoupon,
  uuidv7,
  verifyCoupon,
  type CouponRefusal,
  type EventPayload,
} from '@storefleet/shared';
import type { EventHandler } from '../../kernel/event-handlers.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { recordRedemptions } from './coupon-redemptions.js';
import { type CouponBatch, type CouponDouble, CouponScopeRepository, CouponsRepository } from './coupons-repository.js';
import type { SigningKeys } from './signing-keys.js';

/** At most this many codes in one batch (a bigger campaign issues several). */
export const COUPON_BATCH_MAX = 10_000;

export type CouponStatus = 'VALID' | CouponRefusal;

export interface CouponCheckAnswer {
  readonly couponId: string | null;
  readonly status: CouponStatus;
  readonly promotionId: string | null;
  readonly promotionName: string | null;
  readonly message: string;
  /** For a USED coupon: when and where it was first taken. */
  readonly usedAt?: number;
  readonly usedStoreId?: string | null;
}

export interface IssuedBatch {
  readonly batchId: string;
  readonly promotionId: string;
  readonly count: number;
  readonly firstSerial: number;
  readonly expiresAt: number;
  readonly keyId: string;
  readonly codes: string[];
}

/**
 * Coupons: issuing batches of single-use codes for a coupon promotion (signed with the hub's current key; the codes are
 * answered once and never stored), the batches list, the online check, the redemptions stores report (`coupon.redeemed`:
 * the first is recorded and announced, a later one is a double for head office), and the list of doubles.
 */
export class Coupons {
  constructor(
    readonly ctx: HubContext,
    readonly keys: SigningKeys,
  ) {}

  async issue(
    promotionId: string,
    input: { count: number; expiresAt: number },
    createdBy: string | null,
  ): Promise<IssuedBatch> {
    const now = this.ctx.now();
    if (input.expiresAt <= now) throw new AppError('unprocessable', 'expiresAt must be in the future');
    const key = await this.keys.current();
    const batch = await this.ctx.db.transaction(async (tx) => {
      const repo = new CouponsRepository(tx);
      const p = await repo.promotion(promotionId);
      if (!p || p.deleted) throw new NotFoundError('promotion', promotionId);
      if (!p.couponRequired)
        throw new AppError(
          'unprocessable',
          `promotion "${p.name}" does not require a coupon: make it couponRequired before issuing codes`,
        );
      const firstSerial = await repo.takeSerials(promotionId, input.count);
      const b = {
        batchId: uuidv7(now),
        promotionId,
        firstSerial,
        count: input.count,
        expiresAt: input.expiresAt,
        keyId: key.keyId,
        createdBy,
        createdAt: now,
      };
      await repo.insertBatch(b);
      return b;
    });
    const codes: string[] = [];
    for (let i = 0; i < batch.count; i++)
      codes.push(
        signCoupon(key.privateKey, {
          keyId: key.keyId,
          promotionId,
          serial: batch.firstSerial + i,
          expiresAt: batch.expiresAt,
        }),
      );
    this.ctx.log.info(
      { promotionId, batchId: batch.batchId, count: batch.count, firstSerial: batch.firstSerial, keyId: key.keyId },
      'pricing: coupons issued',
    );
    return {
      batchId: batch.batchId,
      promotionId,
      count: batch.count,
      firstSerial: batch.firstSerial,
      expiresAt: batch.expiresAt,
      keyId: key.keyId,
      codes,
    };
  }

  async batches(promotionId: string): Promise<CouponBatch[]> {
    const repo = new CouponsRepository(this.ctx.db);
    const p = await repo.promotion(promotionId);
    if (!p) throw new NotFoundError('promotion', promotionId);
    return repo.batches(promotionId);
  }

  /** The hub's verdict on a code now: signature, key, expiry, promotion, where (with `storeId`), used. */
  async check(code: string, storeId: string | null): Promise<CouponCheckAnswer> {
    const at = this.ctx.now();
    const v = verifyCoupon(code, await this.keys.publicKeys(), at);
    if (!v.ok) return { couponId: null, status: v.refusal, promotionId: null, promotionName: null, message: v.message };
    const couponId = v.couponId ?? couponIdOf(v.claims);
    const scopes = new CouponScopeRepository(this.ctx.db);
    const p = await scopes.promotion(v.claims.promotionId);
    const base = { couponId, promotionId: v.claims.promotionId, promotionName: p?.name ?? null };
    if (!p || p.deleted || !p.couponRequired)
      return { ...base, status: 'NO_PROMOTION', message: 'this coupon is for a promotion that no longer runs' };
    if (p.to !== null && at >= p.to) return { ...base, status: 'EXPIRED', message: `"${p.name}" has ended` };
    if (at < p.from) return { ...base, status: 'NOT_YET', message: `"${p.name}" has not started yet` };
    if (storeId && (p.storeIds.length > 0 || p.regionIds.length > 0)) {
      const region = await scopes.regionOf(storeId);
      if (!p.storeIds.includes(storeId) && !(region && p.regionIds.includes(region)))
        return { ...base, status: 'NOT_HERE', message: `"${p.name}" does not run at this store` };
    }
    const used = await new CouponsRepository(this.ctx.db).redemption(couponId);
    if (used)
      return {
        ...base,
        status: 'USED',
        message: 'this coupon has been used already',
        usedAt: used.at,
        usedStoreId: used.storeId,
      };
    return { ...base, status: 'VALID', message: `valid for "${p.name}"` };
  }

  async doubles(
    after: { recordedAt: number; couponId: string; saleId: string } | null,
    limit: number,
  ): Promise<{ doubles: CouponDouble[]; next: string | null }> {
    const rows = await new CouponsRepository(this.ctx.db).doubles(after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      doubles: page,
      next:
        rows.length > limit && last
          ? Buffer.from(JSON.stringify([last.recordedAt, last.couponId, last.saleId])).toString('base64url')
          : null,
    };
  }

  /**
   * The `coupon.redeemed` event handler: a store took a coupon (offline too). The event's origin is the store. A coupon
   * id that is not `<promotionId>:<serial>` of its own promotion is refused alone (parked); the rest are recorded.
   */
  redeemedHandler(): EventHandler {
    return async (tx, events) => {
      const { valid, refused } = partitionByPayload('coupon.redeemed', events);
      const rows = [];
      for (const e of valid) {
        const p = e.payload as EventPayload<'coupon.redeemed'>;
        const [promotionId, serial, ...rest] = p.couponId.split(':');
        if (promotionId !== p.promotionId || !/^[0-9]{1,15}$/.test(serial ?? '') || rest.length) {
          refused.push({ seq: e.seq, reason: `couponId ${p.couponId} is not a coupon of promotion ${p.promotionId}` });
          continue;
        }
        rows.push({
          couponId: p.couponId,
          promotionId: p.promotionId,
          saleId: p.saleId,
          storeId: e.origin,
          discountMinor: p.discountMinor,
          at: p.at,
        });
      }
      if (rows.length) await recordRedemptions(tx, this.ctx, rows);
      return refused.length ? { rejected: refused } : undefined;
    };
  }
}
