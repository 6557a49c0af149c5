import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  ConflictError,
  deliveryText,
  ForbiddenError,
  NotFoundError,
  parseOrThrow,
  PROBLEM_CONTENT_TYPE,
  UnprocessableError,
  uuidSchema,
} from '@storefleet/shared';
import { isHeadOffice, principalOf, requireAuth, storeOf } from '../../kernel/access.js';
import { principalKey, type Principal } from '../../kernel/principal.js';
import type { BookingSales } from './sales.js';
import type { BookingService } from './service.js';
import type { TicketSigner } from './tickets.js';
import type { Caller, Hold, Show } from './types.js';
import type { Waitlist } from './waitlist.js';

const holdParam = z.strictObject({ holdId: uuidSchema });
const bookingParam = z.strictObject({ bookingId: uuidSchema });
const showParam = z.strictObject({ showId: uuidSchema });
const entryParam = z.strictObject({ entryId: uuidSchema });
const noQuery = z.strictObject({});
/** A confirm carries nothing but its Idempotency-Key; an empty JSON object is fine too. */
const confirmBody = z.strictObject({}).optional();
const cancelBody = z.strictObject({ reason: deliveryText(200).optional() }).optional();
const showCancelBody = z.strictObject({ reason: deliveryText(200) });
const waitlistBody = z.strictObject({
  customerId: uuidSchema,
  places: z.number().int().min(1).max(10),
  section: z
    .string()
    .regex(/^[A-Z0-9]{1,16}$/, 'a section code: capital letters and digits, up to 16')
    .optional(),
});
const admissionBody = z.strictObject({ code: z.string().min(1).max(1_000) });

/** The caller as the holds' side knows it: its principal and its stable key (who placed a hold). */
export function callerOf(req: Request): Caller {
  const p = principalOf(req);
  return { principal: p, key: principalKey(p, { address: '', route: '' }) };
}

/** Head office, or a store's people or node acting for the show's store. */
const ownsShow = (p: Principal, show: Show) =>
  isHeadOffice(p) || (show.storeId !== null && storeOf(p) === show.storeId);

/**
 * Confirm, cancel, tickets, the ticket key, admissions, waitlists (lane B). Who may act on a booking: the caller that
 * placed the hold, head office, or the show's store (its people and its node); to anyone else it is missing (404).
 */
