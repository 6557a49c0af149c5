import { Router } from 'express';
import {
  type ApprovalTarget,
  type ApprovalUse,
  type AuditInput,
  MANAGER_APPROVAL_HEADER,
  OPEN_GATE,
  type StaffGate,
  type StaffOnLane,
} from '../staff/staff-gate.js';
import { z } from 'zod';
import { AppError, ForbiddenError, type ManagerAction, parseOrThrow, skuSchema } from '@storefleet/shared';
import type { Request, Response } from 'express';
import { callerOf } from '../access/screen-guard.js';
import { storeApiDoc } from '../api-doc.js';
import { DEFAULT_REFUND_APPROVAL_OVER_MINOR } from '../config.js';
import type { Emit } from '../sync/store-sync.js';
import { MAX_BASKET_COUPONS } from './basket-pricing.js';
import type { Cashier, LaneCaller, PosService } from './pos-service.js';

/** A sale's id or its number (`S001-03-00123`, as typed or scanned): every route below takes either. */
const saleParam = z.object({ id: z.string().trim().min(1).max(64) }); // a mistyped number is refused in words by resolve()
const qty = z.number().int().min(1).max(999);
const returnItems = z
  .array(z.strictObject({ sku: skuSchema, qty }))
  .min(1)
  .max(100)
  .refine(
    (items) => new Set(items.map((i) => i.sku)).size === items.length,
    'name each sku once, with its whole quantity',
  );
const tender = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('CASH'), givenMinor: z.number().int().min(0).max(100_000_00) }),
  z.strictObject({ kind: z.literal('CARD') }),
]);

/** Coupon codes as the hub signs them: printable `[A-Za-z0-9._-]`, at most 200 characters; five a basket. */
const couponCodesSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._-]+$/, 'a coupon code is letters, digits, dots, dashes and underscores'),
  )
  .max(MAX_BASKET_COUPONS);
const lineBody = z.strictObject({ code: z.string().trim().min(1).max(64), qty: qty.default(1) });
const lineParams = saleParam.extend({ sku: skuSchema });
const qtyBody = z.strictObject({ qty: z.number().int().min(0).max(999) });
const customerCardBody = z.strictObject({ card: z.string().trim().min(1).max(40) });
const couponsBody = z.strictObject({ codes: couponCodesSchema });
const returnBody = z.strictObject({ items: returnItems });
/** Why, in the cashier's words (issue #27): kept on the audit row the console shows. */
const reason = z.string().trim().min(3, 'say why in at least 3 characters').max(200);
const voidBody = z.strictObject({ reason: reason.optional() });
const overrideBody = z.strictObject({ unitPriceMinor: z.number().int().min(0).max(100_000_00), reason });
const drawerBody = z.strictObject({ reason });
/** Who may call every route here: staff screens, and a screen marked as a POS lane (its own lane only). */
const posDoc = { audience: 'staff', screen: 'pos', tag: 'Point of sale' } as const;
const SALE = 'the sale as the lane shows it: lines, totals, promotions, coupons, tenders and its status';

/** The caller's lane, as the screen guard decided it (a POS screen's `sf_lane`, else the node's); only the back office reaches every lane. */
function laneOf(res: Response): LaneCaller {
  const caller = callerOf(res);
  if (caller.lane === undefined) throw new ForbiddenError('this screen is not a till');
  return { lane: caller.lane, anyLane: caller.role === 'lane' };
}

/** What the routes need besides the till (issue #27): the store's refund limit and the cash drawer. */
export interface PosRouteOptions {
  /** A return refunding more than this (minor units) needs a manager's PIN (`STORE_REFUND_APPROVAL_OVER`, default 5000). */
  readonly refundApprovalOverMinor?: number | undefined;
  /** Kicks the cash drawer through the receipt printer; false when no printer is connected. */
  readonly openDrawer?: () => boolean;
}

/** Thrown inside a no-sale's write when no printer took the kick: the audit row goes with it. */
const NO_PRINTER = Symbol('no receipt printer');

/**
 * `print` sends a receipt or slip to the lane's printer with its number as a Code 128 barcode, if a printer is
 * connected (false otherwise: the receipt is on screen).
 */
