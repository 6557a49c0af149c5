import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { apiDoc, markSecretAnswer, parseOrThrow, UnauthorizedError, uuidSchema } from '@storefleet/shared';
import { principalOf, requireRole } from '../kernel/access.js';
import { ROLES, type Role } from '../kernel/principal.js';
import type { AuthService } from './auth-service.js';
import { StoreVerifyBusyError } from './passwords.js';
import { clearSessionCookie, SESSION_COOKIE, sessionCookieOf } from './authenticate.js';
import { CSRF_COOKIE, expectedCsrfTokens, setCsrfCookie } from '../kernel/edge/csrf.js';

const loginSchema = z.strictObject({ email: z.string().trim().min(3).max(254), password: z.string().min(1).max(1024) });
const storeTokenSchema = z.strictObject({ storeId: uuidSchema, secret: z.string().min(1).max(256) });
const newUserSchema = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES as [Role, ...Role[]]),
  storeId: uuidSchema.optional(),
  password: z.string().min(12, 'at least 12 characters').max(1024),
});

const userChange = z.strictObject({
  disabled: z.boolean().optional(),
  password: z.string().min(12, 'at least 12 characters').max(1024).optional(),
});

const userIdParam = z.object({ id: uuidSchema });

/** A console user as the hub answers it (never with a password hash). */
const userAnswer = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES as [Role, ...Role[]]),
  storeId: z.string().nullable(),
  disabled: z.boolean(),
  createdAt: z.number(),
});

/** `GET /api/auth/me`: a store's token says which store; a person's session who they are and their store. */
const meAnswer = z.union([
  z.object({ kind: z.literal('store'), storeId: z.string() }),
  z.object({
    kind: z.literal('user'),
    userId: z.string(),
    role: z.enum(ROLES as [Role, ...Role[]]),
    storeId: z.string().nullable(),
    email: z.string(),
    name: z.string(),
    store: z.object({ storeId: z.string(), code: z.string(), name: z.string() }).nullable(),
  }),
]);

const address = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * Drops any Set-Cookie for the session (and its CSRF token) set earlier in this answer (a stale cookie being
 * cleared), keeping others.
 */
function dropSessionSetCookie(res: Response): void {
  const prior = res.getHeader('Set-Cookie');
  if (prior === undefined) return;
  const kept = (Array.isArray(prior) ? prior : [String(prior)]).filter(
    (c) => !c.startsWith(`${SESSION_COOKIE}=`) && !c.startsWith(`${CSRF_COOKIE}=`),
  );
  if (kept.length) res.setHeader('Set-Cookie', kept);
  else res.removeHeader('Set-Cookie');
}

