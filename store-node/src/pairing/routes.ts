import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { ForbiddenError, parseOrThrow, presentedCredential, UnauthorizedError } from '@storefleet/shared';
import type { PairingService } from './pairing-service.js';

export const DEVICE_COOKIE = 'sf_device';
/** The node's own machine: its screens (a lane, a kiosk, the Electron shell) are trusted without pairing. */
export const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

const trustedScreen = (req: Request, trusted: ReadonlySet<string>) => trusted.has(req.socket.remoteAddress ?? '');

/**
 * Guards the store's API: calls from a trusted address pass; any other device needs the token it got by pairing
 * (`Authorization: Bearer …` or the `sf_device` cookie). Pairing itself is open (the code is the secret).
 */
export function requirePairedDevice(pairing: PairingService, trusted: ReadonlySet<string>): RequestHandler {
  return (req, _res, next) => {
    if (trustedScreen(req, trusted) || req.path === '/pairing/pair') return next();
    const token = presentedCredential(req.get('Authorization'), req.get('Cookie'), DEVICE_COOKIE);
    if (!token) throw new UnauthorizedError('this device is not paired with the store node: open /pair.html and enter a pairing code');
    if (!pairing.deviceFor(token)) throw new UnauthorizedError('this device’s pairing was revoked or is unknown: pair it again');
    next();
  };
}

export function pairingRoutes(pairing: PairingService, trusted: ReadonlySet<string>): Router {
  const r = Router();
  const onlyTrusted: RequestHandler = (req, _res, next) => {
    if (!trustedScreen(req, trusted)) throw new ForbiddenError('only the store node’s own screens can pair or unpair devices');
    next();
  };
  r.post('/pairing/codes', onlyTrusted, (_req, res) => {
    res.status(201).json(pairing.startPairing());
  });
  r.post('/pairing/pair', (req, res) => {
    const { code, name } = parseOrThrow(z.strictObject({ code: z.string().trim().regex(/^\d{6}$/, 'six digits'), name: z.string().trim().min(1).max(60) }), req.body, 'pairing');
    const { device, token } = pairing.pair(code, name);
    res.cookie(DEVICE_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: 365 * 86_400_000 });
    res.status(201).json({ device, token });
  });
  r.get('/pairing/devices', (_req, res) => {
    res.json({ items: pairing.list() });
  });
  r.delete('/pairing/devices/:id', onlyTrusted, (req, res) => {
    res.json(pairing.revoke(parseOrThrow(z.object({ id: z.string().min(8).max(64) }), req.params, 'device id').id));
  });
  return r;
}
