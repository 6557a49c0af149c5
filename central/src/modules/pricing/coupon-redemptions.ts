import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CouponsRepository, type RedemptionRow } from './coupons-repository.js';
import { announce, nextRevision } from './revision.js';

/**
 * Records coupons as used, in the caller's transaction (a store's `coupon.redeemed` events, an order's insert, a Scan &
 * Go payment): the first redemption of a coupon id is recorded with a new pricing revision and ONE `pricing.changed`
 * notice for the whole call, so every store hears and refuses it; a later redemption by another sale is a double for
 * head office (`first: false`); the same sale's redemption again is the one already recorded (`first: true`, nothing
 * written), so a repeated event or a retried call changes nothing. A coupon a Scan & Go payment holds (being charged)
 * is that payment's: another sale's redemption of it is a double.
 */
export async function recordRedemptions(
  q: Queryable,
  ctx: HubContext,
  redemptions: readonly RedemptionRow[],
): Promise<{ couponId: string; first: boolean }[]> {
  const repo = new CouponsRepository(q);
  const recordedAt = ctx.now();
  let revision: number | null = null;
  const out: { couponId: string; first: boolean }[] = [];
  for (const r of redemptions) {
    const existing = await repo.redemption(r.couponId);
    if (existing) {
      const same = existing.saleId === r.saleId;
      if (!same) await repo.insertDouble(r, recordedAt);
      out.push({ couponId: r.couponId, first: same });
      continue;
    }
    // A Scan & Go payment holds it while the customer's card is charged: the coupon is theirs (an order placed
    // meanwhile is refused; a lane that took it offline is a double), unless this is that payment.
    const holder = await repo.holder(r.couponId);
    if (holder !== undefined && holder !== r.saleId) {
      await repo.insertDouble(r, recordedAt);
      out.push({ couponId: r.couponId, first: false });
      continue;
    }
    revision ??= await nextRevision(q);
    if (await repo.insertFirst(r, recordedAt, revision)) out.push({ couponId: r.couponId, first: true });
    else {
      // Another transaction recorded it between the read and the insert (Postgres waited for it): a double unless
      // it was this very sale.
      const now = await repo.redemption(r.couponId);
      const same = now?.saleId === r.saleId;
      if (!same) await repo.insertDouble(r, recordedAt);
      out.push({ couponId: r.couponId, first: same });
    }
  }
  if (revision !== null) await announce(q, ctx.feed, revision);
  return out;
}

/**
 * Gives back the coupons `saleId` redeemed (an order that failed or was cancelled), in the caller's transaction: each
 * becomes usable again, with a new pricing revision and ONE `pricing.changed` notice, so every store hears it and
 * drops its copy. A coupon this sale does not hold (never redeemed by it, released already, someone else's) is left
 * alone, so a repeated call changes nothing. Returns the coupon ids released.
 */
export async function releaseRedemptions(
  q: Queryable,
  ctx: HubContext,
  couponIds: readonly string[],
  saleId: string,
): Promise<string[]> {
  const repo = new CouponsRepository(q);
  if (!(await repo.heldBy(couponIds, saleId)).length) return [];
  // The revision (and its lock, which every redemption takes before it writes) first, then what is held under it.
  const revision = await nextRevision(q);
  const held = await repo.heldBy(couponIds, saleId);
  for (const couponId of held) await repo.release(couponId, revision);
  await announce(q, ctx.feed, revision);
  return held;
}
