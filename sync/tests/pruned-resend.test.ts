import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  decideBatch,
  SyncClient,
  type ClientTransport,
  type ConnectionHandlers,
  type Connector,
  type StoreSyncStorage,
} from '../src/index.js';
import type { FeedEntry, WireEvent } from '@storefleet/shared';

/**
 * A restored hub lacks acknowledged events this store has already pruned (past its retention): the store cannot
 * resend them. A hub that takes `events-lost` is told so, records the loss and acknowledges past it, and uploads go
 * on; an older hub is told nothing (the store says why its uploads wait) — and in neither case does the store answer
 * each `resend` with the same batch for ever (a frame storm between them).
 */
class PrunedOutbox implements StoreSyncStorage {
  readonly storeId = 'storeA';
  /** Every event up to the head was acknowledged by the hub before its restore. */
  acked: number;
  constructor(
    readonly firstKept: number,
    public head: number,
  ) {
    this.acked = head;
  }
  outboxHead = () => this.head;
  ackedSeq = () => this.acked;
  readBatch(fromSeq: number, maxEvents: number): WireEvent[] {
    const out: WireEvent[] = [];
    for (let s = Math.max(fromSeq, this.firstKept); s <= this.head && out.length < maxEvents; s++) {
      out.push({
        origin: this.storeId,
        seq: s,
        hlc: '0000000000001-0000-storeA',
        type: 'test.sale',
        payload: { qty: 1 },
      });
    }
    return out;
  }
  markAcked = (seq: number) => {
    this.acked = Math.max(this.acked, seq);
  };
  reconcile = () => 0;
  feedCursor = () => 0;
  applyFeed = (_: readonly FeedEntry[]) => 0;
  observeHubTime = () => undefined;
}

/** A hub holding `acked` events of the store that applies batches as the real one decides them. */
class RestoredHub implements Connector {
  batches = 0;
  readonly lostReports: { fromSeq: number; toSeq: number }[] = [];
  constructor(
    public acked: number,
    readonly features: string[] = [],
  ) {}
  connect(h: ConnectionHandlers): Promise<ClientTransport> {
    // One network hop = 1 ms of the fake clock, so a resend loop shows as a count rather than starving the test.
    const reply = (m: object) => setTimeout(() => h.onMessage(JSON.stringify(m)), 1);
    const send = (text: string) => {
      const m = JSON.parse(text) as { type: string; events?: WireEvent[]; fromSeq?: number; toSeq?: number };
      if (m.type === 'hello')
        reply({
          type: 'welcome',
          protocol: 2,
          hubTime: Date.now(),
          ackedSeq: this.acked,
          feedHead: 0,
          features: this.features,
        });
      if (m.type === 'events-lost') {
        this.lostReports.push({ fromSeq: m.fromSeq!, toSeq: m.toSeq! });
        if (m.fromSeq !== this.acked + 1) return reply({ type: 'error', code: 'bad-message', message: 'not the gap' });
        this.acked = m.toSeq!;
        reply({ type: 'ack', seq: this.acked });
      }
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

  it('tells a hub that takes events-lost which events are lost, once, and every later event reaches it', async () => {
    const hub = new RestoredHub(1_375, ['events-lost']);
    const store = new PrunedOutbox(5_001, 5_100);
    client = new SyncClient(store, hub, log, { now: () => Date.now() });
    client.start();
    await vi.advanceTimersByTimeAsync(200);
    expect(hub.lostReports).toEqual([{ fromSeq: 1_376, toSeq: 5_000 }]);
    expect(hub.acked).toBe(5_100);
    store.head = 5_130; // later sales
    client.outboxChanged();
    await vi.advanceTimersByTimeAsync(200);
    expect(hub.acked).toBe(5_130);
    expect(hub.lostReports).toHaveLength(1);
    expect(client.status).toMatchObject({
      phase: 'syncing',
      pendingUp: 0,
      lastError: null,
      lostEvents: {
        fromSeq: 1_376,
        toSeq: 5_000,
        note: 'events 1376–5000 of this store were lost (the hub was restored from a backup older than the store keeps acknowledged events); counters may need a stock count',
      },
    });
  });

  it('reports a loss up to its head when it holds none of the events the hub lacks, then sends its next sale', async () => {
    const hub = new RestoredHub(1_375, ['events-lost']);
    const store = new PrunedOutbox(5_101, 5_100); // every event pruned: the head is what the hub had acknowledged
    client = new SyncClient(store, hub, log, { now: () => Date.now() });
    client.start();
    await vi.advanceTimersByTimeAsync(200);
    expect(hub.lostReports).toEqual([{ fromSeq: 1_376, toSeq: 5_100 }]);
    expect(client.status).toMatchObject({
      pendingUp: 0,
      lastError: null,
      lostEvents: { fromSeq: 1_376, toSeq: 5_100 },
    });
    store.head = 5_101;
    client.outboxChanged();
    await vi.advanceTimersByTimeAsync(200);
    expect(hub.acked).toBe(5_101);
  });

  it('tells an older hub (no events-lost in welcome) nothing, says which events it can no longer send, and does not resend in a loop', async () => {
    const hub = new RestoredHub(1_375);
    client = new SyncClient(new PrunedOutbox(5_001, 5_100), hub, log, { now: () => Date.now() });
    client.start();
    await vi.advanceTimersByTimeAsync(200);
    expect(hub.batches).toBeLessThanOrEqual(1);
    expect(hub.lostReports).toEqual([]);
    expect(hub.acked).toBe(1_375);
    expect(client.status).toMatchObject({
      phase: 'syncing',
      pendingUp: 3_725,
      lostEvents: null,
      lastError:
        'the hub lacks events 1376–5000 of this store, which this store no longer holds (pruned after the hub acknowledged them): uploads wait until that is resolved',
    });
  });
});
