import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { apiDoc, markSecretAnswer, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { customerOf, requireRole } from '../../kernel/access.js';
import { CUSTOMER_COOKIE } from '../../kernel/principal.js';
import { clearCsrfCookie, setCsrfCookie } from '../../kernel/edge/csrf.js';
import { CODE_MS, CODE_TRIES, RESET_MS, SESSION_MS, type AccountService } from './service.js';
import type { SignedIn } from './types.js';
import { accountSearchAnswer, outboxAnswer } from './account-answers.js';

/** Control characters (NUL included) are refused in a password: a client that sends one has a bug, not a secret. */
const password = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(200, 'must be at most 200 characters')
  .refine(
    (p) => ![...p].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
    'must not contain control characters',
  );
const email = z.string().trim().toLowerCase().email().max(200);
const name = z.string().trim().min(1).max(200);
const guestToken = z.string().max(200).optional();

export const signUpBody = z.strictObject({ email, password, name, guestToken });
export const signInBody = z.strictObject({ email, password: z.string().min(1).max(200), guestToken });
export const emailBody = z.strictObject({ email });
export const codeBody = z.strictObject({ email, code: z.string().regex(/^\d{6}$/, 'must be 6 digits'), guestToken });
export const resetBody = z.strictObject({ token: z.string().min(1).max(200), password });
export const profileBody = z
  .strictObject({
    name: name.optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ()-]{5,30}$/, 'must be a phone number')
      .nullable()
      .optional(),
    preferredStoreId: uuidSchema.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
const searchQuery = z.strictObject({ q: z.string().trim().min(1).max(200) });
const customerParam = z.strictObject({ customerId: uuidSchema });

export const accountSchema = z.object({
  customerId: z.string(),
  email: z.string().nullable(),
  name: z.string(),
  phone: z.string().nullable(),
  preferredStoreId: z.string().nullable(),
  guest: z.boolean(),
  loyaltyCard: z.string().nullable(),
});
export const signedInSchema = z.object({ account: accountSchema, token: z.string(), expiresAt: z.string() });
const accepted = z.object({ accepted: z.literal(true) });

const address = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * The customer's cookie: httpOnly, SameSite=Lax (a link from a mail keeps the session), Secure behind TLS; and its
 * CSRF token's, which the shop page sends back on every write (issue #27, kernel/edge/csrf.ts).
 */
export function setCustomerCookie(res: Response, secure: boolean, s: SignedIn): void {
  res.cookie(CUSTOMER_COOKIE, s.token, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: SESSION_MS });
  setCsrfCookie(res, s.token, secure, { maxAge: SESSION_MS });
}
export function clearCustomerCookie(res: Response, secure: boolean): void {
  res.clearCookie(CUSTOMER_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
  clearCsrfCookie(res, secure);
}

/** A sign-in's answer: the token in the body (apps) and the cookie (the web page); never kept for a retry. */
function signedIn(req: Request, res: Response, status: number, s: SignedIn): void {
  markSecretAnswer(res);
  setCustomerCookie(res, req.secure, s);
  res.status(status).json(s);
}

/**
 * A customer's own account (issue #26) under `/account`, and head office's view of accounts under `/accounts`. The
 * sign-in routes answer the same for an unknown e-mail as for a wrong password, and 202 for any code or reset asked.
 */
export function accountRoutes(accounts: AccountService): Router {
  const r = Router();
  /** A route that signs a customer in (password, code, sign-up): validated body in, token and cookie out. */
  const signInRoute = <S extends z.ZodType>(
    path: string,
    status: 200 | 201,
    doc: { summary: string; description: string },
    body: S,
    what: string,
    run: (input: z.output<S>, req: Request) => Promise<SignedIn>,
  ) =>
    r.post(
      path,
      apiDoc({ ...doc, body, responses: { [status]: signedInSchema }, access: ['public', 'customer'] }),
      async (req, res) => {
        signedIn(req, res, status, await run(parseOrThrow(body, req.body, what), req));
      },
    );
  /** A route that mails a secret (a code, a reset link) to an e-mail: 202 whether or not it is a customer's. */
  const mailRoute = (
    path: string,
    doc: { summary: string; description: string },
    what: string,
    send: (email: string, address: string) => Promise<void>,
  ) =>
    r.post(
      path,
      apiDoc({ ...doc, body: emailBody, responses: { 202: accepted }, access: ['public', 'customer'] }),
      async (req, res) => {
        await send(parseOrThrow(emailBody, req.body, what).email, address(req));
        res.status(202).json({ accepted: true });
      },
    );

  signInRoute(
    '/account/sign-up',
    201,
    {
      summary: 'Create a customer account and sign in',
      description:
        'A password of 10 to 200 characters. With `guestToken` (or a guest’s cookie) the guest’s cart moves into the new account’s. 409 when the e-mail has an account or a shop’s customer profile (claim it with a sign-in code).',
    },
    signUpBody,
    'sign-up',
    (input, req) => accounts.signUp(input, address(req), req.customer),
  );
  signInRoute(
    '/account/sign-in',
    200,
    {
      summary: 'Sign in with e-mail and password',
      description:
        'One answer (401) for an unknown e-mail and a wrong password; limited per e-mail and per client address (429). A guest’s cart (`guestToken` or the guest’s cookie) merges into the account’s.',
    },
    signInBody,
    'sign-in',
    (input, req) => accounts.signIn(input, address(req), req.customer),
  );
  mailRoute(
    '/account/sign-in/code',
    {
      summary: 'E-mail a one-time sign-in code',
      description: `202 whether or not the e-mail is a customer’s. A code is 6 digits, good for ${CODE_MS / 60_000} minutes and ${CODE_TRIES} tries (a right code after them is refused too); wrong codes count against the e-mail’s code limit, 10 per 15 minutes (429), kept apart from its password limit so spending one leaves the other. 503 when the hub sends no e-mail.`,
    },
    'sign-in code request',
    (email, from) => accounts.requestCode(email, from),
  );
  signInRoute(
    '/account/sign-in/code/verify',
    200,
    {
      summary: 'Sign in with an e-mailed code',
      description: 'A shop’s customer profile with this e-mail becomes an account (no password yet) on first use.',
    },
    codeBody,
    'sign-in code',
    (input, req) => accounts.verifyCode(input, address(req), req.customer),
  );
  mailRoute(
    '/account/password-reset',
    {
      summary: 'E-mail a password-reset link',
      description: `202 whether or not the e-mail is a customer’s; the link works once, for ${RESET_MS / 60_000} minutes. 503 without e-mail.`,
    },
    'password reset request',
    (email, from) => accounts.requestReset(email, from),
  );
  r.post(
    '/account/password-reset/confirm',
    apiDoc({
      summary: 'Choose a new password with a reset link’s token',
      description: 'Ends every session of the account.',
      body: resetBody,
      responses: { 200: z.object({ sessionsEnded: z.number().int() }) },
      access: ['public', 'customer'],
    }),
    async (req, res) => {
      const { token, password: newPassword } = parseOrThrow(resetBody, req.body, 'password reset');
      markSecretAnswer(res);
      res.json(await accounts.confirmReset(token, newPassword));
    },
  );
  r.post(
    '/account/sign-out',
    apiDoc({ summary: 'End this session', responses: { 204: 'signed out' }, access: ['customer'] }),
    async (req, res) => {
      await accounts.signOut(customerOf(req));
      clearCustomerCookie(res, req.secure);
      res.status(204).end();
    },
  );
  r.post(
    '/account/sign-out-everywhere',
    apiDoc({ summary: 'End every session of this account', responses: { 204: 'signed out' }, access: ['customer'] }),
    async (req, res) => {
      await accounts.signOutEverywhere(customerOf(req).customerId);
      clearCustomerCookie(res, req.secure);
      res.status(204).end();
    },
  );
  r.post(
    '/account/guest',
    apiDoc({
      summary: 'Start a guest session',
      description: 'A customer without an e-mail whose cart is `cart:<customerId>`; limited per client address.',
      responses: { 201: signedInSchema },
      access: ['public', 'customer'],
    }),
    async (req, res) => {
      signedIn(req, res, 201, await accounts.guest(address(req)));
    },
  );
  r.get(
    '/account',
    apiDoc({ summary: 'The signed-in customer’s account', responses: { 200: accountSchema }, access: ['customer'] }),
    async (req, res) => {
      res.json(await accounts.view(customerOf(req).customerId));
    },
  );
  r.patch(
    '/account',
    apiDoc({
      summary: 'Change the signed-in customer’s name, phone or preferred store',
      body: profileBody,
      responses: { 200: accountSchema },
      access: ['customer'],
    }),
    async (req, res) => {
      const customer = customerOf(req);
      const change = parseOrThrow(profileBody, req.body, 'profile change');
      res.json(await accounts.update(customer.customerId, change));
    },
  );

  r.get(
    '/accounts',
    apiDoc({
      summary: 'Find customer accounts by e-mail',
      description: 'Head office only. Each with its live sessions and last sign-in.',
      query: searchQuery,
      responses: { 200: { description: 'accounts (`items`)', schema: accountSearchAnswer } },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { q } = parseOrThrow(searchQuery, req.query, 'account search');
      res.json({ items: await accounts.search(q) });
    },
  );
  r.get(
    '/accounts/outbox',
    apiDoc({
      summary: 'The customer e-mail outbox: counts by state and the latest messages (no bodies)',
      responses: { 200: { description: 'counts and recent mail', schema: outboxAnswer } },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (_req, res) => {
      res.json(await accounts.outbox());
    },
  );
  r.post(
    '/accounts/:customerId/sign-out-everywhere',
    apiDoc({
      summary: 'End every session of a customer’s account',
      params: customerParam,
      responses: { 200: z.object({ sessionsEnded: z.number().int() }) },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { customerId } = parseOrThrow(customerParam, req.params, 'account');
      res.json({ sessionsEnded: await accounts.adminSignOutEverywhere(customerId) });
    },
  );
  return r;
}
