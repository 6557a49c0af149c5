import { Router, type Response } from 'express';
import { z } from 'zod';
import { parseOrThrow, PROBLEM_CONTENT_TYPE } from '@storefleet/shared';
import { callerOf } from '../access/screen-guard.js';
import { HubRefusal, type BookingService } from './booking-service.js';

const uuid = z.string().uuid({ message: 'must be an id like 4f6c…-…' });
const holdParam = z.strictObject({ holdId: uuid });
/** Printable text only: a scanner that sends a control character has not sent a ticket. */
const printable = (s: string) => /^[\x20-\x7e]*$/.test(s);

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
  r.get('/booking/shows', (req, res) => {
    parseOrThrow(z.strictObject({}), req.query, 'query');
    res.json(booking.shows());
  });
  r.post('/booking/kiosk/holds', async (req, res) => {
    const body = parseOrThrow(
      z.strictObject({ showId: uuid, places: z.number().int().min(1).max(10) }),
      req.body ?? {},
      'hold',
    );
    try {
      res.status(201).json(await booking.hold(body, callerOf(res), req.get('idempotency-key')));
    } catch (err) {
      if (!passOn(res, err, req.originalUrl)) throw err;
    }
  });
  r.post('/booking/kiosk/holds/:holdId/confirm', async (req, res) => {
    const { holdId } = parseOrThrow(holdParam, req.params, 'hold id');
    parseOrThrow(z.strictObject({}), req.body ?? {}, 'confirm');
    try {
      const answer = await booking.confirm(holdId, callerOf(res), req.get('idempotency-key'));
      res.status(answer.status).json(answer.body);
    } catch (err) {
      if (!passOn(res, err, req.originalUrl)) throw err;
    }
  });
  r.delete('/booking/kiosk/holds/:holdId', async (req, res) => {
    const { holdId } = parseOrThrow(holdParam, req.params, 'hold id');
    try {
      res.json(await booking.release(holdId, callerOf(res), req.get('idempotency-key')));
    } catch (err) {
      if (!passOn(res, err, req.originalUrl)) throw err;
    }
  });
  r.post('/booking/door/check', (req, res) => {
    const { code } = parseOrThrow(
      z.strictObject({
        code: z.string().trim().min(1).max(1000).refine(printable, { message: 'a ticket code is printable text' }),
      }),
      req.body ?? {},
      'ticket',
    );
    res.json(booking.check(code, callerOf(res).role));
  });
  r.get('/booking/door/admissions', (req, res) => {
    const { showId } = parseOrThrow(z.strictObject({ showId: uuid }), req.query, 'query');
    res.json(booking.admissions(showId));
  });
  return r;
}
