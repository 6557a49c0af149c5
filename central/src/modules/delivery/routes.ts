import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  CARRIER_KINDS,
  DELIVERY_STATUSES,
  ForbiddenError,
  keepAnswerAs,
  latSchema,
  lonSchema,
  parseOrThrow,
  uuidSchema,
} from '@storefleet/shared';
import {
  assertStoreAccess,
  isHeadOffice,
  principalOf,
  requireAuth,
  requireRole,
  storeOf,
} from '../../kernel/access.js';
import type { CarrierDesk } from './carrier-desk.js';
import { deskName } from './feed-copy.js';
import { shiftProblem } from './promise.js';
import type { DeliveryDetail, DeliveryService } from './service.js';
import type { Delivery } from './types.js';

const share = z.number().min(0).max(1);
const answerMs = z.number().int().min(0).max(3_600_000);
const simulatorSchema = z.strictObject({
  acceptRate: share,
  answerMs: z.tuple([answerMs, answerMs]).refine(([a, b]) => a <= b, { message: 'the least comes first' }),
  silentRate: share,
  dropOutRate: share,
  failRate: share,
});
const minuteOfDay = z.number().int().min(0).max(1440);
/**
 * Bidirectional controls (U+202A–U+202E, U+2066–U+2069) turn the text after them around: a name holding one reads one
 * way on the console and the store's desk and is another, and spills into what follows it on the line.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;
const fields = {
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine((s) => !BIDI_CONTROLS.test(s), {
      message: 'must not hold text-direction controls (U+202A–U+202E, U+2066–U+2069)',
    }),
  radiusKm: z.number().positive().max(500),
  capacityGrams: z.number().int().min(1).max(5_000_000),
  capacityStops: z.number().int().min(1).max(500),
  speedKmh: z.number().min(1).max(300),
  // A shift starts at 00:00–23:59 (minute 1439); it ends up to 24:00 (1440), or after midnight when it ends before it
  // starts (22:00–06:00 is 1320 and 360). 1440–0 would be a shift of no minutes, never on duty.
  shiftStartMin: minuteOfDay.max(1439, { message: 'a shift starts by 23:59 (minute 1439): 24:00 is the next day’s 0' }),
  shiftEndMin: minuteOfDay,
  costBaseMinor: z.number().int().min(0).max(1_000_000),
  costPerKmMinor: z.number().int().min(0).max(100_000),
  grounded: z.boolean(),
  active: z.boolean(),
  simulator: simulatorSchema.nullable(),
};
const newCarrierSchema = z
  .strictObject({
    code: z
      .string()
      .trim()
      .regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/, 'capital letters, digits and hyphens, 2 to 32 of them (VAN-S001-1)'),
    name: fields.name,
    kind: z.enum(CARRIER_KINDS),
    depotId: uuidSchema.optional(),
    lat: latSchema.optional(),
    lon: lonSchema.optional(),
    radiusKm: fields.radiusKm,
    capacityGrams: fields.capacityGrams,
    capacityStops: fields.capacityStops,
    speedKmh: fields.speedKmh.optional(),
    shiftStartMin: fields.shiftStartMin.optional(),
    shiftEndMin: fields.shiftEndMin.optional(),
    costBaseMinor: fields.costBaseMinor.optional(),
    costPerKmMinor: fields.costPerKmMinor.optional(),
    grounded: fields.grounded.optional(),
    active: fields.active.optional(),
    simulator: fields.simulator.optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if ((c.kind === 'VAN' || c.kind === 'DRONE') && !c.depotId)
      issue('depotId', `a ${c.kind === 'VAN' ? 'van' : 'drone'} starts from a depot: a store or distribution centre`);
    if (c.depotId && (c.lat !== undefined || c.lon !== undefined))
      issue('lat', 'a carrier with a depot starts there: leave out lat and lon');
    if (!c.depotId && (c.lat === undefined || c.lon === undefined))
      issue('lat', 'a carrier without a depot needs the centre of the area it serves (lat and lon)');
    if (c.grounded && c.kind !== 'DRONE') issue('grounded', 'only drones are grounded by the weather');
    const why = shiftProblem(c.shiftStartMin ?? 0, c.shiftEndMin ?? 1440);
    if (why) issue('shiftEndMin', why);
  });
const carrierPatchSchema = z
  .strictObject({
    name: fields.name.optional(),
    active: fields.active.optional(),
    grounded: fields.grounded.optional(),
    shiftStartMin: fields.shiftStartMin.optional(),
    shiftEndMin: fields.shiftEndMin.optional(),
    capacityGrams: fields.capacityGrams.optional(),
    capacityStops: fields.capacityStops.optional(),
    radiusKm: fields.radiusKm.optional(),
    speedKmh: fields.speedKmh.optional(),
    costBaseMinor: fields.costBaseMinor.optional(),
    costPerKmMinor: fields.costPerKmMinor.optional(),
    simulator: fields.simulator.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'name at least one field to change' });
const idParam = z.object({ id: uuidSchema });
const limit = z.coerce.number().int().min(1).max(200).default(50);
// Strict: a parameter the route does not know (`status[]=…`, a misspelling) is refused, not silently dropped.
const carriersQuery = z.strictObject({
  kind: z.enum(CARRIER_KINDS).optional(),
  active: z.enum(['true', 'false']).optional(),
  depotId: uuidSchema.optional(),
  after: z
    .string()
    .regex(/^[A-Z0-9-]{1,32}$/, 'a carrier code')
    .optional(),
  limit,
});
const deliveriesQuery = z.strictObject({
  storeId: uuidSchema.optional(),
  /** One status or several, comma-separated (`REQUESTED,ASSIGNED`). */
  status: z
    .string()
    .max(200)
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(DELIVERY_STATUSES)).min(1).max(DELIVERY_STATUSES.length))
    .optional(),
  carrierId: uuidSchema.optional(),
  before: uuidSchema.optional(),
  limit,
});

