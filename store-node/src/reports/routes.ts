import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, ValidationError } from '@storefleet/shared';
import type { StoreExecutor } from '../tasks/store-executor.js';
import type { SalesReport } from './sales-report.js';
import { storeApiDoc } from '../api-doc.js';

const reportQuery = z.object({
  /** A calendar day (UTC), `2026-11-25`; or an explicit range. */
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .optional(),
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
});

/** `GET /api/reports/sales?date=YYYY-MM-DD` — the end-of-day report, built on the local executor (LOW priority). */
export function reportRoutes(executor: StoreExecutor, dbPath: string, now: () => number): Router {
  const r = Router();
  r.get(
    '/reports/sales',
    storeApiDoc({
      audience: 'staff',
      tag: 'Reports',
      summary: 'The end-of-day sales report',
      description:
        'For a calendar day (UTC, today by default) or an explicit range `from`–`to` (epoch ms; it must end after it starts), built at low priority on the node’s task executor.',
      query: reportQuery,
      responses: {
        200: 'the period’s sales and voids, subtotal, tax and total, by tender, returns, net takings and best sellers',
      },
    }),
    async (req, res) => {
      const q = parseOrThrow(reportQuery, req.query, 'report period');
      const day = q.date ?? new Date(now()).toISOString().slice(0, 10);
      const fromMs = q.from ?? Date.parse(`${day}T00:00:00Z`);
      const toMs = q.to ?? fromMs + 86_400_000;
      if (!(toMs > fromMs)) throw new ValidationError('the report period must end after it starts');
      res.json(
        await executor.submit<SalesReport>(
          'salesReport',
          { dbPath, fromMs, toMs },
          { priority: 'LOW', timeoutMs: 120_000 },
        ),
      );
    },
  );
  return r;
}
