import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOrThrow } from '@storefleet/shared';
import type { DeviceManager } from './device-manager.js';
import { defaultLabels, type DeviceLabels, kindName, LABEL_TEXT } from './device-labels.js';
import { storeApiDoc } from '../api-doc.js';

const deviceName = z.object({ name: z.string().min(1).max(100) });
const newLabel = z.strictObject({
  label: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .regex(LABEL_TEXT, 'must not contain control or invisible formatting characters (such as U+202E or zero-width)'),
});

const scansQuery = z.object({ since: z.coerce.number().int().min(0).default(0) });
const TAG = 'Devices';

/** One sku in the RFID drift list: what the handheld shows, drifting skus first. */
export interface DriftRow {
  readonly sku: string;
  /** The catalog's name; null for a sku the catalog no longer holds. */
  readonly name: string | null;
  readonly zones: readonly string[];
  readonly expected: number;
  readonly counted: number;
  readonly drift: number;
  readonly streak: number;
}

/**
 * Device status for the handheld and console pages (each device with the label staff gave it, or its default), the
 * RFID drift report with product names and the stock corrections of the last 24 hours, recent scans and the scale;
 * renaming a device.
 */
export function deviceRoutes(
  devices: DeviceManager,
  labels: DeviceLabels,
  productName: (sku: string) => string | undefined,
): Router {
  const r = Router();
  const defaults = defaultLabels(devices.configs);
  const kinds = new Map(devices.configs.map((c) => [c.name, c.kind]));
  r.get(
    '/devices',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'The store’s devices and their state',
      description:
        'Scanners, scales, printers and RFID readers attached to this node, each with the label staff gave it (or its default).',
      responses: { 200: '{ items }: each device’s name, link state, counters, label and kind in words' },
    }),
    (_req, res) => {
      const given = labels.given();
      res.json({
        items: devices.status().map((d) => {
          const kind = kinds.get(d.name) ?? 'scanner';
          return { ...d, label: given.get(d.name) ?? defaults.get(d.name) ?? d.name, kindName: kindName(kind) };
        }),
      });
    },
  );
  // Staff rename a device ("Lane 3 scanner"); a retry with the same Idempotency-Key answers as the first did.
  r.put(
    '/devices/:name/label',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'Name a device (“Lane 3 scanner”)',
      description: 'A retry with the same Idempotency-Key answers as the first did; an unknown device is 404.',
      params: deviceName,
      body: newLabel,
      responses: { 200: '{ name, label }' },
    }),
    (req, res) => {
      const { name } = parseOrThrow(deviceName, req.params, 'device');
      const { label } = parseOrThrow(newLabel, req.body, 'device name');
      if (!kinds.has(name)) throw new NotFoundError('device', name);
      labels.set(name, label);
      res.json({ name, label });
    },
  );
  r.get(
    '/devices/rfid/report',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'The RFID count against the stock the node believes',
      description:
        'The last cycle’s report, its skus with drift (the largest first) and the stock corrections of the last 24 hours.',
      responses: { 200: '{ report, cycleMs, items, corrections }' },
    }),
    (_req, res) => {
      const report = devices.rfid.lastReport();
      // The drift a count already settled is gone from the list: its correction stays in view for a day.
      const corrections = devices.rfid.recentCorrections().map((c) => ({ ...c, name: productName(c.sku) ?? null }));
      res.json({
        report,
        cycleMs: devices.rfid.cycleMs,
        items: report ? driftRows(report, productName) : [],
        corrections,
      });
    },
  );
  r.get(
    '/devices/scans',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'Recent barcode scans',
      description: 'Those after `since` (epoch ms).',
      query: scansQuery,
      responses: { 200: '{ items }: each scan (at most the last 50) with its device and time' },
    }),
    (req, res) => {
      const { since } = parseOrThrow(scansQuery, req.query, 'query');
      res.json({ items: devices.scans.filter((s) => s.at > since) });
    },
  );
  r.get(
    '/devices/scale',
    storeApiDoc({
      audience: 'staff',
      tag: TAG,
      summary: 'The scale’s last stable weight',
      responses: { 200: '{ stable }: the weight, or null' },
    }),
    (_req, res) => {
      res.json({ stable: devices.latestWeight() });
    },
  );
  return r;
}

type Report = NonNullable<ReturnType<DeviceManager['rfid']['lastReport']>>;

/** Every sku the cycle compared, the largest drift (either way) first, then by name; with the zones it was read in. */
function driftRows(report: Report, productName: (sku: string) => string | undefined): DriftRow[] {
  const zonesOf = new Map<string, string[]>();
  for (const [zone, skus] of Object.entries(report.zones))
    for (const sku of Object.keys(skus)) zonesOf.set(sku, [...(zonesOf.get(sku) ?? []), zone]);
  return report.skus
    .map((s) => ({
      sku: s.sku,
      name: productName(s.sku) ?? null,
      zones: zonesOf.get(s.sku) ?? [],
      expected: s.expected,
      counted: s.counted,
      drift: s.drift,
      streak: s.streak,
    }))
    .sort(
      (a, b) =>
        Math.abs(b.drift) - Math.abs(a.drift) ||
        (a.name ?? a.sku).localeCompare(b.name ?? b.sku) ||
        a.sku.localeCompare(b.sku),
    );
}
