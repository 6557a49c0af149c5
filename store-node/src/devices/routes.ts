import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import type { DeviceManager } from './device-manager.js';

/** Device status for the handheld and console pages, the RFID drift report, recent scans and the scale. */
export function deviceRoutes(devices: DeviceManager): Router {
  const r = Router();
  r.get('/devices', (_req, res) => {
    res.json({ items: devices.status() });
  });
  r.get('/devices/rfid/report', (_req, res) => {
    res.json({ report: devices.rfid.lastReport(), cycleMs: devices.rfid.cycleMs });
  });
  r.get('/devices/scans', (req, res) => {
    const { since } = parseOrThrow(z.object({ since: z.coerce.number().int().min(0).default(0) }), req.query, 'query');
    res.json({ items: devices.scans.filter((s) => s.at > since) });
  });
  r.get('/devices/scale', (_req, res) => {
    res.json({ stable: devices.latestWeight() });
  });
  return r;
}