export function posRoutes(
  pos: PosService,
  printText: (receipt: string, barcode: string | null) => boolean = () => false,
  /** Staff sign-in and manager approvals at the lanes (issue #27; staff/staff-gate.ts). */
  gate: StaffGate = OPEN_GATE,
  options: PosRouteOptions = {},
): Router {
  const r = Router();
  const refundLimit = options.refundApprovalOverMinor ?? DEFAULT_REFUND_APPROVAL_OVER_MINOR;
  /**
   * The caller's lane and the person signed in at it: every write here asks for one (a 401 "sign in" while the store
   * has staff sign-in and nobody is signed in at this lane); null when the store asks for nobody.
   */
  const staffed = (req: Request, res: Response): { by: LaneCaller; person: StaffOnLane | null } => {
    const by = laneOf(res);
    return { by, person: gate.requirePerson(req, by.lane) };
  };
  const cashier = (p: StaffOnLane | null): Cashier | null => (p ? { userId: p.userId, name: p.name } : null);
  /**
   * The manager's approval the request carries for `action` on `target` (null when the store asks for none). A
   * refusal says what would be approved (`managerApproval`: the action and its target), so the page can ask a manager
   * for exactly that and send the call again.
   */
  const approval = (req: Request, action: ManagerAction, target: ApprovalTarget, lane: number): ApprovalUse | null => {
    try {
      return gate.checkApproval(req, action, target, lane);
    } catch (err) {
      if (err instanceof AppError && err.status === 403)
        throw new AppError('forbidden', err.message, { ...err.extra, managerApproval: { action, ...target } });
      throw err;
    }
  };
  /** The audit of an approved action, for its own write (nothing when no approval was asked for). */
  const audit =
    (
      req: Request,
      use: ApprovalUse | null,
      person: StaffOnLane | null,
      entry: Omit<AuditInput, 'actorUserId' | 'approverUserId'>,
    ) =>
    (emit: Emit): void => {
      if (!use) return;
      gate.audit(
        emit,
        { ...entry, actorUserId: person?.userId ?? use.actorUserId, approverUserId: use.approverUserId },
        req.get(MANAGER_APPROVAL_HEADER) ?? undefined,
      );
    };
  // The printer centres the first line itself (the store's name): it goes without the padding that centres it on screen.
  const print = (text: string, barcode: string | null) => printText(text.replace(/^ +/, ''), barcode);
  const saleOf = (params: unknown) => pos.resolve(parseOrThrow(saleParam, params, 'sale id').id);
  /** Which lane this is and the basket the node kept open for it: the POS page asks on load (a reload keeps the basket). */
  r.get(
    '/pos/lane',
    storeApiDoc({
      ...posDoc,
      summary: 'This lane and the basket it left open',
      description:
        'The POS page asks on load, so a reload keeps the basket. `staff` is the person signed in at this lane (null: nobody), `staffSignIn` whether the store asks for one.',
      responses: { 200: 'the lane’s number, its open sale, if any, and who is signed in at it' },
    }),
    (req, res) => {
      const by = laneOf(res);
      // Who is signed in at this lane (issue #27), for the page's header; the page loads before anyone signs in.
      const person = gate.signedIn(req, by.lane);
      res.json({
        ...pos.lane(by),
        staff: person ? { userId: person.userId, name: person.name, role: person.role } : null,
        staffSignIn: gate.enforced(),
      });
    },
  );
  r.post(
    '/pos/sales',
    storeApiDoc({ ...posDoc, summary: 'Open a sale at this lane', responses: { 201: SALE } }),
    (req, res) => {
      const { by, person } = staffed(req, res);
      res.status(201).json(pos.open(by, cashier(person)));
    },
  );
  r.get(
    '/pos/sales/:id',
    storeApiDoc({
      ...posDoc,
      summary: 'A sale by its id or number',
      description: 'The number as typed or scanned (`S001-03-00123`) or the id.',
      params: saleParam,
      responses: { 200: SALE },
    }),
    (req, res) => {
      res.json(pos.view(saleOf(req.params)));
    },
  );
  r.post(
    '/pos/sales/:id/lines',
    storeApiDoc({
      ...posDoc,
      summary: 'Add a scanned or typed product to an open sale',
      description:
        '`code` is a sku or a barcode (GTIN); `qty` defaults to 1. More of a line with a manager’s price override takes the override off (`priceOverrideRemoved`).',
      params: saleParam,
      body: lineBody,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const { by } = staffed(req, res);
      const id = saleOf(req.params);
      const body = parseOrThrow(lineBody, req.body, 'basket line');
      res.json(pos.add(id, body.code, body.qty, by));
    },
  );
  r.put(
    '/pos/sales/:id/lines/:sku',
    storeApiDoc({
      ...posDoc,
      summary: 'Set a line’s quantity in an open sale',
      description:
        'Quantity 0 takes the line off. Another quantity takes off a manager’s price override the line had (it was approved for the quantity then): the answer’s `priceOverrideRemoved` says so.',
      params: lineParams,
      body: qtyBody,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const { by } = staffed(req, res);
      const { id, sku } = parseOrThrow(lineParams, req.params, 'basket line');
      res.json(pos.setQty(pos.resolve(id), sku, parseOrThrow(qtyBody, req.body, 'quantity').qty, by));
    },
  );
  /**
   * The customer's loyalty card for the open basket (#21), scanned or typed: `{card}`, checked here offline (a wrong
   * check digit is a 422 that changes nothing). The answer shows it masked; DELETE takes it off.
   */
  r.put(
    '/pos/sales/:id/customer-card',
    storeApiDoc({
      ...posDoc,
      summary: 'Put the customer’s loyalty card on an open sale',
      description:
        'Scanned or typed, checked here offline: a wrong check digit is a 422 that changes nothing. The answer shows the card masked; members’ prices apply.',
      params: saleParam,
      body: customerCardBody,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const { by } = staffed(req, res);
      const id = saleOf(req.params);
      const body = parseOrThrow(customerCardBody, req.body, 'customer card');
      res.json(pos.setCustomerCard(id, body.card, by));
    },
  );
  r.delete(
    '/pos/sales/:id/customer-card',
    storeApiDoc({
      ...posDoc,
      summary: 'Take the loyalty card off an open sale',
      params: saleParam,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const { by } = staffed(req, res);
      res.json(pos.removeCustomerCard(saleOf(req.params), by));
    },
  );
  /**
   * The coupons on the open basket (#25): `{codes}` (at most 5; `[]` takes them off), each verified offline at this
   * and every later view and at the tender. The answer is the basket priced with them; a refused code is listed in
   * `coupons` with its refusal and why, and takes nothing off.
   */
  r.put(
    '/pos/sales/:id/coupons',
    storeApiDoc({
      ...posDoc,
      summary: 'Set the coupons on an open sale',
      description:
        'At most 5; `[]` takes them off. Each is verified offline now, at every later view and at the tender; a refused code is listed in `coupons` with why and takes nothing off.',
      params: saleParam,
      body: couponsBody,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const { by } = staffed(req, res);
      const id = saleOf(req.params);
      const body = parseOrThrow(couponsBody, req.body, 'coupons');
      res.json(pos.setCoupons(id, body.codes, by));
    },
  );
  r.post(
    '/pos/sales/:id/tender',
    storeApiDoc({
      ...posDoc,
      summary: 'Pay for an open sale (cash or card)',
      description:
        'Cash names what was given (`givenMinor`; less than the total is refused), the answer the change; a card goes to the lane’s terminal. The receipt goes to the lane’s printer if one is connected (`printed`).',
      params: saleParam,
      body: tender,
      responses: { 200: `${SALE}, with its receipt and whether it was printed` },
    }),
    async (req, res) => {
      const { by, person } = staffed(req, res);
      const id = saleOf(req.params);
      const sale = await pos.tender(id, parseOrThrow(tender, req.body, 'tender'), by, cashier(person));
      res.json({ ...sale, printed: sale.receipt ? print(sale.receipt, sale.number) : false });
    },
  );
  r.post(
    '/pos/sales/:id/void',
    storeApiDoc({
      ...posDoc,
      summary: 'Void an open sale',
      description:
        'A card payment still being authorised is cancelled at the terminal first; a paid sale is returned, not voided. Where staff sign in, it needs a manager’s approval for this sale and its total (`Manager-Approval`), audited with `reason`.',
      params: saleParam,
      body: voidBody,
      responses: { 200: SALE },
    }),
    async (req, res) => {
      const { by, person } = staffed(req, res);
      const id = saleOf(req.params);
      const body = parseOrThrow(voidBody, req.body ?? {}, 'void');
      // Only an open sale can be voided: anything else is refused by the void itself (409 or 404), approval or not.
      const total = pos.openTotal(id);
      const use = total !== null ? approval(req, 'VOID', { saleId: id, amountMinor: total }, by.lane) : null;
      const label = pos.baskets.basket(id)?.number ?? id;
      res.json(
        await pos.void(
          id,
          by,
          body.reason ? `Voided at the lane: ${body.reason}` : 'Voided at the lane.',
          undefined,
          audit(req, use, person, {
            action: 'VOID',
            lane: by.lane,
            saleId: id,
            sku: null,
            amountMinor: total,
            detail: `Sale ${label} voided${body.reason ? `: ${body.reason}` : ''}`,
          }),
        ),
      );
    },
  );
  /**
   * The answer's `refund` says how the money went back: `{kind: 'CARD', reference}` to the sale's card, or
   * `{kind: 'CASH'}`; `slip` is the return slip (sent to the printer too, `printed` says whether it went).
   */
  r.post(
    '/pos/sales/:id/returns',
    storeApiDoc({
      ...posDoc,
      summary: 'Return items of a paid sale',
      description:
        'Each sku once, with its whole quantity. Where staff sign in, a return that takes what the sale refunded in all (its earlier returns and this one) over the store’s limit needs a manager’s approval for this sale and this return’s refund (`Manager-Approval`; the 403 names the amount). `refund` says how the money went back (`{kind: CARD, reference}` to the sale’s card, or `{kind: CASH}`); `slip` is the return slip, sent to the printer too (`printed`).',
      params: saleParam,
      body: returnBody,
      responses: { 201: 'the return: its number, the refund, the slip and whether it was printed' },
    }),
    async (req, res) => {
      const { by, person } = staffed(req, res);
      const id = saleOf(req.params);
      const body = parseOrThrow(returnBody, req.body, 'return');
      // The limit is on what a sale refunds in all, not on each return (hostile review #5: three returns of 40.00 do
      // not avoid the manager a single 120.00 needs). Once this return takes the sale's refunds over the store's limit,
      // it needs a manager's approval for this sale and this return's refund, checked and audited in the return's own
      // write (the amounts are known there); while the sale stays at or under the limit nothing is asked or audited.
      const answer = await pos.returnItems(id, body.items, by, (emit, refundMinor, refundedBeforeMinor) => {
        if (refundMinor === 0 || refundedBeforeMinor + refundMinor <= refundLimit) return;
        const use = approval(req, 'REFUND_OVER_LIMIT', { saleId: id, amountMinor: refundMinor }, by.lane);
        const before = refundedBeforeMinor ? `, ${refundedBeforeMinor} refunded on this sale before` : '';
        audit(req, use, person, {
          action: 'REFUND_OVER_LIMIT',
          lane: by.lane,
          saleId: id,
          sku: null,
          amountMinor: refundMinor,
          detail: `Refund of ${body.items.map((i) => `${i.qty} × ${i.sku}`).join(', ')}${before} (over the store's limit of ${refundLimit} minor units a sale)`,
        })(emit);
      });
      res.status(201).json({ ...answer, printed: print(answer.slip, answer.number) });
    },
  );
  r.post(
    '/pos/sales/:id/lines/:sku/price-override',
    storeApiDoc({
      ...posDoc,
      summary: 'Override a line’s unit price in an open sale',
      description:
        'The line’s unit price becomes `unitPriceMinor` (below or above its price) whatever price books and promotions say, at the line’s quantity now: a scan of the item or a new quantity takes the override off (`priceOverrideRemoved` in that answer). The receipt marks it. Another override replaces it. Where staff sign in, it needs a manager’s approval for this sale, sku and price (`Manager-Approval`), audited with `reason`.',
      params: lineParams,
      body: overrideBody,
      responses: { 200: SALE },
    }),
    (req, res) => {
      const { by, person } = staffed(req, res);
      const { id, sku } = parseOrThrow(lineParams, req.params, 'basket line');
      const saleId = pos.resolve(id);
      const body = parseOrThrow(overrideBody, req.body, 'price override');
      const use = approval(req, 'PRICE_OVERRIDE', { saleId, sku, amountMinor: body.unitPriceMinor }, by.lane);
      res.json(
        pos.overridePrice(saleId, sku, body.unitPriceMinor, body.reason, by, (emit, before) =>
          audit(req, use, person, {
            action: 'PRICE_OVERRIDE',
            lane: by.lane,
            saleId,
            sku,
            amountMinor: body.unitPriceMinor,
            detail: `${before.qty} × ${before.name}: unit price ${before.unitPriceMinor} → ${body.unitPriceMinor} minor units: ${body.reason}`,
          })(emit),
        ),
      );
    },
  );
  r.post(
    '/pos/drawer/open',
    storeApiDoc({
      ...posDoc,
      summary: 'Open the cash drawer without a sale (no sale)',
      description:
        'Kicks the drawer through the lane’s receipt printer. Where staff sign in, it needs a manager’s approval (`Manager-Approval`), audited with `reason`. No printer connected: `{opened: false, reason}` and nothing is audited.',
      body: drawerBody,
      responses: { 200: '`{opened: true}`, or `{opened: false, reason}` when no receipt printer is connected' },
    }),
    (req, res) => {
      const { by, person } = staffed(req, res);
      const body = parseOrThrow(drawerBody, req.body, 'no sale');
      const use = approval(req, 'NO_SALE', {}, by.lane);
      const kick = options.openDrawer ?? (() => false);
      try {
        // The audit row and its approval go only with a kick the printer took.
        pos.sync.write((emit) => {
          audit(req, use, person, {
            action: 'NO_SALE',
            lane: by.lane,
            saleId: null,
            sku: null,
            amountMinor: null,
            detail: body.reason,
          })(emit);
          if (!kick()) throw NO_PRINTER;
        });
      } catch (err) {
        if (err !== NO_PRINTER) throw err;
        res.json({ opened: false, reason: 'no receipt printer' });
        return;
      }
      res.json({ opened: true });
    },
  );
  return r;
}
