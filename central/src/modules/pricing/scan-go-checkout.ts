import { randomInt } from 'node:crypto';
import {
  AppError,
  cartDocId,
  cartQty,
  ConflictError,
  feedEntry,
  NotFoundError,
  type PricedBasket,
  setCartQty,
  signExitToken,
  UnprocessableError,
  type CartDoc,
  uuidv7,
} from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { PAYMENTS, PaymentTimeoutError, type PaymentProvider } from '../../kernel/ports/payments.js';
import { recordRedemptions } from './coupon-redemptions.js';
import type { HubPricerService } from './hub-pricer.js';
import type { ScanGo, ScanGoSession } from './scan-go.js';
import { SCAN_GO_ACTOR } from './scan-go-actor.js';
import { ScanGoRepository, type ScanGoRow } from './scan-go-repository.js';
import type { SigningKeys } from './signing-keys.js';

/** A CHARGING session is asked about at the provider once this old (the checkout itself may still be waiting). */
const SETTLE_AFTER_MS = 30_000;
/** A payment the provider still knows nothing of after this long is given up (voided to be safe). */
const UNKNOWN_GIVE_UP_MS = 10 * 60_000;
const BATCH = 50;

/**
 * The checkout of a Scan & Go session (state diagram in schema/003_scan_go.sql): priced at the session's store, the
 * session recorded CHARGING (a durable to-do, its coupons held: schema/005) before PAYMENTS is asked (key = the
 * session id and the attempt: a retry of an attempt never charges twice, the next attempt after a decline or a void
 * is a new payment), authorised then captured; then in ONE transaction: PAID, the coupons redeemed, the store's `scango.paid`
 * entry, the exit token; after commit the paid lines leave the cart. A declined card puts the session back to
 * SHOPPING (422); no answer leaves it CHARGING for `settle`.
 */
export class ScanGoCheckout {
  constructor(
    readonly ctx: HubContext,
    readonly pricer: HubPricerService,
    readonly keys: SigningKeys,
    readonly scanGo: ScanGo,
  ) {}

