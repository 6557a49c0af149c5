import { hlcEncode, type WireEvent } from '@storefleet/shared';
import type { TestHub } from './test-hub.js';

/** A store's outbox as the hub sees it: each event gets the store's next seq, and goes up through the real apply path. */
export class StoreOutbox {
  #seq = 0;
  constructor(
    readonly t: TestHub,
    readonly storeId: string,
  ) {}

  event(type: string, payload: unknown): WireEvent {
    this.#seq += 1;
    return {
      origin: this.storeId,
      seq: this.#seq,
      hlc: hlcEncode({ wallMs: Date.now(), counter: this.#seq, node: this.storeId }),
      type,
      payload,
    };
  }

  /** Sends the events as one batch (as the sync client does) and returns the hub's answer. */
  send(...events: WireEvent[]) {
    return this.t.hub.sync.repo.applyBatch(this.storeId, events, 0);
  }
}

/** What the hub parked for the store, as the console's parked list shows it. */
export async function parkedOf(
  t: TestHub,
  admin: string,
  storeId: string,
): Promise<{ seq: number; type: string; reason: string }[]> {
  const r = await t.call('GET', `/api/sync/parked?storeId=${storeId}`, undefined, { cookie: admin });
  if (r.status !== 200) throw new Error(`parked list: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.items.map((p: { seq: number; type: string; reason: string }) => ({
    seq: p.seq,
    type: p.type,
    reason: p.reason,
  }));
}
