import { Router, type Response } from 'express';
import { z } from 'zod';
import { MANAGER_ACTIONS, PIN_PATTERN, parseOrThrow, skuSchema } from '@storefleet/shared';
import { callerOf } from '../access/screen-guard.js';
import { storeApiDoc } from '../api-doc.js';
import { storeDay } from '../delivery/delivery-desk.js';
import {
  APPROVAL_MS,
  LANE_LOCK_MS,
  PAUSE_MS,
  STAFF_COOKIE,
  STAFF_IDLE_MS,
  type StaffDesk,
  WRONG_PIN_WINDOW_MS,
  WRONG_PINS_PER_CALLER,
  WRONG_PINS_PER_STORE,
} from './staff-service.js';

const pin = z.string().regex(PIN_PATTERN, 'a PIN is 4 to 8 digits');
const signInBody = z.strictObject({ pin });
const approvalBody = z.strictObject({
  pin,
  action: z.enum(MANAGER_ACTIONS),
  saleId: z.string().trim().min(1).max(100).optional(),
  sku: skuSchema.optional(),
  amountMinor: z.number().int().min(-1_000_000_000_000).max(1_000_000_000_000).optional(),
});
const auditQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
/** Who may call the lane's sign-in: the back office and a POS screen; not a handheld, kiosk or pickup desk. */
const laneDoc = { audience: 'backOffice', screen: 'pos', tag: 'Staff at the lanes' } as const;

const cookie = (res: Response, value: string, maxAge?: number) =>
  res.cookie(STAFF_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: '/', ...(maxAge ? { maxAge } : {}) });

/**
 * `/api/staff/*` on the store node (issue #27), offline: sign-in and sign-out at a lane with a PIN, who is signed in,
 * a manager's approval for one gated action, and today's audit rows for the back office.
 */
export function staffRoutes(desk: StaffDesk, timeZone: () => string): Router {
  const r = Router();
  const laneOf = (res: Response) => callerOf(res).lane;
  r.get(
    '/staff/me',
    storeApiDoc({
      ...laneDoc,
      summary: 'Who is signed in at this lane',
      description:
        'The POS page asks on load and every so often: whether sign-in is asked for here (STAFF_SIGN_IN and whether the store has a roster), the person signed in at this lane (null: nobody), whether sign-in here is locked after wrong PINs (the lane’s lock, this screen’s pause or the store’s, with `lockedDetail` in words), and the roster’s version.',
      responses: {
        200: '{ lane, enforced, mode, person, lockedUntil, lockedForSeconds, lockedDetail, roster: { version, people }, idleMinutes }',
      },
    }),
    (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      const key = desk.laneKey(req, laneOf(res));
      const locked = key === null ? null : desk.locked(req, key);
      const lockedUntil = locked?.until ?? null;
      res.json({
        lane: key === 0 ? null : key,
        enforced: desk.enforced(),
        mode: desk.mode,
        person: desk.signedIn(req, laneOf(res)),
        lockedUntil,
        lockedForSeconds: lockedUntil === null ? null : Math.ceil((lockedUntil - desk.now()) / 1000),
        lockedDetail: locked?.detail ?? null,
        roster: { version: desk.roster.version(), people: desk.roster.activeCount() },
        idleMinutes: STAFF_IDLE_MS / 60_000,
      });
    },
  );
  r.post(
    '/staff/sign-in',
    storeApiDoc({
      ...laneDoc,
      summary: 'Sign in at this lane with a PIN',
      description: `Checked offline against the roster’s PIN hashes; the PIN names the person. Signed in: the lane’s \`${STAFF_COOKIE}\` cookie (httpOnly, SameSite=Strict) and whoever was signed in at this lane is signed out. A wrong PIN answers 200 with \`signedIn: false\` and how many tries are left (it is counted and audited, never logged); the fifth in a row locks the lane’s sign-in for ${LANE_LOCK_MS / 60_000} minutes, during which every try answers 429 with Retry-After. Wrong PINs are also counted per screen over all its lanes (the ${WRONG_PINS_PER_CALLER}th in ${WRONG_PIN_WINDOW_MS / 60_000} minutes pauses that screen’s sign-in and approvals) and for the whole store (the ${WRONG_PINS_PER_STORE}th pauses new sign-ins and approvals at every lane; people signed in keep working), each for ${PAUSE_MS / 60_000} minutes and answered 429. A screen’s second PIN while its first is being checked is refused 429, not queued. A lane signs out after ${STAFF_IDLE_MS / 60_000} idle minutes.`,
      body: signInBody,
      responses: {
        200: '{ signedIn: true, person: { userId, name, role } } or { signedIn: false, reason, detail, triesLeft, lockedUntil }',
      },
    }),
    async (req, res) => {
      const body = parseOrThrow(signInBody, req.body, 'sign-in');
      res.setHeader('Cache-Control', 'no-store');
      const out = await desk.signIn(req, laneOf(res), body.pin);
      if (!out.signedIn) return void res.json(out);
      cookie(res, out.token);
      res.json({ signedIn: true, person: out.person });
    },
  );
  r.post(
    '/staff/sign-out',
    storeApiDoc({
      ...laneDoc,
      summary: 'Sign out of this lane',
      description:
        'Ends this browser’s sign-in at its lane (audited) and clears the cookie; nobody signed in: nothing changes.',
      responses: { 200: '{ signedOut }: whether someone was signed in' },
    }),
    (req, res) => {
      const signedOut = desk.signOut(req, laneOf(res));
      res.clearCookie(STAFF_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/' });
      res.json({ signedOut });
    },
  );
  r.post(
    '/staff/approvals',
    storeApiDoc({
      ...laneDoc,
      summary: 'A store manager’s PIN approves one action at this lane',
      description: `The PIN must be an active store manager’s (a manager may approve their own action). Approved: an id the POS call carries in its \`Manager-Approval\` header — used once, within ${APPROVAL_MS / 60_000} minutes, at this lane, for this action and target (saleId, sku, amountMinor as given; a refund’s amount is a ceiling). A wrong PIN answers 200 with \`approved: false\` and counts toward the lane’s lock, the screen’s and the store’s like a wrong sign-in; a locked lane or a paused screen or store answers 429.`,
      body: approvalBody,
      responses: {
        200: '{ approved: false, approvalId: null, reason, detail, triesLeft, lockedUntil }',
        201: '{ approved: true, approvalId, approver: { userId, name }, expiresAt }',
      },
    }),
    async (req, res) => {
      const { pin: typed, ...ask } = parseOrThrow(approvalBody, req.body, 'approval');
      res.setHeader('Cache-Control', 'no-store');
      const out = await desk.approve(req, laneOf(res), typed, ask);
      res.status(out.approved ? 201 : 200).json(out);
    },
  );
  r.get(
    '/staff/audit',
    storeApiDoc({
      audience: 'backOffice',
      tag: 'Staff at the lanes',
      summary: 'Today’s staff audit at this store',
      description:
        'Sign-ins and -outs, wrong PINs, locked lanes and each manager-approved action (who did it, who approved), newest first, for the store’s day. The same rows go up to the hub as `staff.audit` events.',
      query: auditQuery,
      responses: {
        200: '{ day, rows: [{ auditId, at, action, lane, actor, approver, saleId, sku, amountMinor, detail }] }',
      },
    }),
    (req, res) => {
      const { limit } = parseOrThrow(auditQuery, req.query, 'query');
      const { day, from, to } = storeDay(desk.now(), timeZone());
      res.setHeader('Cache-Control', 'no-store');
      res.json({ day, rows: desk.auditBetween(from, to, limit) });
    },
  );
  return r;
}
