import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  apiDoc,
  formatTypedCode,
  keepAnswerAs,
  parseOrThrow,
  quantitySchema,
  skuSchema,
  uuidSchema,
} from '@storefleet/shared';
import { assertStoreAccess, principalOf, requireAuth } from '../../kernel/access.js';
import { typedCodeOf, type PickupCodes, type TypedCodes } from './pickup-codes.js';
import type { ReservationService } from './service.js';
import type { Reservation } from './types.js';
import { PICKUP_WINDOW_MS } from './rules.js';
import { RESERVATION_STATUSES } from './types.js';

const newReservation = z.strictObject({
  storeId: uuidSchema,
  customerRef: z.string().trim().min(1).max(200),
  lines: z
    .array(z.strictObject({ sku: skuSchema, qty: quantitySchema }))
    .min(1)
    .max(50),
  ttlMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
});
const idParam = z.object({ id: uuidSchema });
const storeParam = z.object({ storeId: uuidSchema });
const storeQuery = z.object({
  status: z.enum(RESERVATION_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Part of an order number as people type it ("SF-10482", "10482"); letters, digits and hyphens only. */
  order: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{1,32}$/, 'part of an order number: letters, digits and hyphens')
    .optional(),
});

/** A hold as any caller sees it: the hash a store checks typed codes against stays between the hub and the store. */
const withoutHash = ({ pickupCodeHash: _hash, ...hold }: Reservation): Omit<Reservation, 'pickupCodeHash'> => hold;

export function reservationRoutes(
  reservations: ReservationService,
  codes: Promise<PickupCodes>,
  typed: Promise<TypedCodes>,
): Router {
  const r = Router();
  /**
   * The reservation as callers see it: with the signed code the customer shows at pickup (the QR) and, beside it, the
   * short code they can read out (`typedCode`, `K7M-4QH`; absent for holds from before typed codes). The hash the
   * store checks typed codes against stays between the hub and the store.
   */
  // The code stays valid for the pickup window from creation, whatever the hold's own expiry: the store honours it.
  const withCode = async (hold: Reservation) => {
    const { pickupCodeHash: _hash, ...x } = hold;
    const typedCode = typedCodeOf(await typed, hold);
    return {
      ...x,
      ...(typedCode ? { typedCode: formatTypedCode(typedCode) } : {}),
      pickupCode: (await codes).code({
        reservationId: x.id,
        storeId: x.storeId,
        lines: x.lines,
        expiresAt: x.createdAt + PICKUP_WINDOW_MS,
      }),
    };
  };
  // Signed in before anything is looked up: an anonymous caller learns nothing about which ids exist.
  r.use('/reservations', requireAuth);
  /** The hold, if the caller may see it; another store's hold is missing to it, exactly like an id that never was. */
  const visible = async (req: Request, id: string) => {
    const hold = await reservations.get(id);
    assertStoreAccess(req, hold.storeId, { entity: 'reservation', id });
    return hold;
  };
  // A store's own token also gets the key it hashes typed pickup codes with (its hold entries carry the hashes).
  r.get(
    '/reservations/pickup-key',
    apiDoc({
      summary: 'The public key pickup codes are verified with',
      description:
        'Every store verifies the signed pickup code (the QR) offline with it. A store’s own token also gets ' +
        '`typedCodeKey`, the key it hashes typed pickup codes with.',
      responses: { 200: '`{ algorithm, publicKey, format }` (and `typedCodeKey` to a store’s token)' },
      access: ['staff'],
    }),
    async (req, res) => {
      const p = principalOf(req);
      res.json({
        algorithm: 'Ed25519',
        publicKey: (await codes).publicKey,
        format: 'spki-der-base64url',
        ...(p.kind === 'store' ? { typedCodeKey: (await typed).storeKey(p.storeId) } : {}),
      });
    },
  );
  r.post(
    '/reservations',
    apiDoc({
      summary: 'Hold stock at a store for a customer',
      description:
        'The store’s own people and token, or head office. Answers the hold with its signed pickup code and the short ' +
        'code the customer can read out; a retry with the same Idempotency-Key gets the hold without the codes ' +
        '(read it again for them).',
      body: newReservation,
      responses: { 201: 'the hold with `pickupCode` and `typedCode`', 409: 'not enough stock available' },
      access: ['staff'],
    }),
    async (req, res) => {
      const body = parseOrThrow(newReservation, req.body, 'reservation');
      assertStoreAccess(req, body.storeId);
      const created = await reservations.reserve({
        ...body,
        ttlMs: body.ttlMinutes === undefined ? undefined : body.ttlMinutes * 60_000,
      });
      const answer = await withCode(created);
      // The Idempotency-Key store keeps the answer without the codes (24 h of codes in clear): a retry gets the hold,
      // and GET /api/reservations/:id derives its codes again from the hub's keys.
      const { typedCode: _typed, pickupCode: _code, ...kept } = answer as typeof answer & { typedCode?: string };
      keepAnswerAs(res, kept);
      res.status(201).json(answer);
    },
  );
  r.get(
    '/reservations/:id',
    apiDoc({
      summary: 'Read a hold with its pickup codes',
      description: 'Another store’s hold is a 404, exactly like an id that never was.',
      params: idParam,
      responses: { 200: 'the hold with `pickupCode` and `typedCode`', 404: 'no such hold, or not yours' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'reservation id');
      res.json(await withCode(await visible(req, id)));
    },
  );
  for (const action of ['confirm', 'release'] as const) {
    r.post(
      `/reservations/:id/${action}`,
      apiDoc({
        summary:
          action === 'confirm'
            ? 'Confirm a hold after payment (it stays for the pickup window)'
            : 'Release a hold (its stock is available again)',
        description: 'Another store’s hold is a 404, exactly like an id that never was.',
        params: idParam,
        responses: {
          200: 'the hold as changed',
          404: 'no such hold, or not yours',
          409: 'the hold has ended, expired or was picked up',
        },
        access: ['staff'],
      }),
      async (req, res) => {
        const { id } = parseOrThrow(idParam, req.params, 'reservation id');
        await visible(req, id);
        res.json(withoutHash(await reservations[action](id)));
      },
    );
  }
  r.get(
    '/stores/:storeId/reservations',
    apiDoc({
      summary: 'List a store’s holds',
      description: 'The store’s own people and token, or head office. `order` finds holds by part of an order number.',
      params: storeParam,
      query: storeQuery,
      responses: { 200: 'the holds (without their codes): `{ items }`' },
      access: ['staff'],
    }),
    async (req, res) => {
      const { storeId } = parseOrThrow(storeParam, req.params, 'store id');
      assertStoreAccess(req, storeId);
      const q = parseOrThrow(storeQuery, req.query, 'query');
      res.json({ items: (await reservations.byStore(storeId, q.status, q.limit, q.order)).map(withoutHash) });
    },
  );
  return r;
}
