import { Router, type Response } from 'express';
import { z } from 'zod';
import { parseOrThrow, PROBLEM_CONTENT_TYPE } from '@storefleet/shared';
import { callerOf } from '../access/screen-guard.js';
import { storeApiDoc } from '../api-doc.js';
import { HubRefusal, type BookingService } from './booking-service.js';

const uuid = z.string().uuid({ message: 'must be an id like 4f6c…-…' });
const holdParam = z.strictObject({ holdId: uuid });
/** Printable text only: a scanner that sends a control character has not sent a ticket. */
const printable = (s: string) => /^[\x20-\x7e]*$/.test(s);
const noQuery = z.strictObject({});
const noBody = z.strictObject({});
const holdBody = z.strictObject({ showId: uuid, places: z.number().int().min(1).max(10) });
const ticketBody = z.strictObject({
  code: z.string().trim().min(1).max(1000).refine(printable, { message: 'a ticket code is printable text' }),
});
const admissionsQuery = z.strictObject({ showId: uuid });
const kiosk = { audience: 'screens', tag: 'Booking' } as const;
const doorDoc = { audience: 'staff', screen: 'pickup', tag: 'Booking' } as const;
const THROUGH_HUB =
  'Through the hub: 503 while offline (nothing is queued), and the hub’s refusal passed on with its status and sentence. A kiosk reaches only the holds it placed (any other is a 404).';

const UUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * The hub's refusal, passed on under this node's path with its status, title and sentence, and nothing else: the
 * hub's extra members (another hold's id, its times) are the store's to know, not the screen's, and a hold id in the
 * sentence (`… (hold 4f6c…)`) is left out of it too.
 */
function passOn(res: Response, err: unknown, instance: string): boolean {
  if (!(err instanceof HubRefusal)) return false;
  const { type, title } = err.problem;
  const detail = err.message
    .replace(/\s*\(hold [^)]*\)/gi, '')
    .replace(UUID_IN_TEXT, '…')
    .slice(0, 500);
  res
    .status(err.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: typeof type === 'string' ? type : 'about:blank',
        title: typeof title === 'string' ? title : 'Refused by head office',
        status: err.status,
        detail,
        instance,
      }),
    );
  return true;
}

/**
 * Booking at the store: the kiosk's list of this store's shows and its walk-in bookings through the hub (503 while
 * offline, nothing queued; a kiosk reaches only the holds it placed, any other is a 404), and the door's ticket
 * check (offline too) with its count let in.
 */
export function bookingRoutes(booking: BookingService): Router {
  const r = Router();
  r.get(
    '/booking/shows',
    storeApiDoc({
      ...kiosk,
      summary: 'This store’s upcoming shows and service slots',
      description: 'From the hub’s feed, so offline too.',
      query: noQuery,
      responses: { 200: '{ shows, timeZone }: shows that have not ended, soonest first (cancelled ones too)' },
    }),
    (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      res.json(booking.shows());
    },
  );
  r.post(
    '/booking/kiosk/holds',
    storeApiDoc({
      ...kiosk,
      summary: 'Hold places at a show for a walk-in customer',
      description: THROUGH_HUB,
      body: holdBody,
      responses: { 201: '{ hold }: the places held and until when' },
    }),
    async (req, res) => {
      const body = parseOrThrow(holdBody, req.body ?? {}, 'hold');
      try {
        res.status(201).json(await booking.hold(body, callerOf(res), req.get('idempotency-key')));
      } catch (err) {
        if (!passOn(res, err, req.originalUrl)) throw err;
      }
    },
  );
  r.post(
    '/booking/kiosk/holds/:holdId/confirm',
    storeApiDoc({
      ...kiosk,
      summary: 'Confirm a hold: the booking and its ticket',
      description: THROUGH_HUB,
      params: holdParam,
      body: noBody,
      responses: {
        200: '{ booking, tickets }: confirmed already (the hub’s answer to a retry)',
        201: '{ booking, tickets }: the booking and a ticket per place',
      },
    }),
    async (req, res) => {
      const { holdId } = parseOrThrow(holdParam, req.params, 'hold id');
      parseOrThrow(noBody, req.body ?? {}, 'confirm');
      try {
        const answer = await booking.confirm(holdId, callerOf(res), req.get('idempotency-key'));
        res.status(answer.status).json(answer.body);
      } catch (err) {
        if (!passOn(res, err, req.originalUrl)) throw err;
      }
    },
  );
  r.delete(
    '/booking/kiosk/holds/:holdId',
    storeApiDoc({
      ...kiosk,
      summary: 'Let a hold go',
      description: THROUGH_HUB,
      params: holdParam,
      responses: { 200: '{ released: true, holdId }' },
    }),
    async (req, res) => {
      const { holdId } = parseOrThrow(holdParam, req.params, 'hold id');
      try {
        res.json(await booking.release(holdId, callerOf(res), req.get('idempotency-key')));
      } catch (err) {
        if (!passOn(res, err, req.originalUrl)) throw err;
      }
    },
  );
  r.post(
    '/booking/door/check',
    storeApiDoc({
      ...doorDoc,
      summary: 'Check a ticket at the door and let its holder in',
      description:
        'Offline too: the hub’s signature checked with the cached key. A ticket for another store or a bad signature is 422; one let in already, cancelled, or for a show that is over or cancelled is 409, each saying why.',
      body: ticketBody,
      responses: {
        200: '{ admitted: true, timeZone, ticket }: the show’s title, seat, start, ticket number and booking',
      },
    }),
    (req, res) => {
      const { code } = parseOrThrow(ticketBody, req.body ?? {}, 'ticket');
      res.json(booking.check(code, callerOf(res).role));
    },
  );
  r.get(
    '/booking/door/admissions',
    storeApiDoc({
      ...doorDoc,
      summary: 'How many were let in for a show, of its capacity',
      query: admissionsQuery,
      responses: { 200: '{ showId, admitted, capacity }' },
    }),
    (req, res) => {
      const { showId } = parseOrThrow(admissionsQuery, req.query, 'query');
      res.json(booking.admissions(showId));
    },
  );
  return r;
}
