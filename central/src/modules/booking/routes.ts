import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  BOOKING_HOLD_STATUSES,
  deliveryText,
  ForbiddenError,
  NotFoundError,
  parseOrThrow,
  SHOW_KINDS,
  uuidSchema,
} from '@storefleet/shared';
import { isHeadOffice, ownsAny, principalOf, storeOf } from '../../kernel/access.js';
import { principalKey, type Principal } from '../../kernel/principal.js';
import { newVenueSchema } from './seat-layout.js';
import type { BookingService } from './service.js';
import type { Hold, Show } from './types.js';

const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const storeIdSchema = z.string().min(1).max(64);
const seatLabelSchema = z
  .string()
  .regex(/^[A-Z0-9]{1,16}-[A-Z0-9]{1,16}-\d{1,5}$/, 'a seat label: SECTION-ROW-NUMBER (STALLS-C-12)');

const newShowSchema = z.strictObject({
  venueId: uuidSchema,
  title: deliveryText(200),
  kind: z.enum(SHOW_KINDS),
  startsAt: epochMs,
  endsAt: epochMs,
  capacity: z.number().int().min(1).max(100_000).optional(),
  priceMinor: z.number().int().min(0).max(100_000_000).optional(),
  holdMinutes: z.number().int().min(1).max(120).optional(),
  refundCutoffHours: z.number().int().min(0).max(8760).optional(),
});
const holdSchema = z.strictObject({
  customerId: uuidSchema,
  seats: z.array(seatLabelSchema).min(1).max(10).optional(),
  best: z
    .strictObject({
      count: z.number().int().min(1).max(10),
      section: z
        .string()
        .regex(/^[A-Z0-9]{1,16}$/, 'a section code')
        .optional(),
    })
    .optional(),
  places: z.number().int().min(1).max(10).optional(),
  accessible: z.boolean().optional(),
});
const venueParam = z.strictObject({ venueId: uuidSchema });
const showParam = z.strictObject({ showId: uuidSchema });
const holdParam = z.strictObject({ holdId: uuidSchema });
const limit = z.coerce.number().int().min(1).max(200).default(50);
const venuesQuery = z.strictObject({ storeId: storeIdSchema.optional() });
const msQuery = z.coerce.number().int().min(0).max(8_640_000_000_000);
/** What `storeId=head-office` asks for: the shows of head office's own venues (a venue of no store). */
const HEAD_OFFICE_VENUES = 'head-office';
const showsQuery = z.strictObject({
  /** A store's id, or `head-office` for head office's own venues; none for every show. */
  storeId: storeIdSchema.transform((s) => (s === HEAD_OFFICE_VENUES ? null : s)).optional(),
  from: msQuery.optional(),
  to: msQuery.optional(),
  /** The cursor a page answered as `next`: `startsAt:showId`. */
  after: z
    .string()
    .regex(/^\d{1,16}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'the `next` cursor of a page')
    .optional(),
  limit,
});
const holdsQuery = z.strictObject({
  status: z
    .string()
    .max(200)
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(BOOKING_HOLD_STATUSES)).min(1).max(BOOKING_HOLD_STATUSES.length))
    .optional(),
  /** The cursor a page answered as `next`: the last hold's id. */
  after: uuidSchema.optional(),
  limit,
});

/** The caller's stable key (`user:…`, `store:…`): who placed a hold. */
const keyOf = (req: Request, p: Principal) =>
  principalKey(p, { address: req.ip ?? '', route: `${req.method} ${req.path}` });

/**
 * Venues, shows, seat maps and holds (lane A). Venues, shows and seat maps are public (events are advertised); holds
 * need a signed-in caller of head office or the show's store (another store's show is missing to it).
 */
