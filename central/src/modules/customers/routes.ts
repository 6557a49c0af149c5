import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  parseOrThrow,
  uuidSchema,
  ValidationError,
} from '@storefleet/shared';
import { isHeadOffice, principalOf, requireAuth, requireRole, storeOf } from '../../kernel/access.js';
import { EMAIL_TAKEN_AT_STORE, emailTaken, tooManyEmailRefusals } from './email-refusals.js';
import { EmailTakenError, type CustomerRepository } from './repository.js';
import {
  isLoyaltyCard,
  maskedCard,
  MIN_PHONE_DIGITS,
  NO_SUCH_CUSTOMER,
  phoneDigits,
  tooManyLookupMisses,
} from './loyalty-card.js';
import type { CustomerLookup, CustomerProfile } from './types.js';
import { CustomerSearch } from './customer-search.js';
import { customerAnswer } from './customer-answers.js';

const email = z.string().trim().toLowerCase().email().max(200);
const fields = {
  name: z.string().trim().min(1).max(200),
  email: email.nullable(),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()-]{5,30}$/, 'must be a phone number')
    .nullable(),
  preferredStoreId: uuidSchema.nullable(),
};
const createBody = z.strictObject({
  ...fields,
  email: fields.email.optional(),
  phone: fields.phone.optional(),
  preferredStoreId: fields.preferredStoreId.optional(),
});
const patchBody = createBody.partial().refine((b) => Object.keys(b).length > 0, 'nothing to change');
const idParam = z.object({ id: uuidSchema });
const lookupBody = z.union([
  z.strictObject({ card: z.string().trim().max(32) }),
  z.strictObject({ phone: fields.phone.unwrap() }),
  z.strictObject({ email }),
]);
const findQuery = z.object({
  email: email.optional(),
  name: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const searchQuery = z.object({
  q: z.string().trim().min(2).max(100),
  after: uuidSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
/** What a store may be told of a customer (their id and first name, for the cart and the greeting). */
const lookupAnswer = z.strictObject({ customerId: z.string(), firstName: z.string() });

/** The look-up as the repository compares it; a card that fails its check digit or too short a number is a 400. */
function lookupOf(body: z.infer<typeof lookupBody>): CustomerLookup {
  if ('card' in body) {
    const card = body.card.replace(/[\s-]/g, '');
    if (!isLoyaltyCard(card)) throw new ValidationError('that is not a loyalty card number: scan the card again');
    return { card };
  }
  if ('phone' in body) {
    const phone = phoneDigits(body.phone);
    if (phone.length < MIN_PHONE_DIGITS)
      throw new ValidationError(`a phone number needs at least ${MIN_PHONE_DIGITS} digits, with the area code`);
    return { phone };
  }
  return body;
}

/**
 * Customer profiles, for the web and app backends (a service account), store lanes and kiosks (store tokens) and
 * the console. Customers do not sign in themselves yet.
 *
 * Head office (ADMIN) searches, reads and edits every customer. A store (its token or a user of the store) never
 * searches; it reads and edits only the customers linked to it (signed up there, an order placed or fulfilled
 * there, their cart worked on there); any other customer is missing to it, exactly like an id that does not exist.
 *
 * An email that belongs to another customer: head office is told which; a store is told what to do (ask for the
 * customer's card or app) without the email, and at most `STORE_EMAIL_REFUSALS` times an hour — past that, each
 * sign-up or edit with an email from that store gets 429, so a store cannot test a list of emails.
 */
export function customerRoutes(repo: () => CustomerRepository, now: () => number): Router {
  const r = Router();
  r.use('/customers', requireAuth);
  const assertVisible = async (req: Request, id: string) => {
    const p = principalOf(req);
    if (isHeadOffice(p)) return;
    const store = storeOf(p);
    if (!store || !(await repo().profileVisibleTo(id, store))) throw new NotFoundError('customer', id);
  };
  /** A profile as the caller may see it: a store never gets the loyalty card number, only its last four digits. */
  const shown = (req: Request, c: CustomerProfile) =>
    isHeadOffice(principalOf(req)) || !c.loyaltyCard ? c : { ...c, loyaltyCard: maskedCard(c.loyaltyCard) };
  /** Runs a write that may set `email`, answering a taken email as the caller may be told (see above). */
  const withEmail = async <T>(req: Request, email: string | null | undefined, write: () => Promise<T>): Promise<T> => {
    const p = principalOf(req);
    const store = storeOf(p);
    if (store && email) {
      const wait = await repo().emailRefusalWait(store, now());
      if (wait) throw tooManyEmailRefusals(wait);
    }
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof EmailTakenError)) throw err;
      if (isHeadOffice(p)) throw emailTaken(email);
      // Recorded under the row's lock: of a concurrent burst, only the cap's worth are told.
      if (store && !(await repo().recordEmailRefusal(store, now())))
        throw tooManyEmailRefusals(Math.max(1, await repo().emailRefusalWait(store, now())));
      throw new ConflictError(EMAIL_TAKEN_AT_STORE, { field: 'email' });
    }
  };
  r.post(
    '/customers',
    apiDoc({
      summary: 'Sign a customer up',
      description:
        'From the console, a lane or an app backend. The store that signs the customer up may read and edit them from ' +
        'then on. An email another customer has: head office is told whose; a store gets a 409 without it, at most ' +
        '`STORE_EMAIL_REFUSALS` times an hour, then 429.',
      body: createBody,
      responses: {
        201: {
          description: 'the customer (to a store, the loyalty card masked to its last four digits)',
          schema: customerAnswer,
        },
        409: 'the email belongs to another customer',
        429: 'a store was refused too many emails this hour',
      },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const body = parseOrThrow(createBody, req.body, 'customer');
      // A sign-up at a lane: the store that signs the customer up may see them from now on.
      res.status(201).json(shown(req, await withEmail(req, body.email, () => repo().create(body, now(), storeOf(p)))));
    },
  );
  /**
   * A customer opening their cart at a store's kiosk or lane: their loyalty card, phone number or email -> their id
   * (for the cart) and first name (for the greeting), nothing else. Found, the store is linked to the customer's cart
   * (it works on it from now on: the cart syncs to it), not their profile. Only a store's own token asks (the node, for
   * its kiosks; the node also budgets each kiosk screen); staff and head office are refused. Each look-up that finds
   * nobody (or a phone number two customers share) is counted per store, cards apart from phone numbers and e-mails:
   * past STORE_LOOKUP_MISSES (or STORE_CARD_LOOKUP_MISSES) an hour, that kind of look-up from the store is refused (429).
   */
  r.post(
    '/customers/lookup',
    apiDoc({
      summary: 'Find a customer at a kiosk by loyalty card, phone number or email',
      description:
        'A store node’s own token only (for its kiosks): answers the customer’s id and first name, nothing else, and ' +
        'links the store to the customer’s cart. A look-up that finds nobody (or a phone two customers share) is 404 ' +
        'and counted per store; past the hour’s cap that kind of look-up from the store is 429.',
      body: lookupBody,
      responses: { 200: lookupAnswer, 404: 'no one customer matches', 429: 'too many misses from this store' },
      access: ['store'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      if (p.kind !== 'store')
        throw new ForbiddenError('a customer look-up is for a store node (its kiosk), by its token');
      const store = p.storeId;
      const by = lookupOf(parseOrThrow(lookupBody, req.body, 'customer look-up'));
      const budget = 'card' in by ? 'card' : 'contact';
      const wait = await repo().lookupMissWait(store, now(), budget);
      if (wait) throw tooManyLookupMisses(wait);
      const found = await repo().lookup(by);
      if (found.length !== 1) {
        // Recorded under the row's lock: of a concurrent burst, only the cap's worth are answered.
        if (!(await repo().recordLookupMiss(store, now(), budget)))
          throw tooManyLookupMisses(Math.max(1, await repo().lookupMissWait(store, now(), budget)));
        throw new AppError('not-found', NO_SUCH_CUSTOMER);
      }
      const { id, name } = found[0]!;
      // For the cart only: the profile stays hidden from a store that only looked the customer up.
      await repo().link(id, store, 'lookup', now());
      res.json({ customerId: id, firstName: name.trim().split(/\s+/)[0] ?? name });
    },
  );
  r.get(
    '/customers',
    apiDoc({
      summary: 'Find customers by email or name',
      description: 'Head office only: a store never searches customers.',
      query: findQuery,
      responses: { 200: 'the customers found: `{ items }`' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const q = parseOrThrow(findQuery, req.query, 'query');
      res.json({ items: await repo().find(q) });
    },
  );
  // The console's customer list: name, e-mail or phone, paged, contacts masked (the detail page shows them).
  r.get(
    '/customers/search',
    apiDoc({
      summary: 'Search customers by name, email or phone (the console’s list)',
      description: 'Head office only. Paged (`after` is the last id of the page); contacts are masked.',
      query: searchQuery,
      responses: { 200: 'a page of customers, contacts masked' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const q = parseOrThrow(searchQuery, req.query, 'query');
      res.json(await new CustomerSearch(repo().db).find({ text: q.q, after: q.after ?? null, limit: q.limit }));
    },
  );
  r.get(
    '/customers/:id',
    apiDoc({
      summary: 'Read a customer',
      description:
        'Head office reads every customer; a store only those linked to it (signed up there, an order or cart ' +
        'there). Any other customer is a 404, exactly like an id that does not exist.',
      params: idParam,
      responses: {
        200: { description: 'the customer (to a store, the loyalty card masked)', schema: customerAnswer },
        404: 'no such customer, or not yours',
      },
      access: ['staff'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'customer id');
      await assertVisible(req, id);
      const c = await repo().get(id);
      if (!c) throw new NotFoundError('customer', id);
      res.json(shown(req, c));
    },
  );
  r.patch(
    '/customers/:id',
    apiDoc({
      summary: 'Change a customer’s name, email, phone or preferred store',
      description:
        'Who may: as for reading the customer (another store’s is a 404). A taken email is answered as at sign-up.',
      params: idParam,
      body: patchBody,
      responses: {
        200: { description: 'the customer as changed', schema: customerAnswer },
        404: 'no such customer, or not yours',
        409: 'the email belongs to another customer',
        429: 'a store was refused too many emails this hour',
      },
      access: ['staff'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'customer id');
      await assertVisible(req, id);
      const body = parseOrThrow(patchBody, req.body, 'customer');
      const c = await withEmail(req, body.email, () => repo().update(id, body, now()));
      if (!c) throw new NotFoundError('customer', id);
      res.json(shown(req, c));
    },
  );
  return r;
}