export function authRoutes(auth: AuthService): Router {
  const r = Router();
  r.post(
    '/auth/login',
    apiDoc({
      summary: 'Sign in to the console (sets the session cookie)',
      description:
        'Limited per account and per address; a wrong email or password is one answer (401) so accounts cannot ' +
        'be told apart. A stale or foreign credential sent along does not stop a sign-in.',
      tags: ['auth'],
      body: loginSchema,
      responses: { 200: z.object({ user: userAnswer, expiresAt: z.number() }), 429: 'too many attempts; wait' },
      access: ['public'],
    }),
    async (req, res) => {
      const { email, password } = parseOrThrow(loginSchema, req.body, 'sign-in');
      const { user, sessionToken, expiresAt } = await auth.login(email, password, address(req));
      markSecretAnswer(res); // the answer sets a session cookie: a retry must not be told it succeeded without one
      dropSessionSetCookie(res);
      res.cookie(SESSION_COOKIE, sessionToken, {
        httpOnly: true,
        sameSite: 'strict',
        secure: req.secure,
        path: '/',
        expires: new Date(expiresAt),
      });
      // the double-submit token the console copies into X-CSRF-Token on every write (kernel/edge/csrf.ts)
      setCsrfCookie(res, sessionToken, req.secure, { expires: new Date(expiresAt) });
      res.json({ user, expiresAt });
    },
  );
  r.post(
    '/auth/logout',
    apiDoc({
      summary: 'Sign out (ends the session and clears its cookie)',
      access: ['public'],
      responses: { 204: 'Signed out' },
    }),
    async (req, res) => {
      const token = sessionCookieOf(req);
      if (token) await auth.logout(token);
      dropSessionSetCookie(res);
      clearSessionCookie(res, req.secure);
      res.status(204).end();
    },
  );
  r.get(
    '/auth/csrf',
    apiDoc({
      summary: 'The CSRF token of the session cookie this request came with (and its sf_csrf cookie set again)',
      description:
        'For a page that lost its `sf_csrf` cookie: every write that a session cookie (staff or customer) ' +
        'authenticates must carry this token in `X-CSRF-Token`, or it is refused 403. 401 without a session cookie ' +
        '(a bearer token needs no CSRF token).',
      tags: ['auth'],
      responses: { 200: z.object({ token: z.string() }), 401: 'no session cookie came with the request' },
      access: ['admin', 'staff', 'customer'],
    }),
    (req, res) => {
      const [token] = expectedCsrfTokens(req);
      if (!token) throw new UnauthorizedError('no session cookie came with the request; sign in');
      res.cookie(CSRF_COOKIE, token, { httpOnly: false, sameSite: 'strict', secure: req.secure, path: '/' });
      res.json({ token });
    },
  );
  r.get(
    '/auth/me',
    apiDoc({
      summary: 'Who is signed in: the person and their store, or the store a token is for',
      responses: { 200: meAnswer },
    }),
    async (req, res) => {
      res.json(await auth.me(principalOf(req)));
    },
  );
  r.post(
    '/auth/store-token',
    apiDoc({
      summary: 'A store node trades its secret for a short-lived store token',
      description:
        'The answer carries the hub’s clock (`serverTime`) so a store with a wrong clock judges expiry right.',
      body: storeTokenSchema,
      responses: { 200: 'The token, its expiry and the hub’s time', 429: 'too many attempts; Retry-After says when' },
      access: ['public'],
    }),
    async (req, res) => {
      const { storeId, secret } = parseOrThrow(storeTokenSchema, req.body, 'store credential');
      const token = await auth.storeToken(storeId, secret).catch((err: unknown) => {
        if (err instanceof StoreVerifyBusyError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
        throw err;
      });
      markSecretAnswer(res);
      // The hub's clock, so a store whose own clock is off judges the token's expiry by the time that counts here.
      res.json({ ...token, serverTime: auth.now() });
    },
  );
  r.post(
    '/users',
    apiDoc({
      summary: 'Create a console user',
      tags: ['auth'],
      body: newUserSchema,
      responses: { 201: userAnswer },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      res.status(201).json(await auth.createUser(parseOrThrow(newUserSchema, req.body, 'user')));
    },
  );
  r.patch(
    '/users/:id',
    apiDoc({
      summary: 'Disable a console user or set their password',
      params: userIdParam,
      body: userChange,
      responses: { 200: userAnswer },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(userIdParam, req.params, 'user id');
      const change = parseOrThrow(userChange, req.body, 'user change');
      const by = principalOf(req);
      res.json(await auth.updateUser(id, change, by.kind === 'user' ? by.userId : null));
    },
  );
  // head office lists every account; a store's manager their own store's associates (the console's "Staff")
  r.get(
    '/users',
    apiDoc({
      summary: 'List console users (a store manager: their own store’s associates)',
      responses: { 200: z.object({ items: z.array(userAnswer) }) },
      access: ['admin', 'staff'],
    }),
    requireRole('ADMIN', 'STORE_MANAGER'),
    async (req, res) => {
      res.json({ items: await auth.listUsers(principalOf(req)) });
    },
  );
  return r;
}