  #payments(): PaymentProvider {
    const p = this.ctx.services.find(PAYMENTS);
    if (!p)
      throw new AppError(
        'unavailable',
        'no payment provider is configured: Scan & Go checkouts cannot be paid until the hub has one',
      );
    return p;
  }

  async checkout(id: string, coupons: readonly string[]): Promise<ScanGoSession> {
    const s = await this.scanGo.session(id);
    if (s.status === 'PAID') return this.scanGo.view(s, true);
    if (s.status !== 'SHOPPING')
      throw new ConflictError(
        s.status === 'CHARGING'
          ? `scan & go session ${id} is being paid for: ask for the session again in a moment`
          : `scan & go session ${id} was cancelled`,
        { sessionStatus: s.status },
      );
    const payments = this.#payments();
    this.keys.assertCanSign(); // before anything is charged: a hub that cannot sign the exit token takes no money
    const cart = await this.scanGo.cartLines(s.customerId);
    if (cart.overBounds) throw new ConflictError(cart.overBounds);
    if (!cart.lines.length) throw new UnprocessableError(`scan & go session ${id} has nothing scanned to pay for`);
    const basket = await this.scanGo.priceCart(s, coupons).catch((err: unknown) => {
      // the session exists: a line whose product left the catalog is the basket's problem (409), not a 404
      if (err instanceof NotFoundError && err.extra.entity === 'product')
        throw new ConflictError(`${String(err.extra.id)} is no longer sold: remove it from the basket to pay`, {
          sku: err.extra.id,
        });
      throw err;
    });
    const refused = basket.coupons.filter((c) => c.status === 'REFUSED');
    if (refused.length)
      // named by coupon id (or the code's last 6), never the whole code: an answer may be kept and shown again
      throw new UnprocessableError(
        `coupon refused: ${refused.map((c) => `${couponName(c)} (${c.message})`).join('; ')}`,
        { coupons: refused.map((c) => ({ coupon: couponName(c), refusal: c.refusal ?? null, message: c.message })) },
      );
    const repo = this.scanGo.repo();
    const started = await this.#startCharging(id, basket);
    if (!started) return this.checkout(id, coupons); // another checkout won meanwhile: answer as it stands
    if (basket.totalMinor === 0) return this.#finish(id, `free:${id}`);
    const key = paymentKey(id, started.attempt);
    let answer: Awaited<ReturnType<PaymentProvider['authorise']>>;
    try {
      answer = await payments.authorise({ key, amountMinor: basket.totalMinor, currency: basket.currency });
    } catch (err) {
      if (err instanceof AppError) {
        // Nothing was asked of any provider (none is configured): the customer can try again later.
        await repo.backToShopping(id, this.ctx.now());
        throw err.status >= 500 ? err : new AppError('unavailable', err.message);
      }
      if (!(err instanceof PaymentTimeoutError))
        this.ctx.log.warn({ err, sessionId: id }, 'scan & go payment failed; settle asks the provider again');
      return this.#pending(id);
    }
    if (!answer.approved) {
      await repo.backToShopping(id, this.ctx.now());
      throw new UnprocessableError(`the card was declined: ${answer.reason}; nothing was charged`, {
        declined: true,
        status: 'SHOPPING',
      });
    }
    try {
      await payments.capture(key);
    } catch (err) {
      this.ctx.log.warn({ err, sessionId: id }, 'scan & go payment approved but not captured yet; settle captures it');
      return this.#pending(id);
    }
    return this.#finish(id, answer.ref);
  }

  /**
   * SHOPPING → CHARGING in one transaction with the basket's coupons held (an online hub never lets one coupon pay
   * for two baskets): a coupon another sale redeemed or another session is paying with refuses the checkout (409
   * naming it by its id), nothing changed and nothing charged. null: another checkout of this session won.
   */
  async #startCharging(id: string, basket: PricedBasket): Promise<{ attempt: number } | null> {
    const couponIds = [
      ...new Set(basket.coupons.flatMap((c) => (c.status === 'APPLIED' && c.couponId ? [c.couponId] : []))),
    ];
    const now = this.ctx.now();
    let taken: string[] = [];
    const started = await this.ctx.db
      .transaction(async (tx) => {
        const r = await new ScanGoRepository(tx).startCharging(id, basket, uuidv7(now), couponIds, now);
        if (r && 'taken' in r) {
          taken = r.taken;
          throw new CouponsTaken();
        }
        return r;
      })
      .catch((err: unknown) => {
        if (err instanceof CouponsTaken) return 'taken' as const;
        throw err;
      });
    if (started === 'taken')
      throw new ConflictError(
        `coupon ${taken.join(', ')} is already used, or paying for another basket: take it off and check out again; nothing was charged`,
        { coupons: taken, status: 'SHOPPING' },
      );
    return started;
  }

  async #pending(id: string): Promise<ScanGoSession> {
    const s = await this.scanGo.session(id);
    if (s.status === 'PAID') return this.scanGo.view(s, true);
    return {
      ...(await this.scanGo.view(s, false)),
      message:
        'the payment provider has not answered yet: the basket stays as it is while it does; ask for the session again in a minute',
    };
  }

  /** CHARGING → PAID, in one transaction with the coupons, the store's feed entry and the exit token. */
  async #finish(id: string, paymentRef: string): Promise<ScanGoSession> {
    const key = await this.keys.current(); // read before the transaction (PGlite has one connection)
    const now = this.ctx.now();
    const tuning = this.ctx.settings.tuning;
    const audit = randomInt(100) < tuning.scanGoAuditPercent;
    const paid = await this.ctx.db.transaction(async (tx) => {
      const repo = new ScanGoRepository(tx);
      const s = await repo.get(id);
      if (s?.status !== 'CHARGING' || !s.charging || !s.saleId) return null;
      const basket = s.charging;
      const exitToken = signExitToken(key.privateKey, {
        keyId: key.keyId,
        sessionId: s.id,
        storeId: s.storeId,
        itemCount: basket.itemCount,
        totalMinor: basket.totalMinor,
        issuedAt: now,
        validUntil: now + tuning.scanGoExitMinutes * 60_000,
        audit,
      });
      if (!(await repo.markPaid(id, { paymentRef, exitToken, audit, at: now }))) return null;
      const applied = basket.coupons.filter((c) => c.status === 'APPLIED' && c.couponId);
      if (applied.length) {
        // redeemed now (stores hear it), so the hold the charge took ends with this transaction
        await repo.releaseCoupons(id);
        await recordRedemptions(
          tx,
          this.ctx,
          applied.map((c) => {
            const promotionId = c.couponId!.split(':')[0]!;
            return {
              couponId: c.couponId!,
              promotionId,
              saleId: s.saleId!,
              storeId: s.storeId,
              discountMinor: basket.promotions.find((p) => p.promotionId === promotionId)?.discountMinor ?? 0,
              at: now,
            };
          }),
        );
      }
      await this.ctx.feed.append(tx, s.storeId, [
        feedEntry('scango.paid', paidEntry(s, basket, paymentRef, now, await this.scanGo.customer(s.customerId, tx))),
      ]);
      return s;
    });
    const s = await this.scanGo.session(id);
    if (paid) await this.#takeFromCart(paid.customerId, paid.charging!);
    return this.scanGo.view(s, true);
  }

  /** The paid lines leave the cart (what was scanned after checkout began stays). */
  async #takeFromCart(customerId: string, basket: PricedBasket): Promise<void> {
    await this.ctx.docs
      .change<CartDoc>(SCAN_GO_ACTOR, cartDocId(customerId), (d) => {
        for (const l of basket.lines) setCartQty(d, l.sku, cartQty(d, l.sku) - l.qty);
      })
      .catch((err: unknown) =>
        this.ctx.log.warn({ err, customerId }, 'the paid scan & go lines could not be taken out of the cart'),
      );
  }

  /**
   * Settles CHARGING sessions a timeout or a crash left (asked at the provider once 30 s old): approved → captured
   * and PAID; declined, voided or refunded → SHOPPING; unknown after 10 minutes → voided to be safe and SHOPPING.
   */
  async settle(): Promise<void> {
    const payments = this.ctx.services.find(PAYMENTS);
    if (!payments) return;
    const now = this.ctx.now();
    for (const s of await this.scanGo.repo().chargingSince(now - SETTLE_AFTER_MS, BATCH)) {
      try {
        await this.#settleOne(payments, s, now);
      } catch (err) {
        this.ctx.log.warn({ err, sessionId: s.id }, 'settling a scan & go payment failed; the next round retries');
      }
    }
  }

  async #settleOne(payments: PaymentProvider, s: ScanGoRow, now: number): Promise<void> {
    if ((s.totalMinor ?? 0) === 0) {
      await this.#finish(s.id, `free:${s.id}`);
      return;
    }
    const key = paymentKey(s.id, s.attempt);
    const status = await payments.status(key);
    if (status === 'APPROVED' || status === 'CAPTURED') {
      if (status === 'APPROVED') await payments.capture(key);
      await this.#finish(s.id, key);
    } else if (status === 'UNKNOWN' && now - (s.chargingSince ?? now) < UNKNOWN_GIVE_UP_MS) {
      return;
    } else {
      if (status === 'UNKNOWN') await payments.void(key);
      await this.scanGo.repo().backToShopping(s.id, now);
    }
  }
}

