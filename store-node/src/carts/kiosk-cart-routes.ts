import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, keepAnswerAs, markUnkeptAnswer, parseOrThrow, quantitySchema, skuSchema } from '@storefleet/shared';
import { callerOf } from '../access/screen-guard.js';
import { storeApiDoc } from '../api-doc.js';
import type { KioskCartSessions } from './kiosk-sessions.js';

/** The kiosk's cart session: httpOnly (the page's scripts never see it), this node's API only, gone with the browser. */
export const KIOSK_CART_COOKIE = 'sf_kiosk_cart';
const COOKIE_PATH = '/api/kiosk';

export const tokenOf = (req: Request): string | undefined => {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === KIOSK_CART_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
};
const screenOf = (res: Response) => callerOf(res).scope;
const openBody = z.strictObject({ who: z.string().trim().min(3).max(200) });
const lineBody = z.strictObject({ sku: skuSchema, qty: quantitySchema.default(1) });
const skuParam = z.object({ sku: skuSchema });
const qtyBody = z.strictObject({ qty: z.number().int().min(0).max(999) });
const noBody = z.strictObject({});
const TAG = 'Kiosk cart';
const KIOSK_CART =
  '{ firstName, cart, savedHere }: the greeting’s first name, the cart (lines, fulfilment, pickupHere, priced here now or null) and whether it is this node’s copy because the hub did not answer';
const SESSION =
  'Answers for the cart this screen opened (the httpOnly `sf_kiosk_cart` cookie); without one, 404 in plain words. The answer is kept for an Idempotency-Key retry only as `{ replayed: true }` (it names a customer): the page then reads the cart afresh.';

/**
 * The customer's cart at a kiosk, opened by loyalty card, phone number or e-mail (`KioskCartSessions`): the page
 * learns the customer's first name and the cart, never their id. Every route answers for the session this screen
 * opened; without one, GET answers `{ firstName: null }` and a change 404 in plain words.
 *
 * The answers carry a customer's first name and cart, which a 24-hour store of answers should not hold. The open is not
 * kept at all (`markUnkeptAnswer`): a retry opens afresh and sets the cookie (a replay would have answered without it).
 * A change keeps only `{ replayed: true }` (`keepAnswerAs`): a retry with the same Idempotency-Key gets that instead of
 * running again (a retried "add" would add the item twice), and the page reads the cart afresh (GET).
 */
export function kioskCartSessionRoutes(sessions: KioskCartSessions): Router {
  const r = Router();
  const keptAsReplayed = (res: Response) => keepAnswerAs(res, { replayed: true });
  r.post(
    '/kiosk/cart',
    storeApiDoc({
      audience: 'screens',
      tag: TAG,
      summary: 'Open a customer’s cart at the kiosk by card, phone or e-mail',
      description:
        'Asks the hub to look the customer up (503 while it cannot); the page learns their first name and cart, never their id. Sets the httpOnly `sf_kiosk_cart` cookie and closes the screen’s previous customer, if any. A screen has a budget of look-ups. The answer is never kept for an Idempotency-Key retry: a retry opens afresh.',
      body: openBody,
      responses: { 200: KIOSK_CART },
    }),
    async (req, res) => {
      markUnkeptAnswer(res);
      const { who } = parseOrThrow(openBody, req.body, 'card, phone number or e-mail');
      sessions.close(tokenOf(req), screenOf(res)); // the previous customer's, if the screen had one
      const { token, view } = await sessions.open(who, screenOf(res));
      res.cookie(KIOSK_CART_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: req.secure,
        path: COOKIE_PATH,
      });
      res.json(view);
    },
  );
  r.get(
    '/kiosk/cart',
    storeApiDoc({
      audience: 'screens',
      tag: TAG,
      summary: 'The cart this screen opened',
      description:
        '`{ firstName: null }` when the screen has none open (never opened, Done, or untouched for 3 minutes).',
      responses: { 200: `${KIOSK_CART}; or { firstName: null }` },
    }),
    async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      const token = tokenOf(req);
      try {
        if (token) return void res.json(await sessions.view(token, screenOf(res)));
      } catch (err) {
        if (!(err instanceof AppError && err.type === 'not-found')) throw err;
        res.clearCookie(KIOSK_CART_COOKIE, { path: COOKIE_PATH }); // ended (Done elsewhere, or untouched too long)
      }
      res.json({ firstName: null });
    },
  );
  r.delete(
    '/kiosk/cart',
    storeApiDoc({
      audience: 'screens',
      tag: TAG,
      summary: 'Done: the screen forgets the customer',
      description: 'Safe to repeat: a closed cart closes again.',
      responses: { 200: '{ firstName: null }' },
    }),
    (req, res) => {
      markUnkeptAnswer(res); // safe to run twice: a closed cart closes again
      sessions.close(tokenOf(req), screenOf(res));
      res.clearCookie(KIOSK_CART_COOKIE, { path: COOKIE_PATH });
      res.json({ firstName: null });
    },
  );
  r.post(
    '/kiosk/cart/lines',
    storeApiDoc({
      audience: 'screens',
      tag: TAG,
      summary: 'Add a product to the open cart',
      description: SESSION,
      body: lineBody,
      responses: { 200: KIOSK_CART },
    }),
    async (req, res) => {
      const body = parseOrThrow(lineBody, req.body, 'cart line');
      const view = await sessions.add(tokenOf(req), screenOf(res), body.sku, body.qty);
      keptAsReplayed(res); // after the change: a refusal is kept as it was sent
      res.json(view);
    },
  );
  r.put(
    '/kiosk/cart/lines/:sku',
    storeApiDoc({
      audience: 'screens',
      tag: TAG,
      summary: 'Set a line’s quantity in the open cart',
      description: `Quantity 0 takes the line off. ${SESSION}`,
      params: skuParam,
      body: qtyBody,
      responses: { 200: KIOSK_CART },
    }),
    async (req, res) => {
      const { sku } = parseOrThrow(skuParam, req.params, 'cart line');
      const { qty } = parseOrThrow(qtyBody, req.body, 'quantity');
      const view = await sessions.setQty(tokenOf(req), screenOf(res), sku, qty);
      keptAsReplayed(res);
      res.json(view);
    },
  );
  r.put(
    '/kiosk/cart/pickup-here',
    storeApiDoc({
      audience: 'screens',
      tag: TAG,
      summary: 'Collect the open cart at this store',
      description: `The cart’s fulfilment becomes a pickup here. ${SESSION}`,
      body: noBody,
      responses: { 200: KIOSK_CART },
    }),
    async (req, res) => {
      parseOrThrow(noBody, req.body ?? {}, 'pickup');
      const view = await sessions.pickupHere(tokenOf(req), screenOf(res));
      keptAsReplayed(res);
      res.json(view);
    },
  );
  return r;
}
