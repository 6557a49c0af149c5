import { Router } from 'express';
import { z } from 'zod';
import { latSchema, lonSchema, markSecretAnswer, parseOrThrow, uuidSchema, apiDoc } from '@storefleet/shared';
import { assertStoreAccess, requireRole } from '../kernel/access.js';
import type { FleetService } from './fleet-service.js';
import { locationAnswer } from './location-answers.js';

const newLocationSchema = z.strictObject({
  code: z
    .string()
    .trim()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9-]+$/, 'letters, digits and dashes'),
  name: z.string().trim().min(1).max(200),
  kind: z.enum(['STORE', 'DC']),
  lat: latSchema,
  lon: lonSchema,
  timezone: z.string().min(1).max(64).optional(),
});
const patchSchema = newLocationSchema.pick({ name: true, lat: true, lon: true, timezone: true }).partial();
const listQuery = z.object({
  kind: z.enum(['STORE', 'DC']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().max(32).optional(),
});
const idParam = z.object({ id: uuidSchema });

export function fleetRoutes(fleet: FleetService): Router {
  const r = Router();
  r.post(
    '/locations',
    apiDoc({
      summary: 'Register a store or distribution centre (a store’s secret is shown once)',
      body: newLocationSchema,
      responses: { 201: 'The location, with its credential when it is a store' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const result = await fleet.register(parseOrThrow(newLocationSchema, req.body, 'location'));
      if (result.credential) markSecretAnswer(res); // a store's secret is shown once: never stored, never replayed
      res.status(201).json(result);
    },
  );
  r.get(
    '/locations',
    apiDoc({
      summary: 'List stores and distribution centres, by code',
      query: listQuery,
      responses: { 200: 'A page: items and the code to continue after' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      const items = await fleet.list(q.kind, q.limit, q.after);
      res.json({ items, next: items.length === q.limit ? items.at(-1)?.code : null });
    },
  );
  r.get(
    '/locations/:id',
    apiDoc({
      summary: 'A location (a store’s own people and token: their store only)',
      params: idParam,
      responses: { 200: { description: 'The location', schema: locationAnswer } },
      access: ['admin', 'staff', 'store'],
    }),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'location id');
      assertStoreAccess(req, id);
      res.json(await fleet.get(id));
    },
  );
  r.patch(
    '/locations/:id',
    apiDoc({
      summary: 'Rename or move a location, or set its time zone',
      params: idParam,
      body: patchSchema,
      responses: { 200: { description: 'The location', schema: locationAnswer } },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'location id');
      res.json(await fleet.update(id, parseOrThrow(patchSchema, req.body, 'location change')));
    },
  );
  r.post(
    '/locations/:id/credential',
    apiDoc({
      summary: 'Rotate a store’s secret (the old one stops working; the new one is shown once)',
      params: idParam,
      responses: { 201: 'The new credential' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'location id');
      const credential = await fleet.rotateCredential(id);
      markSecretAnswer(res);
      res.status(201).json(credential);
    },
  );
  return r;
}