export function salesRoutes(
  sales: BookingSales,
  waitlist: Waitlist,
  tickets: TicketSigner,
  holds: BookingService,
): Router {
  const r = Router();

  /** The hold and its show, when the caller may act on it; a 404 otherwise, exactly as for an id that never was. */
  const booking = async (req: Request, id: string, entity = 'booking'): Promise<{ hold: Hold; show: Show }> => {
    const caller = callerOf(req);
    const hold = await holds.hold(id);
    const show = hold && (await holds.show(hold.showId));
    if (!hold || !show) throw new NotFoundError(entity, id);
    if (hold.createdBy !== caller.key && !ownsShow(caller.principal!, show)) throw new NotFoundError(entity, id);
    return { hold, show };
  };
  /** A show the caller reaches (the holds' rule: head office, anyone for head office's shows, else its own store's). */
  const reachableShow = async (req: Request, id: string): Promise<Show> => {
    const show = await holds.show(id);
    if (!show || !holds.reaches(callerOf(req), show)) throw new NotFoundError('show', id);
    return show;
  };

  r.post(
    '/booking/holds/:holdId/confirm',
    apiDoc({
      summary: 'Confirm a hold: pay and book',
      description:
        'Charges the customer and answers the booking with its tickets (200), a payment still pending (202), or a refused payment (402 problem+json with the booking). A confirmed hold answers its booking again. For the caller that placed it, head office or the show’s store (404 to anyone else).',
      params: holdParam,
      body: confirmBody,
      responses: {
        200: '`{ booking, tickets }`: the confirmed booking',
        202: '`{ booking, message }`: the payment is pending',
        402: 'the payment was refused (problem+json with the booking)',
      },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { holdId } = parseOrThrow(holdParam, req.params, 'hold id');
      parseOrThrow(confirmBody, req.body && Object.keys(req.body).length === 0 ? undefined : req.body, 'confirm');
      const { hold, show } = await booking(req, holdId, 'hold');
      const outcome = await sales.confirm(hold, show);
      if (outcome.kind === 'confirmed') res.json({ booking: outcome.booking, tickets: outcome.tickets });
      else if (outcome.kind === 'pending') res.status(202).json({ booking: outcome.booking, message: outcome.message });
      else
        res.status(402).type(PROBLEM_CONTENT_TYPE).json({
          type: 'urn:storefleet:problem:payment-refused',
          title: 'Payment refused',
          status: 402,
          detail: outcome.message,
          booking: outcome.booking,
        });
    },
  );

  r.get(
    '/booking/ticket-key',
    apiDoc({
      summary: 'Read the public key tickets are signed with',
      description: 'Store doors verify tickets offline with it.',
      query: noQuery,
      responses: { 200: '`{ algorithm: "Ed25519", publicKey }`' },
      access: ['staff'],
    }),
    requireAuth,
    (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      res.json({ algorithm: 'Ed25519', publicKey: tickets.publicKey });
    },
  );

  r.get(
    '/booking/bookings/:bookingId',
    apiDoc({
      summary: 'Read a booking and the refund rule that applies to it',
      description: 'For who placed it, head office or the show’s store; missing (404) to anyone else.',
      params: bookingParam,
      query: noQuery,
      responses: { 200: '`{ booking, refundRule }`' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { bookingId } = parseOrThrow(bookingParam, req.params, 'booking id');
      parseOrThrow(noQuery, req.query, 'query');
      const { hold, show } = await booking(req, bookingId);
      res.json({
        booking: {
          ...(await sales.view(hold, show)),
          confirmedAt: hold.confirmedAt,
          refundMinor: hold.refundMinor,
          refundState: hold.refundState,
        },
        refundRule: sales.ruleOf(show),
      });
    },
  );

  r.get(
    '/booking/bookings/:bookingId/tickets',
    apiDoc({
      summary: 'Read a confirmed booking’s signed tickets',
      description:
        'A hold not yet confirmed, or a cancelled booking, is a 409. For who placed it, head office or the show’s store (404 to anyone else).',
      params: bookingParam,
      query: noQuery,
      responses: { 200: '`{ booking, tickets }`', 409: 'the booking is not confirmed, or was cancelled' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { bookingId } = parseOrThrow(bookingParam, req.params, 'booking id');
      parseOrThrow(noQuery, req.query, 'query');
      const { hold, show } = await booking(req, bookingId);
      if (hold.status !== 'CONFIRMED')
        throw new ConflictError(
          hold.status === 'CANCELLED'
            ? 'this booking was cancelled: its tickets no longer let anyone in'
            : `this hold is ${hold.status.toLowerCase()}: tickets come with a confirmed booking`,
          { status: hold.status },
        );
      res.json({ booking: await sales.view(hold, show), tickets: await sales.ticketsOf(hold, show) });
    },
  );

  r.post(
    '/booking/bookings/:bookingId/cancel',
    apiDoc({
      summary: 'Cancel a booking, refunding by the show’s rules',
      description:
        'A cancelled booking answers as before. For who placed it, head office or the show’s store (404 to anyone else).',
      params: bookingParam,
      body: cancelBody,
      responses: { 200: 'the cancelled booking and its refund' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { bookingId } = parseOrThrow(bookingParam, req.params, 'booking id');
      const body = parseOrThrow(
        cancelBody,
        req.body && Object.keys(req.body).length === 0 ? undefined : req.body,
        'cancel',
      );
      const { hold, show } = await booking(req, bookingId);
      res.json(await sales.cancel(hold, show, body?.reason ?? null));
    },
  );

  r.post(
    '/booking/shows/:showId/cancel',
    apiDoc({
      summary: 'Cancel a show and every booking of it',
      description:
        'Head office, or the manager of the show’s store; shows are public, so anyone else gets a 403 (nothing is hidden).',
      params: showParam,
      body: showCancelBody,
      responses: { 200: 'the cancelled show and what was refunded' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { showId } = parseOrThrow(showParam, req.params, 'show id');
      const body = parseOrThrow(showCancelBody, req.body, 'show cancel');
      const show = await holds.show(showId);
      if (!show) throw new NotFoundError('show', showId);
      const p = principalOf(req);
      const manager =
        p.kind === 'user' && p.role === 'STORE_MANAGER' && show.storeId !== null && p.storeId === show.storeId;
      // Shows are advertised (public), so a refusal hides nothing: 403 to everyone else.
      if (!isHeadOffice(p) && !manager)
        throw new ForbiddenError('only head office or the manager of the show’s store may cancel a show');
      res.json(await sales.cancelShow(show, body.reason));
    },
  );

  r.post(
    '/booking/shows/:showId/waitlist',
    apiDoc({
      summary: 'Put a customer on a sold-out show’s waitlist',
      description: 'A customer already waiting is a 409. Another store’s show is missing (404).',
      params: showParam,
      body: waitlistBody,
      responses: { 201: 'the waitlist entry', 409: 'the customer already waits' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { showId } = parseOrThrow(showParam, req.params, 'show id');
      const body = parseOrThrow(waitlistBody, req.body, 'waitlist entry');
      const show = await reachableShow(req, showId);
      res.status(201).json(await waitlist.join(callerOf(req), show, body));
    },
  );

  r.get(
    '/booking/shows/:showId/waitlist',
    apiDoc({
      summary: 'List a show’s waitlist',
      description:
        'Head office and the show’s store see it all; at a head-office show, another caller sees the entries it put there.',
      params: showParam,
      query: noQuery,
      responses: { 200: '`{ showId, items }`' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { showId } = parseOrThrow(showParam, req.params, 'show id');
      parseOrThrow(noQuery, req.query, 'query');
      const show = await reachableShow(req, showId);
      if (ownsShow(principalOf(req), show)) {
        res.json({ showId, items: await waitlist.list(show) });
        return;
      }
      if (show.storeId !== null) throw new NotFoundError('show', showId);
      // A head-office show: whoever put customers on its waitlist reads their own entries (and where they stand).
      res.json({ showId, items: await waitlist.list(show, 500, callerOf(req).key) });
    },
  );

  r.delete(
    '/booking/waitlist/:entryId',
    apiDoc({
      summary: 'Take an entry off a waitlist',
      description: 'Who joined, head office or the show’s store (404 to anyone else); an entry that has left is a 409.',
      params: entryParam,
      query: noQuery,
      responses: { 200: 'the entry, left', 409: 'it has left already' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { entryId } = parseOrThrow(entryParam, req.params, 'waitlist entry id');
      parseOrThrow(noQuery, req.query, 'query');
      const caller = callerOf(req);
      const entry = await waitlist.entry(entryId);
      const show = await holds.show(entry.showId);
      if (!show || (entry.createdBy !== caller.key && !ownsShow(caller.principal!, show)))
        throw new NotFoundError('waitlist entry', entryId);
      res.json(await waitlist.leave(entry));
    },
  );

  r.post(
    '/booking/admissions',
    apiDoc({
      summary: 'Let a ticket in at the door',
      description:
        'Checks the ticket’s signature (422 when it is not the hub’s), then admits it once: a second scan is a 409 with the time it was let in. Another store’s show is refused (403).',
      body: admissionBody,
      responses: { 201: 'the admission', 409: 'already let in' },
      access: ['staff'],
    }),
    requireAuth,
    async (req, res) => {
      const { code } = parseOrThrow(admissionBody, req.body, 'admission');
      const claim = tickets.verify(code);
      if (!claim)
        throw new UnprocessableError('this ticket is not genuine: its code does not carry the hub’s signature');
      const p = principalOf(req);
      const hold = await holds.hold(claim.bookingId);
      const show = hold && (await holds.show(hold.showId));
      if (!hold || !show || hold.showId !== claim.showId || claim.ticketNo > hold.places)
        throw new NotFoundError('booking', claim.bookingId);
      if (!ownsShow(p, show))
        throw new ForbiddenError('this ticket is for another store’s show: it is let in at that store’s door');
      res.status(201).json(await sales.admit(hold, show, claim.ticketNo, callerOf(req).key));
    },
  );

  return r;
}
