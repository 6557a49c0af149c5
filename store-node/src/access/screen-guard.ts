import type { Request, RequestHandler, Response } from 'express';
import { ForbiddenError, presentedCredential, UnauthorizedError } from '@storefleet/shared';
import type { PairingService } from '../pairing/pairing-service.js';
import type { LoopbackRole } from '../config.js';
import { decideAccess, HOME_PAGE, isMarkedRole, type MarkedRole, type ScreenRole } from './screen-policy.js';

export const DEVICE_COOKIE = 'sf_device';
/**
 * What this screen is for, when it is not the back office: `kiosk` (set whenever the node serves /kiosk.html, and by
 * the Electron shell for a kiosk window), `pos` or `pickup` (set by GET /screens/pos|pickup from the start page, and
 * by the Electron shell for a `--page=pos|pickup` window). Any other value marks nothing.
 */
export const SCREEN_COOKIE = 'sf_screen';
/**
 * Which lane a POS screen is, 1–99 (`sf_lane`, set beside `sf_screen=pos` by GET /screens/pos?lane=N or by the Electron
 * shell's `--lane=N`): its sale numbers and its open basket are that lane's. Read only for a POS screen; a value that
 * is not exactly a lane number (`07`, `3.0`, `100`, two different values) is ignored, and the screen is the node's lane.
 */
export const LANE_COOKIE = 'sf_lane';
/** The node's own machine: its screens (a lane, a kiosk, the Electron shell) are trusted without pairing. */
export const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

/** The caller of one request, decided once by the guard. */
export interface Caller {
  readonly role: ScreenRole;
  /**
   * Whose Idempotency-Keys these are: `lane`, `kiosk`, `pickup`, `pos:<lane>`, `device:<id>` or, before pairing,
   * `unpaired:<address>`.
   */
  readonly scope: string;
  readonly deviceId?: string;
  /**
   * The lane whose sales this caller rings up (lane-numbers.ts): a POS screen's `sf_lane`, else the node's `STORE_LANE`
   * (the back office, a handheld). Absent for callers that reach no sale (a kiosk, the pickup desk, an unpaired device).
   */
  readonly lane?: number;
}

/**
 * The screen's marker, compared as sent (no decoding): only the exact values `kiosk`, `pos` and `pickup` name a role.
 * A marker present with any other value (`"kiosk"`, `Kiosk`, `%6biosk`, empty) is a kiosk, the least privilege, and
 * so is a kiosk marker beside any other: a cookie that is not understood narrows a screen, never widens it.
 */
function screenMarker(cookieHeader: string | undefined): MarkedRole | undefined {
  const values = (cookieHeader ?? '').split(';').flatMap((part) => {
    const eq = part.indexOf('=');
    return eq > 0 && part.slice(0, eq).trim() === SCREEN_COOKIE ? [part.slice(eq + 1).trim()] : [];
  });
  if (values.some((v) => v === 'kiosk' || !isMarkedRole(v))) return values.length ? 'kiosk' : undefined;
  return values.find(isMarkedRole);
}

/** The screen's lane cookie as a number 1–99, or undefined when it is absent, malformed or sent twice differently. */
function laneCookie(cookieHeader: string | undefined): number | undefined {
  const values = new Set(
    (cookieHeader ?? '').split(';').flatMap((part) => {
      const eq = part.indexOf('=');
      return eq > 0 && part.slice(0, eq).trim() === LANE_COOKIE ? [part.slice(eq + 1).trim()] : [];
    }),
  );
  const [only] = values;
  return values.size === 1 && /^[1-9][0-9]?$/.test(only!) ? Number(only) : undefined;
}

/** The lane of a caller that rings up sales: a POS screen's own, else the node's. */
function withLane(caller: Resolved, req: Request, nodeLane: number): Resolved {
  if (caller.role === 'pos') {
    // Each lane's Idempotency-Keys are its own: lane 4 replaying lane 3's key gets nothing of lane 3's answers.
    const lane = laneCookie(req.get('Cookie')) ?? nodeLane;
    return { ...caller, lane, scope: `pos:${lane}` };
  }
  return caller.role === 'lane' || caller.role === 'handheld' ? { ...caller, lane: nodeLane } : caller;
}

/**
 * Why a caller has a marked role: its browser's marker, the machine's configuration (`loopbackRole`) or its pairing.
 */
type MarkedBy = 'marker' | 'machine' | 'pairing';

interface Resolved extends Caller {
  readonly unpairedBecause?: 'no-token' | 'bad-token';
  readonly markedBy?: MarkedBy;
}

