import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WireEvent } from '@storefleet/shared';
import {
  backoffDelay,
  batchFault,
  decideBatch,
  initialUpload,
  uploadStep,
  type UploadInput,
  type UploadState,
} from '../src/index.js';

const ev = (seq: number, origin = 'storeA'): WireEvent => ({
  origin,
  seq,
  hlc: '0000000000001-0000-storeA',
  type: 'sale',
  payload: {},
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ev(from + i));

describe('hub batch decisions', () => {
  it('applies fresh events, trims overlap, acks duplicates and asks for a resend past a gap', () => {
    expect(decideBatch(range(1, 3), 0)).toEqual({ kind: 'apply', events: range(1, 3) });
    expect(decideBatch(range(2, 5), 3)).toEqual({ kind: 'apply', events: range(4, 5) });
    expect(decideBatch(range(1, 3), 3)).toEqual({ kind: 'duplicate' });
    expect(decideBatch(range(6, 8), 3)).toEqual({ kind: 'gap', fromSeq: 4 });
  });

  it('refuses batches that claim another origin or skip seqs', () => {
    expect(batchFault(range(1, 3), 'storeA')).toBeUndefined();
    expect(batchFault([ev(1), ev(2, 'storeB')], 'storeA')).toBe(
      'event 2 claims origin storeB, but this connection is store storeA',
    );
    expect(batchFault([ev(1), ev(3)], 'storeA')).toBe('batch is not contiguous at seq 3');
  });

  it('applies every seq exactly once whatever batches arrive in whatever order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 9 })), { maxLength: 80 }),
        (batches) => {
          let acked = 0;
          const applied: number[] = [];
          for (const [start, len] of batches) {
            const d = decideBatch(range(start, start + len), acked);
            if (d.kind === 'apply') {
              applied.push(...d.events.map((e) => e.seq));
              acked = d.events[d.events.length - 1]!.seq;
            }
          }
          expect(applied).toEqual(Array.from({ length: acked }, (_, i) => i + 1));
        },
      ),
    );
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const policy = { baseMs: 500, capMs: 30_000 };
    expect(backoffDelay(0, policy, () => 0.999)).toBe(499);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(3996);
    expect(backoffDelay(20, policy, () => 0.999)).toBe(29_970);
    expect(backoffDelay(20, policy, () => 0)).toBe(0);
  });

  it('spreads 2,000 stores that lost the hub together over the whole window', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelay(6, { baseMs: 500, capMs: 30_000 }));
    const perSecond = new Map<number, number>();
    for (const d of delays) perSecond.set(Math.floor(d / 1000), (perSecond.get(Math.floor(d / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan((2000 / 30) * 2); // no second gets more than twice its share
  });
});

describe('store upload window', () => {
  const run = (s: UploadState, inputs: UploadInput[]) => {
    const effects: unknown[] = [];
    for (const i of inputs) {
      const r = uploadStep(s, i);
      s = r.state;
      effects.push(...r.effects);
    }
    return { s, effects };
  };

  it('resumes right after what the hub holds, not from the start', () => {
    const { s, effects } = run(initialUpload(0, 50), [
      { type: 'connected' },
      { type: 'welcome', ackedSeq: 40, head: 50 },
    ]);
    expect(effects).toEqual([
      { kind: 'send-hello' },
      { kind: 'mark-acked', seq: 40 },
      { kind: 'send-batch', fromSeq: 41 },
    ]);
    expect(s.phase).toBe('syncing');
  });

  it('keeps at most the window of batches unacknowledged', () => {
    let s = run(initialUpload(0, 10_000, 4), [{ type: 'connected' }, { type: 'welcome', ackedSeq: 0, head: 10_000 }]).s;
    let sends = 1;
    for (let last = 100; ; last += 100) {
      const r = uploadStep(s, { type: 'batch-sent', lastSeq: last });
      s = r.state;
      if (!r.effects.length) break;
      sends++;
    }
    expect(sends).toBe(4);
    expect(s.inflight).toEqual([100, 200, 300, 400]);
    const acked = uploadStep(s, { type: 'ack', seq: 200 });
    expect(acked.state.inflight).toEqual([300, 400]);
    expect(acked.effects).toEqual([
      { kind: 'mark-acked', seq: 200 },
      { kind: 'send-batch', fromSeq: 401 },
    ]);
  });

  it('rewinds on resend and stays refused after an unsupported protocol', () => {
    let s = run(initialUpload(0, 100), [
      { type: 'connected' },
      { type: 'welcome', ackedSeq: 0, head: 10_000 },
      { type: 'batch-sent', lastSeq: 50 },
    ]).s;
    const r = uploadStep(s, { type: 'resend', fromSeq: 1 });
    expect(r.effects).toEqual([{ kind: 'send-batch', fromSeq: 1 }]);
    s = run(s, [{ type: 'refused' }, { type: 'closed' }, { type: 'connected' }]).s;
    expect(s.phase).toBe('incompatible');
  });
});
