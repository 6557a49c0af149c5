import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import { storeApiDoc } from '../api-doc.js';
import type { ScanGoDoor } from './door-service.js';

const exitBody = z.strictObject({
  token: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/, 'an exit code is letters, digits and . _ -'),
});
const auditBody = z.strictObject({ counted: z.number().int().min(0).max(10_000), matched: z.boolean() });
const sessionParam = z.strictObject({ sessionId: z.string().uuid() });
const doorDoc = { audience: 'staff', screen: 'pickup', tag: 'Scan & Go door' } as const;

/**
 * `/api/scan-go/*` on the store node, offline: `POST /scan-go/exit {token}` the door's check (200 verdict; 422 a
 * token that may not let anyone out, 409 one already used, each a problem naming why); `POST
 * /scan-go/exits/:sessionId/audit {counted, matched}` the associate's bag check; `GET /scan-go/exits` today's exits.
 */
export function scanGoDoorRoutes(door: ScanGoDoor): Router {
  const r = Router();
  r.post(
    '/scan-go/exit',
    storeApiDoc({
      ...doorDoc,
      summary: 'Check a Scan & Go exit code at the door',
      description:
        'Offline, with the door key the store pulled from the hub. 200 is the verdict (go, or check the bag); 422 a code that may not let anyone out, 409 one already used, each a problem saying why. 503 while the node has no store (registered without a hub).',
      body: exitBody,
      responses: {
        200: 'the verdict: ok, the session, its item count and total, its items (null until the sale arrives) and audit (check the bag)',
      },
    }),
    (req, res) => {
      const { token } = parseOrThrow(exitBody, req.body, 'body');
      res.setHeader('Cache-Control', 'no-store');
      res.json(door.check(token));
    },
  );
  r.post(
    '/scan-go/exits/:sessionId/audit',
    storeApiDoc({
      ...doorDoc,
      summary: 'Record the associate’s check of an audited bag',
      description:
        'How many items were counted and whether they matched the session (AUDITED goes up to the hub); 404 unless the session went out here, 409 when the bag was not picked for a check or was checked already.',
      params: sessionParam,
      body: auditBody,
      responses: { 200: 'the exit with its audit' },
    }),
    (req, res) => {
      const { sessionId } = parseOrThrow(sessionParam, req.params, 'path');
      const b = parseOrThrow(auditBody, req.body, 'body');
      res.json(door.audit(sessionId, b.counted, b.matched));
    },
  );
  r.get(
    '/scan-go/exits',
    storeApiDoc({
      ...doorDoc,
      summary: 'Today’s exits at this door',
      responses: {
        200: '{ day, exits, counts }: the store’s day, its exits newest first and how many of each outcome',
      },
    }),
    (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(door.today());
    },
  );
  return r;
}
