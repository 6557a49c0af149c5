import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ForbiddenError, readCookie } from '@storefleet/shared';
import { CUSTOMER_COOKIE } from '../principal.js';
import type { EdgeSettings } from './edge-settings.js';

/**
 * Double-submit CSRF protection, signed (issue #27). At sign-in the hub sets, beside the httpOnly session cookie, a
 * readable `sf_csrf` cookie holding an HMAC of the session token (keyed by that token, over a fixed label): only the
 * session's holder can know it, it reveals nothing of the token, and every hub replica computes the same value with no
 * shared key. The console and the shop page copy it into `X-CSRF-Token` on every write; a page on another site can
 * neither read the cookie nor set that header, so a forged write arrives without it and is refused.
 */
export const CSRF_COOKIE = 'sf_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
/** The staff console's session cookie (auth/authenticate.ts; named here so the kernel need not import auth). */
const STAFF_COOKIE = 'sf_session';
const LABEL = 'storefleet csrf v1';
export const CSRF_REFUSED = 'missing or wrong CSRF token: reload the page';

/** The CSRF token of a session token: what `sf_csrf` holds and `X-CSRF-Token` must carry. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update(LABEL).digest('base64url');
}

/**
 * Sets `sf_csrf` for a session (readable by the page's script, SameSite=Strict, Secure when the request is), living
 * as long as the session's cookie (`life`: its `expires` or `maxAge`).
 */
export function setCsrfCookie(
  res: Response,
  sessionToken: string,
  secure: boolean,
  life: { readonly expires?: Date; readonly maxAge?: number } = {},
): void {
  res.cookie(CSRF_COOKIE, csrfTokenFor(sessionToken), {
    httpOnly: false,
    sameSite: 'strict',
    secure,
    path: '/',
    ...life,
  });
}

/** Expires `sf_csrf` (a sign-out, an ended session). */
export function clearCsrfCookie(res: Response, secure: boolean): void {
  res.clearCookie(CSRF_COOKIE, { httpOnly: false, sameSite: 'strict', secure, path: '/' });
}

const WRITES: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Where no token is asked: signing in, up or out (a stale cookie must not keep anyone from signing in, and a page
 * that lost its token can still sign out), and a store's credential exchange. Matched on the path as sent,
 * lower-cased and without a trailing slash (express routes case-insensitively).
 */
const EXEMPT =
  /^\/api\/(auth\/(login|logout|store-token)|account\/(sign-up|sign-in(\/code(\/verify)?)?|sign-out(-everywhere)?|password-reset(\/confirm)?|guest))$/;

const pathOf = (req: Request) =>
  (req.originalUrl.split('?')[0] ?? '')
    .toLowerCase()
    .replace(/\/+$/, '')
    .replace(/\/{2,}/g, '/');

const presentsBearer = (req: Request) => {
  const authorization = req.get('Authorization');
  return authorization?.startsWith('Bearer ') === true && authorization.slice(7).trim() !== '';
};

const cookie = (req: Request, name: string): string | undefined => {
  try {
    return readCookie(req.get('Cookie'), name);
  } catch {
    return undefined; // an unreadable header authenticated nobody (authenticate refused or ignored it)
  }
};

/** The CSRF tokens the request may carry: one per session cookie that authenticated it. */
export function expectedCsrfTokens(req: Request): string[] {
  if (presentsBearer(req)) return []; // an explicit credential: no cookie was read
  const out: string[] = [];
  const staff = req.principal ? cookie(req, STAFF_COOKIE) : undefined;
  if (staff) out.push(csrfTokenFor(staff));
  const customer = req.customer ? cookie(req, CUSTOMER_COOKIE) : undefined;
  if (customer) out.push(csrfTokenFor(customer));
  return out;
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Refuses a write (POST, PUT, PATCH, DELETE) that a session cookie (staff `sf_session` or customer `sf_customer`)
 * authenticated unless it also carries `X-CSRF-Token` equal to that session's token: 403 problem+json, nothing done.
 * A bearer token is no cookie (no check); a cookie that authenticated nobody (stale, ended) gives no authority to
 * forge, so no check either; nor a request that no browser sent (neither `Origin` nor `Sec-Fetch-Site`). Runs after authentication on /api and /graphql. `edge.csrf === false` turns it off.
 */
export function csrfGuard(edge: EdgeSettings): RequestHandler {
  return (req, _res, next) => {
    if (!edge.csrf || !WRITES.has(req.method) || EXEMPT.test(pathOf(req))) return next();
    const expected = expectedCsrfTokens(req);
    if (!expected.length) return next();
    // A forged write comes from a browser, and every browser the console supports marks a write with `Origin` (and
    // `Sec-Fetch-Site`), which a page cannot remove. A request with neither is a program holding the cookie itself
    // (a script, a test, a device) — it could send any header it liked, so the token proves nothing there.
    if (!req.get('Origin') && !req.get('Sec-Fetch-Site')) return next();
    const given = req.get(CSRF_HEADER)?.trim() ?? '';
    if (given && expected.some((e) => same(e, given))) return next();
    next(new ForbiddenError(CSRF_REFUSED));
  };
}
