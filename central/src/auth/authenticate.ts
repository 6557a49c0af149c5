import type { Request, RequestHandler, Response } from 'express';
import { presentedCredential, readCookie, UnauthorizedError, ValidationError } from '@storefleet/shared';
import type { AuthService } from './auth-service.js';
import { CUSTOMER_COOKIE, CUSTOMER_TOKEN_PREFIX } from '../kernel/principal.js';
import type { CustomerSessions } from '../kernel/ports/accounts.js';
import { clearCsrfCookie } from '../kernel/edge/csrf.js';

export const SESSION_COOKIE = 'sf_session';

/** Where a stale or unreadable credential must not stand in the way: signing in, signing out, a store's exchange. */
const SIGN_IN_ROUTES: ReadonlySet<string> = new Set([
  'POST /auth/login',
  'POST /auth/logout',
  'POST /auth/store-token',
]);

/**
 * The route as the router matches it: express routes case-insensitively and with or without a trailing slash, so
 * `POST /api/Auth/Login/` reaches the sign-in handler and must be recognised as a sign-in route too.
 */
const routeOf = (req: Request) => `${req.method} ${req.path.toLowerCase().replace(/\/+$/, '')}`;
const onSignInRoute = (req: Request) => SIGN_IN_ROUTES.has(routeOf(req));

const presentsBearer = (req: Request) => {
  const authorization = req.get('Authorization');
  return authorization?.startsWith('Bearer ') === true && authorization.slice(7).trim() !== '';
};

/**
 * Expires the session cookie in the browser (the same attributes it was set with), and its CSRF token's (issue #27).
 * A Secure cookie is cleared by a Set-Cookie that is Secure too: pass the request's `secure`.
 */
export function clearSessionCookie(res: Response, secure = false): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
  clearCsrfCookie(res, secure);
}

/** A cookie that cannot be decoded (a 400 from the shared reader, or the URIError of a reader that lets it out). */
const unreadable = (err: unknown) => err instanceof ValidationError || err instanceof URIError;

/** The session cookie's value, or undefined when absent or not readable (a broken cookie is no session). */
export function sessionCookieOf(req: Request): string | undefined {
  try {
    return readCookie(req.get('Cookie'), SESSION_COOKIE);
  } catch (err) {
    if (unreadable(err)) return undefined;
    throw err;
  }
}

/**
 * Sets `req.principal` from `Authorization: Bearer …` (a store token or a session token) or the session cookie.
 * No credential → anonymous (routes decide); a credential that is present but not valid → 401 at once, so a client
 * with a stale token learns why instead of getting a confusing 403 later. A session cookie that cannot even be decoded
 * is treated as a stale one: a 401 "session cookie unreadable; sign in again" whose Set-Cookie expires it, so the
 * browser (the console) drops it and shows the sign-in form. On the sign-in routes a stale or unreadable credential
 * (a session ended by a password reset, say) is ignored and, when it came as the cookie, cleared — otherwise the old
 * cookie would keep its owner from signing in again. A bearer token is never cleared: the browser did not set it.
 * A session cookie refused anywhere else (ended by the idle or absolute limit, signed out elsewhere) is cleared too,
 * with its CSRF cookie, so the browser forgets it as the 401 says why (issue #27).
 */
export function authenticate(auth: AuthService, customers?: () => CustomerSessions | undefined): RequestHandler {
  const customer = customerAuthentication(customers);
  return async (req, res, next) => {
    await customer(req, res);
    let credential: string | undefined;
    try {
      credential = staffCredential(req);
    } catch (err) {
      if (!unreadable(err)) throw err;
      // Only the cookie is decoded (a bearer is taken as sent), so this is the session cookie.
      clearSessionCookie(res, req.secure);
      if (onSignInRoute(req)) return next();
      throw new UnauthorizedError('session cookie unreadable; sign in again');
    }
    try {
      if (credential) req.principal = await auth.principalFor(credential);
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      if (!presentsBearer(req)) clearSessionCookie(res, req.secure);
      if (!onSignInRoute(req)) throw err;
    }
    next();
  };
}

/**
 * The staff credential: a bearer that is not a customer's token, else the staff session cookie. A customer's bearer
 * is the caller and no cookie is read beside it (an explicit credential wins: kernel/two-credentials.ts).
 */
function staffCredential(req: Request): string | undefined {
  const authorization = req.get('Authorization');
  if (authorization?.startsWith(`Bearer ${CUSTOMER_TOKEN_PREFIX}`)) return undefined;
  return presentedCredential(authorization, req.get('Cookie'), SESSION_COOKIE);
}

/** A customer's own routes (issue #26): where a stale customer token is refused rather than taken as nobody. */
const onCustomerRoute = (req: Request) => /^\/account(\/|$)/.test(req.path.toLowerCase());
/** The customer routes a stale customer token must not stand in the way of: signing in, up, or as a guest. */
const CUSTOMER_SIGN_IN = /^\/account\/(sign-up|sign-in(\/code(\/verify)?)?|password-reset(\/confirm)?|guest)\/?$/;

/** Expires the customer's cookie (the attributes it is set with, modules/accounts). */
function clearCustomerCookie(req: Request, res: Response): void {
  res.clearCookie(CUSTOMER_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
  clearCsrfCookie(res, req.secure);
}

/**
 * Sets `req.customer` from a customer's token (`Bearer sfc_…`) or the `sf_customer` cookie, through the accounts
 * module's CUSTOMER_SESSIONS; never `req.principal`, so staff routes see a customer as nobody. A staff cookie beside a
 * customer's sets both (each route reads its own kind; GraphQL's fields for both refuse the pair); a bearer of either
 * kind is the only caller, no cookie read beside it. A customer token that is unknown, ended or expired is a 401 on the customer's own routes
 * (`/account…`, except signing in), and nobody anywhere else (a shop's public pages still answer). An unreadable cookie
 * header is the staff check's to refuse; here it only means no customer cookie.
 */
function customerAuthentication(customers?: () => CustomerSessions | undefined) {
  return async (req: Request, res: Response): Promise<void> => {
    const sessions = customers?.();
    if (!sessions) return;
    const authorization = req.get('Authorization');
    const bearer = authorization?.startsWith(`Bearer ${CUSTOMER_TOKEN_PREFIX}`)
      ? authorization.slice(7).trim()
      : undefined;
    let token = bearer;
    // a staff bearer is the caller: the customer's cookie beside it is not read (kernel/two-credentials.ts)
    if (!token && !presentsBearer(req)) {
      try {
        token = readCookie(req.get('Cookie'), CUSTOMER_COOKIE);
      } catch (err) {
        if (!unreadable(err)) throw err;
      }
    }
    if (!token) return;
    const found = await sessions.customerFor(token);
    if (found) {
      req.customer = found;
      return;
    }
    if (!bearer) clearCustomerCookie(req, res);
    if (onCustomerRoute(req) && !CUSTOMER_SIGN_IN.test(req.path.toLowerCase()))
      throw new UnauthorizedError('the customer session has ended or expired; sign in again');
  };
}
