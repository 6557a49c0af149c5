import { hlcEncode } from '@storefleet/shared';
import type { TestHub } from './test-hub.js';

/**
 * A location's stock moves as its node uploads them (`stock.moved` through the sync repository), numbered per location
 * from 1 as a node numbers its outbox. `hub` is read at each call, so the mover can be made before the hub starts.
 */
export function stockMover(hub: () => TestHub) {
  const seqs = new Map<string, number>();
  return (location: string, sku: string, delta: number, kind = 'RECEIVE') => {
    const seq = (seqs.get(location) ?? 0) + 1;
    seqs.set(location, seq);
    return hub().hub.sync.repo.applyBatch(
      location,
      [
        {
          origin: location,
          seq,
          hlc: hlcEncode({ wallMs: Date.now(), counter: seq, node: location }),
          type: 'stock.moved',
          payload: { sku, delta, kind },
        },
      ],
      0,
    );
  };
}