/** Thrown inside the CHARGING transaction to roll it back when a coupon is taken. */
class CouponsTaken extends Error {}

/**
 * The payment's key for a checkout attempt: each attempt is its own payment, so after a decline or a voided payment
 * the next attempt is not answered with the first one's outcome. Attempt 0: a session charged before attempts were
 * counted (its key was the session id).
 */
export function paymentKey(sessionId: string, attempt: number): string {
  return attempt > 0 ? `${sessionId}:${attempt}` : sessionId;
}

/** The store's copy of a paid basket (shared/src/protocol/pricing.ts `scango.paid`). */
function paidEntry(
  s: ScanGoRow,
  basket: PricedBasket,
  paymentRef: string,
  paidAt: number,
  customer: { card: string | null } | undefined,
) {
  if (!s.saleId) throw new NotFoundError('sale of session', s.id);
  const lines = basket.lines.map((l) => ({
    sku: l.sku,
    name: l.name ?? l.sku,
    qty: l.qty,
    unitPriceMinor: l.unitPriceMinor,
    taxClass: l.taxClass,
    discountMinor: l.discountMinor,
    subtotalMinor: l.netMinor,
    taxMinor: l.taxMinor,
  }));
  const subtotalMinor = lines.reduce((n, l) => n + l.subtotalMinor, 0);
  const taxMinor = lines.reduce((n, l) => n + l.taxMinor, 0);
  return {
    sessionId: s.id,
    saleId: s.saleId,
    storeId: s.storeId,
    currency: basket.currency,
    paidAt,
    lines,
    subtotalMinor,
    taxMinor,
    totalMinor: subtotalMinor + taxMinor,
    paymentRef: paymentRef.slice(0, 128),
    ...(customer?.card && /^29\d{14}$/.test(customer.card) ? { customerCard: customer.card } : {}),
    ...(basket.promotions.length
      ? {
          promotions: basket.promotions.map((p) => ({
            promotionId: p.promotionId,
            name: p.name.slice(0, 120),
            discountMinor: p.discountMinor,
          })),
        }
      : {}),
  };
}

/** A coupon as an answer may name it: its id (`<promotion>:<serial>`), else the code's last 6 characters. */
const couponName = (c: { readonly couponId: string | null; readonly code: string }): string =>
  c.couponId ?? `…${c.code.slice(-6)}`;
