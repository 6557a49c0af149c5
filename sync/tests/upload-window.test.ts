import { describe, expect, it } from 'vitest';
import { initialUpload, uploadStep, type UploadEffect, type UploadInput, type UploadState } from '../src/index.js';

/**
 * The upload window after a hub restore: the hub lost events this store had already marked acknowledged, says so in
 * `welcome`, and re-acks the resent batches with seqs at or below the store's mark. Driven like the shell drives it:
 * every `send-batch` is answered with `batch-sent`, and the hub acks each batch in order.
 */
describe('store upload window after a hub restore', () => {
  const BATCH = 2000;

  /** Runs the store against a hub that acks every batch it receives; returns what the hub ends up holding. */
  const converge = (marked: number, hubHolds: number, head: number) => {
    let s: UploadState = initialUpload(marked, head, 4);
    const queue: UploadInput[] = [{ type: 'connected' }, { type: 'welcome', ackedSeq: hubHolds, head }];
    const sent: number[] = [];
    const marks: number[] = [];
    let hub = hubHolds;
    const unacked: number[] = [];
    for (let steps = 0; steps < 10_000; steps++) {
      let input = queue.shift();
      if (!input && unacked.length) {
        hub = unacked.shift()!;
        input = { type: 'ack', seq: hub };
      }
      if (!input) break;
      const r = uploadStep(s, input);
      s = r.state;
      for (const e of r.effects as UploadEffect[]) {
        if (e.kind === 'send-batch') {
          const last = Math.min(e.fromSeq + BATCH - 1, head);
          sent.push(e.fromSeq);
          unacked.push(last);
          queue.push({ type: 'batch-sent', lastSeq: last });
        } else if (e.kind === 'mark-acked') marks.push(e.seq);
      }
    }
    return { s, hub, sent, marks };
  };

  it('keeps sending until the hub holds everything, when it lost more than a window of acknowledged events', () => {
    // 10,000 events all acknowledged; the restored hub holds only 1,375 (it lost 8,625).
    const { s, hub, sent, marks } = converge(10_000, 1_375, 10_000);
    expect(hub).toBe(10_000);
    expect(sent).toEqual([1_376, 3_376, 5_376, 7_376, 9_376]);
    expect(s.inflight).toEqual([]);
    expect(s.ackedSeq).toBe(10_000);
    expect(marks).toEqual([]); // nothing new to record: the store had marked all of them already
  });

  it('shows what the hub lacks as pending, and marks only what goes past its own mark', () => {
    // 10,000 marked, 500 more unsent; the hub holds 1,375.
    const welcomed = uploadStep(uploadStep(initialUpload(10_000, 10_500, 4), { type: 'connected' }).state, {
      type: 'welcome',
      ackedSeq: 1_375,
      head: 10_500,
    });
    expect(welcomed.state.ackedSeq).toBe(1_375); // pending up = head − ackedSeq = 9,125, not 500
    expect(welcomed.effects).toEqual([{ kind: 'send-batch', fromSeq: 1_376 }]);
    const { hub, marks } = converge(10_000, 1_375, 10_500);
    expect(hub).toBe(10_500);
    expect(marks).toEqual([10_500]);
  });

  it('frees the window slot of an ack at or below its own mark', () => {
    let s = uploadStep(uploadStep(initialUpload(10_000, 10_000, 4), { type: 'connected' }).state, {
      type: 'welcome',
      ackedSeq: 0,
      head: 10_000,
    }).state;
    for (const last of [2000, 4000, 6000, 8000]) s = uploadStep(s, { type: 'batch-sent', lastSeq: last }).state;
    expect(s.inflight).toEqual([2000, 4000, 6000, 8000]);
    const r = uploadStep(s, { type: 'ack', seq: 2000 });
    expect(r.state.inflight).toEqual([4000, 6000, 8000]);
    expect(r.effects).toEqual([{ kind: 'send-batch', fromSeq: 8001 }]);
  });

  it('resends from what the hub says it lacks, even below its own mark', () => {
    const s = uploadStep(uploadStep(initialUpload(100, 100, 4), { type: 'connected' }).state, {
      type: 'welcome',
      ackedSeq: 100,
      head: 100,
    }).state;
    const r = uploadStep(s, { type: 'resend', fromSeq: 41 });
    expect(r.effects).toEqual([{ kind: 'send-batch', fromSeq: 41 }]);
    expect(r.state.ackedSeq).toBe(40);
  });
});
