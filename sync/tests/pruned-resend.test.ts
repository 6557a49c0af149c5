import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decideBatch, SyncClient, type ClientTransport, type ConnectionHandlers, type Connector, type StoreSyncStorage } from '../src/index.js';
import type { FeedEntry, WireEvent } from '@storefleet/shared';

/**
 * A restored hub lacks acknowledged events this store has already pruned (past its retention): the store cannot
 * resend them. It must say so, not answer each `resend` with the same batch for ever (a frame storm between them).
 */
class PrunedOutbox implements StoreSyncStorage {
  readonly storeId = 'storeA';
  constructor(readonly firstKept: number, readonly head: number) {}
  outboxHead = () => this.head;
  ackedSeq = () => this.head;
  readBatch(fromSeq: number, maxEvents: number): WireEvent[] {
    const out: WireEvent[] = [];
    for (let s = Math.max(fromSeq, this.firstKept); s <= this.head && out.length < maxEvents; s++) {
      out.push({ origin: this.storeId, seq: s, hlc: '0000000000001-0000-storeA', type: 'test.sale', payload: { qty: 1 } });
    }
    return out;
  }
  markAcked = () => undefined;
  reconcile = () => 0;
  feedCursor = () => 0;
  applyFeed = (_: readonly FeedEntry[]) => 0;
  observeHubTime = () => undefined;
}

/** A hub holding `acked` events of the store that applies batches as the real one decides them. */
class RestoredHub implements Connector {
  batches = 0;
  constructor(public acked: number) {}
  connect(h: ConnectionHandlers): Promise<ClientTransport> {
    // One network hop = 1 ms of the fake clock, so a resend loop shows as a count rather than starving the test.
    const reply = (m: object) => setTimeout(() => h.onMessage(JSON.stringify(m)), 1);
    const send = (text: string) => {
      const m = JSON.parse(text) as { type: string; events?: WireEvent[] };
      if (m.type === 'hello') reply({ type: 'welcome', protocol: 2, hubTime: Date.now(), ackedSeq: this.acked, feedHead: 0 });
      if (m.type === 'event-batch') {
        this.batches++;
        const d = decideBatch(m.events!, this.acked);
        if (d.kind === 'gap') reply({ type: 'resend', fromSeq: d.fromSeq, reason: `hub holds up to ${this.acked}` });
        else {
          if (d.kind === 'apply') this.acked = d.events[d.events.length - 1]!.seq;
          reply({ type: 'ack', seq: this.acked });
        }
      }
    };
    return Promise.resolve({ send, close: () => undefined });
  }
}

describe('a restored hub that lacks events this store pruned', () => {
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  let client: SyncClient | undefined;
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    client?.stop();
    vi.useRealTimers();
  });

  it('says which events it can no longer send, and does not resend in a loop', async () => {
    const hub = new RestoredHub(1_375);
    client = new SyncClient(new PrunedOutbox(5_001, 5_100), hub, log, { now: () => Date.now() });
    client.start();
    await vi.advanceTimersByTimeAsync(200);
    expect(hub.batches).toBeLessThanOrEqual(1);
    expect(hub.acked).toBe(1_375);
    expect(client.status).toMatchObject({
      phase: 'syncing',
      pendingUp: 3_725,
      lastError: 'the hub lacks events 1376–5000 of this store, which this store no longer holds (pruned after the hub acknowledged them): uploads wait until that is resolved',
    });
  });
});
