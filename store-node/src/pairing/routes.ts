import { Router } from 'express';
import { z } from 'zod';
import { markSecretAnswer, parseOrThrow } from '@storefleet/shared';
import { DEVICE_COOKIE } from '../access/screen-guard.js';
import { DEVICE_ROLES, type DeviceRole, type PairingService } from './pairing-service.js';

const codeRequest = z.strictObject({ role: z.enum(DEVICE_ROLES as [DeviceRole, ...DeviceRole[]]).default('handheld') });

/**
 * Pairing API. Who may call which route is the screen guard's rule (`access/screen-policy.ts`): minting codes and
 * unpairing are for the node's own staff screens (lanes); pairing itself is open to unpaired devices (the code is the
 * secret).
 */
export function pairingRoutes(pairing: PairingService): Router {
  const r = Router();
  r.post('/pairing/codes', (req, res) => {
    const { role } = parseOrThrow(codeRequest, req.body ?? {}, 'pairing code');
    const minted = pairing.startPairing(role);
    markSecretAnswer(res); // only the code's hash is kept, here and in the Idempotency-Key table
    res.status(201).json(minted);
  });
  r.post('/pairing/pair', (req, res) => {
    const { code, name } = parseOrThrow(
      z.strictObject({
        code: z
          .string()
          .trim()
          .regex(/^\d{6}$/, 'six digits'),
        name: z.string().trim().min(1).max(60),
      }),
      req.body,
      'pairing',
    );
    const { device, token } = pairing.pair(code, name);
    markSecretAnswer(res); // the token is shown once: a retry with the same Idempotency-Key never sees it again
    res.cookie(DEVICE_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/',
      maxAge: 365 * 86_400_000,
    });
    res.status(201).json({ device, token });
  });
  r.get('/pairing/devices', (_req, res) => {
    res.json({ items: pairing.list() });
  });
  r.delete('/pairing/devices/:id', (req, res) => {
    res.json(pairing.revoke(parseOrThrow(z.object({ id: z.string().min(8).max(64) }), req.params, 'device id').id));
  });
  return r;
}
