import type { Request, RequestHandler, Response } from 'express';
import { ForbiddenError, presentedCredential, UnauthorizedError } from '@storefleet/shared';
import type { PairingService } from '../pairing/pairing-service.js';
import type { LoopbackRole } from '../config.js';
import { decideAccess, KIOSK_REFUSAL, type ScreenRole } from './screen-policy.js';

export const DEVICE_COOKIE = 'sf_device';
/** Set whenever the node serves /kiosk.html (and by the Electron shell for a kiosk window): this screen is a kiosk. */
export const SCREEN_COOKIE = 'sf_screen';
/** The node's own machine: its screens (a lane, a kiosk, the Electron shell) are trusted without pairing. */
export const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

/** The caller of one request, decided once by the guard. */
export interface Caller {
  readonly role: ScreenRole;
  /** Whose Idempotency-Keys these are: `lane`, `kiosk`, `device:<id>` or, before pairing, `unpaired:<address>`. */
  readonly scope: string;
  readonly deviceId?: string;
}

/** The marker is compared as sent (no decoding): only the exact value `kiosk` counts. */
function hasKioskMarker(cookieHeader: string | undefined): boolean {
  return (cookieHeader ?? '').split(';').some((part) => {
    const eq = part.indexOf('=');
    return eq > 0 && part.slice(0, eq).trim() === SCREEN_COOKIE && part.slice(eq + 1).trim() === 'kiosk';
  });
}

/** Why a caller is a kiosk: its browser's marker, the machine's configuration (`loopbackRole: 'kiosk'`) or its pairing. */
type KioskBy = 'marker' | 'machine' | 'pairing';

interface Resolved extends Caller {
  readonly unpairedBecause?: 'no-token' | 'bad-token';
  readonly kioskBy?: KioskBy;
}

function resolveCaller(
  req: Request,
  pairing: PairingService,
  trusted: ReadonlySet<string>,
  loopbackRole: LoopbackRole,
): Resolved {
  const address = req.socket.remoteAddress ?? '';
  if (trusted.has(address)) {
    if (loopbackRole === 'kiosk') return { role: 'kiosk', scope: 'kiosk', kioskBy: 'machine' };
    return hasKioskMarker(req.get('Cookie'))
      ? { role: 'kiosk', scope: 'kiosk', kioskBy: 'marker' }
      : { role: 'lane', scope: 'lane' };
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
    ...(device.role === 'kiosk' ? { kioskBy: 'pairing' as const } : {}),
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
 * kiosk's browser asking for a staff page, a small 403 page that leads back to the kiosk and tells staff how this
 * screen becomes a staff screen again. `loopbackRole` says what a trusted address is (config `loopbackRole`).
 */
export function screenGuard(
  pairing: PairingService,
  trusted: ReadonlySet<string>,
  loopbackRole: LoopbackRole = 'lane',
): RequestHandler {
  return (req, res, next) => {
    const { unpairedBecause, kioskBy, ...caller } = resolveCaller(req, pairing, trusted, loopbackRole);
    res.locals.caller = caller;
    const decision = decideAccess(caller.role, req.method, req.path, unpairedBecause);
    if (decision.allow) return next();
    if (decision.status === 401) throw new UnauthorizedError(decision.detail);
    const wantsPage = !req.path.toLowerCase().startsWith('/api') && /\btext\/html\b/.test(req.get('Accept') ?? '');
    if (wantsPage) {
      res.status(403).type('html').send(refusalPage(decision.detail, kioskBy));
      return;
    }
    throw new ForbiddenError(decision.detail);
  };
}

/** How staff get this screen back, by why it is a kiosk: no dead end (a staff sign-in on shared screens is #27). */
export const WAY_BACK: Record<KioskBy, string> = {
  marker:
    'This browser became a kiosk screen when it opened the kiosk page. To use it as a staff screen again, close every ' +
    'window of this browser and open the store page again, or clear this site’s data (cookies) in the browser’s settings.',
  machine:
    'This machine is set up as a kiosk (the kiosk shell, or STORE_LOOPBACK_ROLE=kiosk): every screen on it is a kiosk. ' +
    'Use a POS lane or a paired handheld for staff work.',
  pairing:
    'This device is paired as a kiosk. To use it as a staff device, clear this site’s data (cookies) in the browser’s ' +
    'settings, which forgets the pairing, and pair it again with a handheld code from a POS lane.',
};

const refusalPage = (detail: string, kioskBy: KioskBy | undefined) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Not here — Storefleet</title><link rel="stylesheet" href="/store.css"></head>
<body>
  <main>
    <h1>${detail === KIOSK_REFUSAL ? 'This is a kiosk screen' : 'Not allowed here'}</h1>
    <p role="alert" class="error">${detail.replace(/[<>&]/g, '')}.</p>
    <p><a href="/kiosk.html">Back to the kiosk</a></p>${
      kioskBy
        ? `
    <section class="card" aria-labelledby="staff-way-back">
      <h2 id="staff-way-back">Staff: getting this screen back</h2>
      <p>${WAY_BACK[kioskBy]}</p>
      <p class="muted">A staff sign-in on kiosk screens is coming (issue #27).</p>
    </section>`
        : ''
    }
  </main>
</body>
</html>
`;
