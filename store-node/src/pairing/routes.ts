import { Router } from 'express';
import { z } from 'zod';
import { markSecretAnswer, parseOrThrow } from '@storefleet/shared';
import { DEVICE_COOKIE } from '../access/screen-guard.js';
import { storeApiDoc } from '../api-doc.js';
import { DEVICE_ROLES, type DeviceRole, type PairingService } from './pairing-service.js';

const codeRequest = z.strictObject({ role: z.enum(DEVICE_ROLES as [DeviceRole, ...DeviceRole[]]).default('handheld') });
const pairRequest = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'six digits'),
  name: z.string().trim().min(1).max(60),
});
const deviceParam = z.object({ id: z.string().min(8).max(64) });
const TAG = 'Pairing';
const DEVICE = 'a paired device: its id, name, role, when it was paired and when it was unpaired (null while paired)';

/**
 * Pairing API. Who may call which route is the screen guard's rule (`access/screen-policy.ts`): minting codes and
 * unpairing are for the node's own staff screens (lanes); pairing itself is open to unpaired devices (the code is the
 * secret).
 */
export function pairingRoutes(pairing: PairingService): Router {
  const r = Router();
  r.post(
    '/pairing/codes',
    storeApiDoc({
      audience: 'backOffice',
      tag: TAG,
      summary: 'Mint a pairing code for a new device',
      description:
        'A six-digit code, valid for 10 minutes, that pairs one handheld or kiosk (`role`, handheld by default). Only its hash is kept, here and in the Idempotency-Key table: a retry never sees the code again.',
      body: codeRequest,
      responses: { 201: 'the code, the role it pairs and when it expires' },
    }),
    (req, res) => {
      const { role } = parseOrThrow(codeRequest, req.body ?? {}, 'pairing code');
      const minted = pairing.startPairing(role);
      markSecretAnswer(res); // only the code's hash is kept, here and in the Idempotency-Key table
      res.status(201).json(minted);
    },
  );
  r.post(
    '/pairing/pair',
    storeApiDoc({
      audience: 'everyone',
      tag: TAG,
      summary: 'Pair this device with a code from the back office',
      description:
        'Open to a device that is not paired yet: the code is the secret (a kiosk gets 403). The answer carries the device’s token once and sets it as an httpOnly cookie for a year; a retry with the same Idempotency-Key never sees it again.',
      body: pairRequest,
      responses: { 201: 'the paired device and its token' },
    }),
    (req, res) => {
      const { code, name } = parseOrThrow(pairRequest, req.body, 'pairing');
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
    },
  );
  r.get(
    '/pairing/devices',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'The devices paired with this node',
      responses: { 200: `{ items }: each ${DEVICE}` },
    }),
    (_req, res) => {
      res.json({ items: pairing.list() });
    },
  );
  r.delete(
    '/pairing/devices/:id',
    storeApiDoc({
      audience: 'backOffice',
      tag: TAG,
      summary: 'Unpair a device',
      description: 'Its token stops working at once.',
      params: deviceParam,
      responses: { 200: `the device, unpaired: ${DEVICE}` },
    }),
    (req, res) => {
      res.json(pairing.revoke(parseOrThrow(deviceParam, req.params, 'device id').id));
    },
  );
  return r;
}
