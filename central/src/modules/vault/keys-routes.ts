import { type Request, Router } from 'express';
import { z } from 'zod';
import { apiDoc, parseOrThrow } from '@storefleet/shared';
import { principalOf, requireRole } from '../../kernel/access.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { VaultParts } from './index.js';

const noQuery = z.strictObject({});
/** Rotation takes nothing but its Idempotency-Key; an empty JSON object is fine too. */
const noBody = z.strictObject({}).optional();
const bodyOrNone = (b: unknown) => (b && typeof b === 'object' && Object.keys(b).length === 0 ? undefined : b);

/**
 * Master keys (lane: crypto), head office's: `GET /vault/keys` (which is current, versions under each, how many wait
 * for the re-wrap) and `POST /vault/keys/rotate` (202: the re-wrap runs in the background). While the KMS is not
 * open both answer 503 with the reason (`KmsUnavailableError`).
 */
export function vaultKeysRoutes(parts: VaultParts, _ctx: HubContext): Router {
  const r = Router();
  const admin = requireRole('ADMIN');
  const callerOf = (req: Request) => ({ principal: principalOf(req), origin: req.ip ?? null });

  r.get(
    '/vault/keys',
    apiDoc({
      summary: 'Read the master keys’ state',
      description:
        'Which key is current, the versions under each and how many wait for the re-wrap; 503 while the KMS is not open.',
      query: noQuery,
      responses: { 200: 'the keys’ status' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      res.json(await parts.keys.status());
    },
  );
  r.post(
    '/vault/keys/rotate',
    apiDoc({
      summary: 'Rotate the master key',
      description:
        'A new master key becomes current; the re-wrap of older versions runs in the background. 503 while the KMS is not open.',
      query: noQuery,
      body: noBody,
      responses: { 202: 'the rotation, started' },
      access: ['admin'],
    }),
    admin,
    async (req, res) => {
      parseOrThrow(noQuery, req.query, 'query');
      parseOrThrow(noBody, bodyOrNone(req.body), 'body');
      res.status(202).json(await parts.keys.rotate(callerOf(req)));
    },
  );
  return r;
}
