import { Router } from 'express';
import { ConflictError, ForbiddenError, parseOrThrow, ValidationError, wireEventSchema } from '@storefleet/shared';
import { batchFault } from '@storefleet/sync';
import type { Hub, HubModule } from '@storefleet/central';
import { principalOf } from '../../../central/src/kernel/access.js';

/**
 * The anchor of `sync-catchup`: `POST /api/bench/sync-event` takes one wire event from a store (its bearer token) and
 * applies it as the sync socket applies a batch — the same origin check (`batchFault`) and the hub's own
 * `applyBatch` (dedupe by (origin, seq), the real `stock.moved` / `sale.completed` handlers, parking) — for that one
 * event in its own transaction. What an HTTP-per-event design would do, through the hub's real apply path.
 * `hubOf` is read per request: the module is built before the hub it belongs to exists.
 */
export function syncEventRoute(hubOf: () => Hub): HubModule {
  return {
    name: 'bench_sync_event',
    routes: () =>
      Router().post('/bench/sync-event', async (req, res) => {
        const p = principalOf(req);
        if (p.kind !== 'store') throw new ForbiddenError('only a store posts its events');
        const event = parseOrThrow(wireEventSchema, req.body, 'event');
        const fault = batchFault([event], p.storeId);
        if (fault) throw new ValidationError(fault);
        const { ackedSeq, gapFrom } = await hubOf().sync.repo.applyBatch(p.storeId, [event], undefined);
        if (gapFrom !== undefined)
          throw new ConflictError(`the hub holds up to seq ${ackedSeq}; send ${gapFrom} first`);
        res.json({ ackedSeq });
      }),
  };
}