export function bookingRoutes(holds: BookingService): Router {
  const r = Router();

  r.post(
    '/booking/venues',
    apiDoc({
      summary: 'Add a venue with its seat layout',
      description:
        'A store’s venue is added by an ADMIN or that store’s manager; a head-office venue (no storeId) by an ADMIN only (403 otherwise).',
      body: newVenueSchema,
      responses: { 201: 'the venue, with its sections and prices' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const body = parseOrThrow(newVenueSchema, req.body, 'venue');
      const storeId = body.storeId ?? null;
      if (!isHeadOffice(p)) {
        if (p.kind !== 'user' || p.role !== 'STORE_MANAGER' || storeId === null || storeOf(p) !== storeId)
          throw new ForbiddenError(
            storeId === null
              ? 'a head-office venue is added by an ADMIN'
              : 'a store’s venue is added by an ADMIN or that store’s manager',
          );
      }
      res.status(201).json(await holds.createVenue(body));
    },
  );
  r.get(
    '/booking/venues',
    apiDoc({
      summary: 'List venues',
      description: 'Public: seat maps and prices are advertised. `storeId` keeps one store’s venues.',
      query: venuesQuery,
      responses: { 200: '`{ items }`: the venues' },
      access: ['public'],
    }),
    async (req, res) => {
      const q = parseOrThrow(venuesQuery, req.query, 'query');
      res.json({ items: await holds.venues(q.storeId) });
    },
  );
  r.get(
    '/booking/venues/:venueId',
    apiDoc({
      summary: 'Read a venue with its sections and prices',
      params: venueParam,
      responses: { 200: 'the venue' },
      access: ['public'],
    }),
    async (req, res) => {
      const { venueId } = parseOrThrow(venueParam, req.params, 'venue id');
      const v = await holds.venue(venueId);
      if (!v) throw new NotFoundError('venue', venueId);
      res.json(v);
    },
  );

  r.post(
    '/booking/shows',
    apiDoc({
      summary: 'Add a show at a venue',
      description:
        'An ADMIN, or the manager of the venue’s store (403 otherwise); a head-office venue’s shows are ADMIN only.',
      body: newShowSchema,
      responses: { 201: 'the show with its seats or places left' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const body = parseOrThrow(newShowSchema, req.body, 'show');
      const venue = await holds.venue(body.venueId);
      if (!venue) throw new NotFoundError('venue', body.venueId);
      if (!isHeadOffice(p)) {
        if (p.kind !== 'user' || p.role !== 'STORE_MANAGER' || venue.storeId === null || storeOf(p) !== venue.storeId)
          throw new ForbiddenError('a show is added by an ADMIN or the manager of the venue’s store');
      }
      const show = await holds.createShow(body, venue);
      res.status(201).json(await holds.summary(show));
    },
  );
  r.get(
    '/booking/shows',
    apiDoc({
      summary: 'List shows, soonest first',
      description:
        'Public: titles, times, seats or places left, no holds. `storeId=head-office` lists head office’s own venues’ shows; `next` is the cursor of the following page.',
      query: showsQuery,
      responses: { 200: '`{ items, next }`: a page of shows' },
      access: ['public'],
    }),
    async (req, res) => {
      const q = parseOrThrow(showsQuery, req.query, 'query');
      const after = q.after
        ? { startsAt: Number(q.after.slice(0, q.after.indexOf(':'))), id: q.after.slice(q.after.indexOf(':') + 1) }
        : undefined;
      const shows = await holds.shows({ storeId: q.storeId, from: q.from, to: q.to, after, limit: q.limit });
      const items = await holds.summaries(shows);
      const last = shows[shows.length - 1];
      res.json({ items, next: last && shows.length === q.limit ? `${last.startsAt}:${last.id}` : null });
    },
  );
  r.get(
    '/booking/shows/:showId',
    apiDoc({
      summary: 'Read a show',
      description: 'With seats or places left and the refund cutoff that applies to it (`refundCutoffHoursEffective`).',
      params: showParam,
      responses: { 200: 'the show' },
      access: ['public'],
    }),
    async (req, res) => {
      const show = await showOf(req);
      // the cutoff the refund rules use: the show's own, else the hub's BOOKING_REFUND_CUTOFF_HOURS
      const refundCutoffHoursEffective = show.refundCutoffHours ?? holds.ctx.settings.tuning.bookingRefundCutoffHours;
      res.json({ ...(await holds.summary(show)), refundCutoffHoursEffective });
    },
  );
  r.get(
    '/booking/shows/:showId/seats',
    apiDoc({
      summary: 'Read a show’s seat map',
      description: 'One character per seat; no holds or customers in it.',
      params: showParam,
      responses: { 200: 'the seat map' },
      access: ['public'],
    }),
    async (req, res) => {
      const show = await showOf(req);
      res.json(await holds.seatMap(show));
    },
  );

  r.post(
    '/booking/shows/:showId/holds',
    apiDoc({
      summary: 'Hold seats or places of a show for a customer',
      description:
        'Named seats, the best `count` seats (of a section), or a number of places. Another store’s show is missing to the caller (404); a head-office show takes any signed-in caller. The hold expires after the show’s hold minutes unless confirmed.',
      params: showParam,
      body: holdSchema,
      responses: { 201: 'the hold' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const { showId } = parseOrThrow(showParam, req.params, 'show id');
      const body = parseOrThrow(holdSchema, req.body, 'hold');
      const hold = await holds.place(
        { principal: p, key: keyOf(req, p) },
        {
          showId,
          customerId: body.customerId,
          seats: body.seats,
          best: body.best,
          places: body.places,
          accessible: body.accessible,
        },
      );
      res.status(201).json(await holds.view(hold));
    },
  );
  r.get(
    '/booking/shows/:showId/holds',
    apiDoc({
      summary: 'List a show’s holds',
      description:
        'Head office and the show’s store (the console); another store’s show is missing to the caller (404). `status` is a comma-separated list.',
      params: showParam,
      query: holdsQuery,
      responses: { 200: '`{ items, next }`: a page of holds' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      const show = await showOf(req);
      if (!ownsAny(p, [show.storeId])) throw new NotFoundError('show', show.id);
      const q = parseOrThrow(holdsQuery, req.query, 'query');
      const page = await holds.holdsOfShow(show.id, q.status, q.after, q.limit);
      const items = [];
      for (const h of page) items.push(await holds.view(h, show));
      const last = page[page.length - 1];
      res.json({ items, next: last && page.length === q.limit ? last.id : null });
    },
  );
  r.get(
    '/booking/holds/:holdId',
    apiDoc({
      summary: 'Read a hold',
      description: 'For the caller that placed it, head office or the show’s store; missing (404) to anyone else.',
      params: holdParam,
      responses: { 200: 'the hold' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { hold, show } = await visibleHold(req);
      res.json(await holds.view(hold, show));
    },
  );
  r.delete(
    '/booking/holds/:holdId',
    apiDoc({
      summary: 'Release a held hold',
      description:
        'Frees its seats. For the caller that placed it, head office or the show’s store (404 to anyone else); a confirmed booking is cancelled through `POST /booking/bookings/{bookingId}/cancel`.',
      params: holdParam,
      responses: { 200: 'the released hold' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { hold, show } = await visibleHold(req);
      res.json(await holds.view(await holds.release(hold), show));
    },
  );

  const showOf = async (req: Request): Promise<Show> => {
    const { showId } = parseOrThrow(showParam, req.params, 'show id');
    const show = await holds.show(showId);
    if (!show) throw new NotFoundError('show', showId);
    return show;
  };
  /** The caller that placed it, head office, or the people and node of the show's store; missing to anyone else. */
  const visibleHold = async (req: Request): Promise<{ hold: Hold; show: Show }> => {
    const p = principalOf(req);
    const { holdId } = parseOrThrow(holdParam, req.params, 'hold id');
    const hold = await holds.hold(holdId);
    const show = hold && (await holds.show(hold.showId));
    if (!hold || !show) throw new NotFoundError('hold', holdId);
    if (hold.createdBy !== keyOf(req, p) && !ownsAny(p, [show.storeId])) throw new NotFoundError('hold', holdId);
    return { hold, show };
  };
  return r;
}
