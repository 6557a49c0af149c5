import { Router } from 'express';
import { ForbiddenError, NotFoundError } from '@storefleet/shared';
import { callerOf, SCREEN_COOKIE } from './screen-guard.js';
import { fromOwnPages } from './site-guard.js';
import { HOME_PAGE } from './screen-policy.js';

export const MARK_FROM_BACK_OFFICE = 'only the back-office screen can set a screen to one job';
export const MARK_FROM_OWN_PAGES = 'a screen is set to one job from the store’s own start page, not from another site';

/**
 * GET /screens/pos and /screens/pickup: "Use this screen as …" on the start page. Marks this browser as a POS lane or
 * the pickup desk (the `sf_screen` session cookie, as /kiosk.html does for a kiosk) and sends it to that page; from
 * then on it reaches only that page and the API it calls (screen-policy.ts). Only an unmarked trusted screen (the
 * back office) may mark itself, and only from the node's own pages or by a person typing the address: a link on
 * another site could otherwise narrow a lane's browser. A marked screen cannot reach this route at all.
 */
export function screenMarkerRoutes(): Router {
  const r = Router();
  r.get('/screens/:role', (req, res) => {
    const role = req.params.role;
    if (role !== 'pos' && role !== 'pickup') throw new NotFoundError('screen role', role);
    if (callerOf(res).role !== 'lane') throw new ForbiddenError(MARK_FROM_BACK_OFFICE);
    if (!fromOwnPages(req)) throw new ForbiddenError(MARK_FROM_OWN_PAGES);
    res.cookie(SCREEN_COOKIE, role, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
    res.redirect(303, HOME_PAGE[role]);
  });
  return r;
}