/**
 * What a store's people and node see of a delivery: the customer as the desk names them and the area (postcode and
 * city) — the full address and the phone stay with head office, as in the store's feed copy (feed-copy.ts).
 */
function forStore(d: Delivery): Delivery {
  const { postcode, city } = d.request.address;
  const { phone: _phone, ...request } = d.request;
  return {
    ...d,
    customerName: deskName(d.customerName),
    request: { ...request, address: { postcode, city } } as unknown as Delivery['request'],
  };
}

/**
 * The delivery routes (thin: validate, check who may, call the desk): carriers for head office (`/api/delivery/carriers`,
 * ADMIN), deliveries for head office and each store's own (`/api/delivery/deliveries`).
 */
export function deliveryRoutes(deliveries: DeliveryService, carriers: CarrierDesk): Router {
  const r = Router();
  r.use('/delivery/carriers', requireRole('ADMIN'));
  r.use('/delivery/deliveries', requireAuth);

  r.post(
    '/delivery/carriers',
    apiDoc({
      summary: 'Add a carrier (a gig driver, a van, a drone or a courier)',
      description:
        'Head office only. A van or drone starts from a depot (a store or distribution centre); any other carrier ' +
        'names the centre of its area (`lat`, `lon`). Answers the driver app’s token once: a retry with the same ' +
        'Idempotency-Key gets the carrier without it.',
      body: newCarrierSchema,
      responses: { 201: 'the carrier with its `driverToken` (shown once)', 409: 'a carrier has that code already' },
      access: ['admin'],
    }),
    async (req, res) => {
      const body = parseOrThrow(newCarrierSchema, req.body, 'carrier');
      const { carrier, driverToken } = await carriers.create(body);
      // The token is answered once: a retry with the same Idempotency-Key gets the carrier without it.
      keepAnswerAs(res, { ...carrier, driverToken: null });
      res.status(201).json({ ...carrier, driverToken });
    },
  );
  r.get(
    '/delivery/carriers',
    apiDoc({
      summary: 'List carriers with their last 30 days',
      description: 'Head office only. Paged by code (`after`).',
      query: carriersQuery,
      responses: { 200: 'a page of carriers' },
      access: ['admin'],
    }),
    async (req, res) => {
      const q = parseOrThrow(carriersQuery, req.query, 'query');
      res.json(
        await carriers.list({
          kind: q.kind,
          active: q.active === undefined ? undefined : q.active === 'true',
          depotId: q.depotId,
          afterCode: q.after,
          limit: q.limit,
        }),
      );
    },
  );
  r.get(
    '/delivery/carriers/:id',
    apiDoc({
      summary: 'Read a carrier',
      params: idParam,
      responses: { 200: 'the carrier', 404: 'no such carrier' },
      access: ['admin'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'carrier id');
      res.json(await carriers.get(id));
    },
  );
  r.patch(
    '/delivery/carriers/:id',
    apiDoc({
      summary: 'Change a carrier (active, grounded, shift, capacity, area, costs, simulator)',
      params: idParam,
      body: carrierPatchSchema,
      responses: { 200: 'the carrier as changed', 404: 'no such carrier' },
      access: ['admin'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'carrier id');
      const patch = parseOrThrow(carrierPatchSchema, req.body, 'carrier change');
      res.json(await carriers.update(id, patch));
    },
  );
  r.post(
    '/delivery/carriers/:id/driver-token',
    apiDoc({
      summary: 'Give a carrier a new driver token',
      description: 'The old token stops working. Answered once: a retry with the same Idempotency-Key gets no token.',
      params: idParam,
      responses: { 200: '`{ driverToken }` (shown once)', 404: 'no such carrier' },
      access: ['admin'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'carrier id');
      const answer = await carriers.rotateToken(id);
      keepAnswerAs(res, { driverToken: null });
      res.json(answer);
    },
  );

  r.get(
    '/delivery/deliveries',
    apiDoc({
      summary: 'List deliveries',
      description:
        'Head office sees every store’s; a store’s people and token their own (the default without `storeId`), with ' +
        'the area (postcode and city) instead of the full address and no phone. `status` is one or several, ' +
        'comma-separated. Paged: `before` is the last id of the page.',
      query: deliveriesQuery,
      responses: { 200: 'a page of deliveries' },
      access: ['staff'],
    }),
    async (req, res) => {
      const q = parseOrThrow(deliveriesQuery, req.query, 'query');
      const p = principalOf(req);
      let storeId = q.storeId;
      if (storeId) assertStoreAccess(req, storeId);
      else if (!isHeadOffice(p)) {
        storeId = storeOf(p) ?? undefined;
        if (!storeId) throw new ForbiddenError('name a store (?storeId=): you belong to none');
      }
      const page = await deliveries.list({
        storeId,
        statuses: q.status,
        carrierId: q.carrierId,
        before: q.before,
        limit: q.limit,
      });
      res.json(isHeadOffice(p) ? page : { ...page, items: page.items.map((d) => ({ ...d, ...forStore(d) })) });
    },
  );
  r.get(
    '/delivery/deliveries/:id',
    apiDoc({
      summary: 'Read a delivery with its carrier, offers and timeline',
      description:
        'Another store’s delivery is a 404, like an id that never was; a store sees the area, not the full address.',
      params: idParam,
      responses: { 200: 'the delivery in detail', 404: 'no such delivery, or not yours' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'delivery id');
      await visible(req, id);
      const detail: DeliveryDetail = await deliveries.get(id);
      res.json(isHeadOffice(principalOf(req)) ? detail : { ...detail, delivery: forStore(detail.delivery) });
    },
  );

  /** Another store's delivery is missing to the caller, exactly like an id that never was. */
  const visible = async (req: Request, id: string) => {
    const storeId = await deliveries.storeOf(id);
    assertStoreAccess(req, storeId ?? '', { entity: 'delivery', id });
  };
  return r;
}