function resolveCaller(
  req: Request,
  pairing: PairingService,
  trusted: ReadonlySet<string>,
  loopbackRole: LoopbackRole,
): Resolved {
  const address = req.socket.remoteAddress ?? '';
  if (trusted.has(address)) {
    // The machine's role first (a kiosk machine stays a kiosk whatever its cookies), except that a kiosk marker
    // narrows a POS or pickup machine's browser to a kiosk too.
    const marker = screenMarker(req.get('Cookie'));
    if (loopbackRole === 'kiosk') return { role: 'kiosk', scope: 'kiosk', markedBy: 'machine' };
    if (marker === 'kiosk') return { role: 'kiosk', scope: 'kiosk', markedBy: 'marker' };
    if (loopbackRole !== 'lane') return { role: loopbackRole, scope: loopbackRole, markedBy: 'machine' };
    return marker ? { role: marker, scope: marker, markedBy: 'marker' } : { role: 'lane', scope: 'lane' };
  }
  let token: string | undefined;
  try {
    token = presentedCredential(req.get('Authorization'), req.get('Cookie'), DEVICE_COOKIE);
  } catch {
    return { role: 'unpaired', scope: `unpaired:${address}`, unpairedBecause: 'bad-token' }; // a cookie that does not decode
  }
  if (!token) return { role: 'unpaired', scope: `unpaired:${address}`, unpairedBecause: 'no-token' };
  const device = pairing.deviceFor(token);
  if (!device) return { role: 'unpaired', scope: `unpaired:${address}`, unpairedBecause: 'bad-token' };
  return {
    role: device.role,
    scope: `device:${device.id}`,
    deviceId: device.id,
    ...(device.role === 'kiosk' ? { markedBy: 'pairing' as const } : {}),
  };
}

/** The caller the guard decided for this request (the guard runs before every route). */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('the screen guard did not run for this request');
  return caller;
}

/**
 * The one guard of the store node, in front of every page and API: decides the caller's role (`screen-policy.ts`),
 * keeps it for the routes (`callerOf`) and refuses what the role may not reach — 401/403 problem+json, or, for a
 * marked screen's browser asking for another page, a small 403 page that leads back to the screen's own page and (on
 * a POS or pickup screen, never a customer's kiosk) tells staff how it becomes the back office again. `loopbackRole`
 * says what a trusted address is (config `loopbackRole`); `nodeLane` is the node's `STORE_LANE`, the lane of the back
 * office and of a POS screen with no lane.
 */
export function screenGuard(
  pairing: PairingService,
  trusted: ReadonlySet<string>,
  loopbackRole: LoopbackRole = 'lane',
  nodeLane = 1,
): RequestHandler {
  return (req, res, next) => {
    const { unpairedBecause, markedBy, ...caller } = withLane(
      resolveCaller(req, pairing, trusted, loopbackRole),
      req,
      nodeLane,
    );
    res.locals.caller = caller;
    const decision = decideAccess(caller.role, req.method, req.path, unpairedBecause);
    if (decision.allow) return next();
    if (decision.status === 401) throw new UnauthorizedError(decision.detail);
    const wantsPage = !req.path.toLowerCase().startsWith('/api') && /\btext\/html\b/.test(req.get('Accept') ?? '');
    if (wantsPage) {
      res
        .status(403)
        .type('html')
        .send(
          isMarkedRole(caller.role)
            ? refusalPage(caller.role, decision.detail, markedBy)
            : plainRefusal(decision.detail),
        );
      return;
    }
    throw new ForbiddenError(decision.detail);
  };
}

/**
 * How staff get a POS or pickup screen back (a staff screen kept to one job, never paired: only trusted screens are
 * marked). A kiosk's refusal page has no such text: customers use it; the start page and the README say how.
 */
export const STAFF_WAY_BACK: Record<Exclude<MarkedBy, 'pairing'>, string> = {
  marker:
    'This browser was set to one job from the store’s start page (“Use this screen as …”), or by the store shell, and ' +
    'keeps it after the browser or the machine restarts (for 400 days). To use it as the back office again, clear ' +
    'this site’s data (cookies) in the browser’s settings and open the store page again.',
  machine:
    'This machine is set up for one job in its store settings: every screen on it has it. Use the back-office screen ' +
    'or a paired handheld for other staff work.',
};

const TITLE: Record<MarkedRole, [heading: string, back: string]> = {
  kiosk: ['This screen is a kiosk', 'Back to the kiosk'],
  pos: ['This is a POS screen', 'Back to the POS'],
  pickup: ['This is the pickup desk', 'Back to the pickup desk'],
};

const clean = (s: string) => s.replace(/[<>&]/g, '');

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} — Storefleet</title><link rel="stylesheet" href="/store.css"></head>
<body>
  <main>
${body}
  </main>
</body>
</html>
`;

const plainRefusal = (detail: string) =>
  page('Not here', `    <h1>Not allowed here</h1>\n    <p role="alert" class="error">${clean(detail)}.</p>`);

function refusalPage(role: MarkedRole, detail: string, markedBy: MarkedBy | undefined): string {
  const [heading, back] = TITLE[role];
  // A customer reads the kiosk's: what it is and the way back to it, nothing about staff pages or undoing it.
  if (role === 'kiosk')
    return page(
      'Kiosk',
      `    <h1>${heading}</h1>\n    <p><a class="big-link" href="${HOME_PAGE.kiosk}">${back}</a></p>`,
    );
  const wayBack = STAFF_WAY_BACK[markedBy === 'machine' ? 'machine' : 'marker'];
  return page(
    'Not here',
    `    <h1>${heading}</h1>
    <p role="alert" class="error">${clean(detail)}.</p>
    <p><a class="big-link" href="${HOME_PAGE[role]}">${back}</a></p>
    <section class="card" aria-labelledby="staff-way-back">
      <h2 id="staff-way-back">Staff: getting this screen back</h2>
      <p>${wayBack}</p>
      <p class="muted">Staff sign-in with PINs is not available yet.</p>
    </section>`,
  );
}
