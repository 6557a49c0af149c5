import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
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

/**
 * `/api/scan-go/*` on the store node, offline: `POST /scan-go/exit {token}` the door's check (200 verdict; 422 a
 * token that may not let anyone out, 409 one already used, each a problem naming why); `POST
 * /scan-go/exits/:sessionId/audit {counted, matched}` the associate's bag check; `GET /scan-go/exits` today's exits.
 */
export function scanGoDoorRoutes(door: ScanGoDoor): Router {
  const r = Router();
  r.post('/scan-go/exit', (req, res) => {
    const { token } = parseOrThrow(exitBody, req.body, 'body');
    res.setHeader('Cache-Control', 'no-store');
    res.json(door.check(token));
  });
  r.post('/scan-go/exits/:sessionId/audit', (req, res) => {
    const { sessionId } = parseOrThrow(sessionParam, req.params, 'path');
    const b = parseOrThrow(auditBody, req.body, 'body');
    res.json(door.audit(sessionId, b.counted, b.matched));
  });
  r.get('/scan-go/exits', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(door.today());
  });
  return r;
}
