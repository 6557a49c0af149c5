import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedEntry, WireEvent } from '@storefleet/shared';
import {
  SyncClient,
  type ClientTransport,
  type ConnectionHandlers,
  type Connector,
  type StoreSyncStorage,
} from '../src/index.js';

/**
 * How often a store reconnects when its connection keeps failing, counted (not timed) on a fake clock: the backoff may
 * reset only once a connection proved healthy, never merely because the hub said `welcome`.
 */
class MemoryStorage implements StoreSyncStorage {
  readonly storeId = 'storeA';
  cursor = 0;
  constructor(readonly failFeed: boolean) {}
  outboxHead = () => 0;
  ackedSeq = () => 0;
  readBatch = (): WireEvent[] => [];
  markAcked = () => undefined;
  reconcile = () => 0;
  feedCursor = () => this.cursor;
  applyFeed(entries: readonly FeedEntry[]): number {
    if (this.failFeed) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    this.cursor = Math.max(this.cursor, ...entries.map((e) => e.seq));
    return this.cursor;
  }
  observeHubTime = () => undefined;
}

/** A hub that welcomes every connection and sends feed entry 1; `closeAfterMs` ends each connection that long after. */
class ScriptedHub implements Connector {
  connects = 0;
  constructor(readonly options: { feedHead: number; closeAfterMs?: number; closeOnFeedAck?: boolean }) {}
  connect(h: ConnectionHandlers): Promise<ClientTransport> {
    this.connects++;
    let open = true;
    const close = (code: number, reason: string) => {
      if (!open) return;
      open = false;
      queueMicrotask(() => h.onClose(code, reason));
    };
    const send = (text: string) => {
      const m = JSON.parse(text) as { type: string };
      if (!open) return;
      if (m.type === 'hello') {
        queueMicrotask(() => {
          h.onMessage(
            JSON.stringify({
              type: 'welcome',
              protocol: 2,
              hubTime: Date.now(),
              ackedSeq: 0,
              feedHead: this.options.feedHead,
            }),
          );
          if (this.options.feedHead)
            h.onMessage(
              JSON.stringify({
                type: 'feed-page',
                entries: [{ seq: 1, type: 'x.changed', payload: null, createdAt: 1 }],
                head: 1,
              }),
            );
          if (this.options.closeAfterMs !== undefined)
            setTimeout(() => close(1001, 'hub restarting'), this.options.closeAfterMs);
        });
      }
      if (m.type === 'feed-ack' && this.options.closeOnFeedAck) close(1001, 'hub restarting');
    };
    return Promise.resolve({ send, close });
  }
}

describe('reconnect backoff of the store', () => {
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const backoff = { baseMs: 100, capMs: 1000 };
  let client: SyncClient | undefined;
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    client?.stop();
    vi.useRealTimers();
  });
  const run = (storage: StoreSyncStorage, hub: ScriptedHub) => {
    client = new SyncClient(storage, hub, log, { backoff, random: () => 0.999, now: () => Date.now() });
    client.start();
    return client;
  };

  it('backs off when a step fails right after every welcome, instead of reconnecting at once', async () => {
    const hub = new ScriptedHub({ feedHead: 1 });
    const c = run(new MemoryStorage(true), hub);
    await vi.advanceTimersByTimeAsync(10_000);
    // 99, 199, 399, 799, then 999 ms apart: 12 reconnects in 10 s (resetting on welcome: one every 99 ms, 100)
    expect(c.status.reconnects).toBeLessThanOrEqual(13);
    expect(c.status.reconnects).toBeGreaterThanOrEqual(8);
    expect(c.status.lastError).toBe('sync step failed: disk I/O error');
    expect(c.status.feedCursor).toBe(0);
  });

  it('starts from the shortest delay again after a connection that caught up both ways', async () => {
    const hub = new ScriptedHub({ feedHead: 1, closeOnFeedAck: true });
    const c = run(new MemoryStorage(false), hub);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(c.status.feedCursor).toBe(1);
    expect(c.status.reconnects).toBeGreaterThanOrEqual(50); // every 99 ms: each connection did its whole job first
  });

  it('starts from the shortest delay again after a connection that stayed up 30 s', async () => {
    const hub = new ScriptedHub({ feedHead: 0, closeAfterMs: 31_000 });
    const c = run(new MemoryStorage(false), hub);
    await vi.advanceTimersByTimeAsync(31_000 + 150);
    expect(hub.connects).toBe(2);
    await vi.advanceTimersByTimeAsync(31_000 + 150);
    expect(hub.connects).toBe(3);
    expect(c.status.reconnects).toBe(2);
  });

  it('keeps lengthening the delay while connections die young', async () => {
    const hub = new ScriptedHub({ feedHead: 0, closeAfterMs: 1_000 });
    const c = run(new MemoryStorage(false), hub);
    await vi.advanceTimersByTimeAsync(20_000);
    // each round: 1 s up, then 99, 199, 399, 799, 999… ms down — 10 connections in 20 s; resetting on welcome: 18
    expect(c.status.reconnects).toBeLessThanOrEqual(11);
  });
});
