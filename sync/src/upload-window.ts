import { LIMITS } from '@storefleet/shared';

/**
 * The store's side of "up", as a pure state machine: (state, input) → { state, effects }.
 *
 *   offline ──connected──▶ handshaking ──welcome──▶ syncing ──closed──▶ offline
 *                                  └──refused──▶ incompatible (stays until restart)
 *
 * Invariants: at most `window` batches are unacknowledged; batches are sent in seq order starting right after what the
 * hub holds (`welcome.ackedSeq`), so a reconnect resumes without a full resync; an event is marked acked locally only
 * after the hub says so; `resend` rewinds to the hub's first missing seq.
 */
export type Phase = 'offline' | 'handshaking' | 'syncing' | 'incompatible';

export interface UploadState {
  readonly phase: Phase;
  readonly ackedSeq: number;
  readonly nextSeq: number;
  /** Last seq of each batch sent and not yet acknowledged, ascending. */
  readonly inflight: readonly number[];
  readonly head: number;
  readonly window: number;
}

export type UploadInput =
  | { readonly type: 'connected' }
  | { readonly type: 'welcome'; readonly ackedSeq: number; readonly head: number }
  | { readonly type: 'ack'; readonly seq: number }
  | { readonly type: 'resend'; readonly fromSeq: number }
  | { readonly type: 'outbox-head'; readonly head: number }
  | { readonly type: 'batch-sent'; readonly lastSeq: number }
  | { readonly type: 'closed' }
  | { readonly type: 'refused' };

export type UploadEffect =
  | { readonly kind: 'send-hello' }
  | { readonly kind: 'send-batch'; readonly fromSeq: number }
  | { readonly kind: 'mark-acked'; readonly seq: number };

export function initialUpload(ackedSeq: number, head: number, window: number = LIMITS.uploadWindow): UploadState {
  return { phase: 'offline', ackedSeq, nextSeq: ackedSeq + 1, inflight: [], head, window };
}

export function uploadStep(s: UploadState, input: UploadInput): { state: UploadState; effects: UploadEffect[] } {
  switch (input.type) {
    case 'connected':
      if (s.phase === 'incompatible') return { state: s, effects: [] };
      return { state: { ...s, phase: 'handshaking', inflight: [] }, effects: [{ kind: 'send-hello' }] };
    case 'welcome': {
      const acked = Math.max(s.ackedSeq, input.ackedSeq);
      const state = { ...s, phase: 'syncing' as const, ackedSeq: acked, nextSeq: input.ackedSeq + 1, inflight: [], head: Math.max(s.head, input.head) };
      return pump(state, acked > s.ackedSeq ? [{ kind: 'mark-acked', seq: acked }] : []);
    }
    case 'ack': {
      if (s.phase !== 'syncing' || input.seq <= s.ackedSeq) return { state: s, effects: [] };
      const state = { ...s, ackedSeq: input.seq, inflight: s.inflight.filter((last) => last > input.seq) };
      return pump(state, [{ kind: 'mark-acked', seq: input.seq }]);
    }
    case 'resend':
      if (s.phase !== 'syncing') return { state: s, effects: [] };
      return pump({ ...s, nextSeq: Math.max(input.fromSeq, s.ackedSeq + 1), inflight: [] }, []);
    case 'outbox-head':
      return pump({ ...s, head: Math.max(s.head, input.head) }, []);
    case 'batch-sent':
      return pump({ ...s, nextSeq: input.lastSeq + 1, inflight: [...s.inflight, input.lastSeq] }, []);
    case 'closed':
      return { state: { ...s, phase: s.phase === 'incompatible' ? 'incompatible' : 'offline', inflight: [] }, effects: [] };
    case 'refused':
      return { state: { ...s, phase: 'incompatible', inflight: [] }, effects: [] };
  }
}

/** One `send-batch` at most per step: the shell reads the batch, sends it and reports `batch-sent`. */
function pump(s: UploadState, effects: UploadEffect[]): { state: UploadState; effects: UploadEffect[] } {
  if (s.phase === 'syncing' && s.inflight.length < s.window && s.nextSeq <= s.head) {
    return { state: s, effects: [...effects, { kind: 'send-batch', fromSeq: s.nextSeq }] };
  }
  return { state: s, effects };
}
