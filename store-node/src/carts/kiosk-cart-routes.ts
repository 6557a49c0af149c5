import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, keepAnswerAs, markUnkeptAnswer, parseOrThrow, quantitySchema, skuSchema } from '@storefleet/shared';
import { callerOf } from '../access/screen-guard.js';
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
  r.post('/kiosk/cart', async (req, res) => {
    markUnkeptAnswer(res);
    const { who } = parseOrThrow(
      z.strictObject({ who: z.string().trim().min(3).max(200) }),
      req.body,
      'card, phone number or e-mail',
    );
    sessions.close(tokenOf(req), screenOf(res)); // the previous customer's, if the screen had one
    const { token, view } = await sessions.open(who, screenOf(res));
    res.cookie(KIOSK_CART_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: COOKIE_PATH });
    res.json(view);
  });
  r.get('/kiosk/cart', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const token = tokenOf(req);
    try {
      if (token) return void res.json(await sessions.view(token, screenOf(res)));
    } catch (err) {
      if (!(err instanceof AppError && err.type === 'not-found')) throw err;
      res.clearCookie(KIOSK_CART_COOKIE, { path: COOKIE_PATH }); // ended (Done elsewhere, or untouched too long)
    }
    res.json({ firstName: null });
  });
  r.delete('/kiosk/cart', (req, res) => {
    markUnkeptAnswer(res); // safe to run twice: a closed cart closes again
    sessions.close(tokenOf(req), screenOf(res));
    res.clearCookie(KIOSK_CART_COOKIE, { path: COOKIE_PATH });
    res.json({ firstName: null });
  });
  r.post('/kiosk/cart/lines', async (req, res) => {
    const body = parseOrThrow(
      z.strictObject({ sku: skuSchema, qty: quantitySchema.default(1) }),
      req.body,
      'cart line',
    );
    const view = await sessions.add(tokenOf(req), screenOf(res), body.sku, body.qty);
    keptAsReplayed(res); // after the change: a refusal is kept as it was sent
    res.json(view);
  });
  r.put('/kiosk/cart/lines/:sku', async (req, res) => {
    const { sku } = parseOrThrow(z.object({ sku: skuSchema }), req.params, 'cart line');
    const { qty } = parseOrThrow(z.strictObject({ qty: z.number().int().min(0).max(999) }), req.body, 'quantity');
    const view = await sessions.setQty(tokenOf(req), screenOf(res), sku, qty);
    keptAsReplayed(res);
    res.json(view);
  });
  r.put('/kiosk/cart/pickup-here', async (req, res) => {
    parseOrThrow(z.strictObject({}), req.body ?? {}, 'pickup');
    const view = await sessions.pickupHere(tokenOf(req), screenOf(res));
    keptAsReplayed(res);
    res.json(view);
  });
  return r;
}
