import { type Request, Router } from 'express';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, parseOrThrow } from '@storefleet/shared';
import { callerOf, LANE_COOKIE, SCREEN_COOKIE } from './screen-guard.js';
import { fromOwnPages } from './site-guard.js';
import { HOME_PAGE } from './screen-policy.js';
import { storeApiDoc } from '../api-doc.js';

export const MARK_FROM_BACK_OFFICE = 'only the back-office screen can set a screen to one job';
export const MARK_FROM_OWN_PAGES = 'a screen is set to one job from the store’s own start page, not from another site';

/** How long a screen keeps its job: 400 days, the most a browser keeps a cookie (RFC 6265bis), across restarts. */
export const MARKER_DAYS = 400;

/**
 * The cookie options of a screen's marker (`sf_screen`, `sf_lane`): persistent, so a kiosk, till or pickup desk stays
 * one after the browser or the machine restarts (a session cookie made it the full back office again); HttpOnly and
 * SameSite=Strict, so no page script and no other site can read or send it.
 */
export const markerCookie = (req: Request) =>
  ({ ...sessionMarkerCookie(req), maxAge: MARKER_DAYS * 86_400_000 }) as const;

/**
 * The kiosk marker set merely by opening `/kiosk.html` (no confirmation): a session cookie, gone when the browser
 * closes. Cookies ignore ports, so on a demo machine one `/kiosk.html` link of one store would otherwise make every
 * store on that address a kiosk in that browser for 400 days; only the start page's confirmed "Make this browser a
 * kiosk" (GET /screens/kiosk) keeps it that long.
 */
export const sessionMarkerCookie = (req: Request) =>
  ({ httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' }) as const;

/** A POS screen's lane, exactly as typed on the start page: 1 to 99, no leading zero, nothing else. */
const posLane = z.object({
  lane: z
    .string({ message: 'say which lane this till is: /screens/pos?lane=3' })
    .regex(/^[1-9][0-9]?$/, 'a lane is a whole number from 1 to 99'),
});

/**
 * GET /screens/pos, /screens/pickup and /screens/kiosk: "Use this screen as …" and "Make this browser a kiosk" on the
 * start page, after their confirmation. Marks this browser as a POS lane, the pickup desk or a kiosk (the `sf_screen`
 * cookie, kept 400 days; /kiosk.html opened without confirming marks it for the session only) and sends it to that page; from
 * then on it reaches only that page and the API it calls (screen-policy.ts). Only an unmarked trusted screen (the
 * back office) may mark itself, and only from the node's own pages or by a person typing the address: a link on
 * another site could otherwise narrow a lane's browser. A marked screen cannot reach this route at all.
 *
 * A POS screen is one lane of the store, `?lane=3` (1–99, required): the `sf_lane` cookie beside the marker, so its sale
 * numbers (`S001-03-…`) and its open basket are its own. A missing or bad lane is 400 and marks nothing.
 */
export function screenMarkerRoutes(): Router {
  const r = Router();
  r.get(
    '/screens/:role',
    storeApiDoc({
      audience: 'backOffice',
      tag: 'Screens',
      summary: 'Use this browser as a POS lane, the pickup desk or a kiosk',
      description:
        'The start page’s “Use this screen as …” after its confirmation: `role` is pos, pickup or kiosk (another is 404). Sets the `sf_screen` cookie (400 days) and answers 303 to that screen’s page; from then on the browser reaches only that page and the API it calls. A POS lane needs `?lane=` 1–99 (400 without it: nothing is marked). Only from the node’s own pages or an address typed by a person (403 from another site).',
      responses: { 303: 'to the screen’s page' },
    }),
    (req, res) => {
      const role = req.params.role;
      if (role !== 'pos' && role !== 'pickup' && role !== 'kiosk') throw new NotFoundError('screen role', role);
      if (callerOf(res).role !== 'lane') throw new ForbiddenError(MARK_FROM_BACK_OFFICE);
      if (!fromOwnPages(req)) throw new ForbiddenError(MARK_FROM_OWN_PAGES);
      const cookie = markerCookie(req);
      if (role === 'pos') res.cookie(LANE_COOKIE, parseOrThrow(posLane, req.query, 'POS lane').lane, cookie);
      res.cookie(SCREEN_COOKIE, role, cookie);
      res.redirect(303, HOME_PAGE[role]);
    },
  );
  return r;
}
