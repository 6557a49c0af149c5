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
 *
 * `ackedSeq` is what the hub holds, as it last said; `markedSeq` is what this store has recorded as acknowledged. They
 * differ after a hub restore: the hub lost events the store had marked, so `ackedSeq` < `markedSeq`, the store
 * resends from `ackedSeq + 1`, and every ack — also one at or below `markedSeq` — frees the window slots of the batches
 * it covers (an ack that freed nothing would leave the window full for good once `window` batches are out).
 */
export type Phase = 'offline' | 'handshaking' | 'syncing' | 'incompatible';

export interface UploadState {
  readonly phase: Phase;
  /** Highest seq the hub holds, as it last said (pending up = head − ackedSeq). */
  readonly ackedSeq: number;
  /** Highest seq recorded as acknowledged in the store's database (never goes down). */
  readonly markedSeq: number;
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
  return { phase: 'offline', ackedSeq, markedSeq: ackedSeq, nextSeq: ackedSeq + 1, inflight: [], head, window };
}

export function uploadStep(s: UploadState, input: UploadInput): { state: UploadState; effects: UploadEffect[] } {
  switch (input.type) {
    case 'connected':
      if (s.phase === 'incompatible') return { state: s, effects: [] };
      return { state: { ...s, phase: 'handshaking', inflight: [] }, effects: [{ kind: 'send-hello' }] };
    case 'welcome': {
      // The hub's word on what it holds, even below what this store marked (a restored hub): resend from there.
      const state = {
        ...s,
        phase: 'syncing' as const,
        ackedSeq: input.ackedSeq,
        nextSeq: input.ackedSeq + 1,
        inflight: [],
        head: Math.max(s.head, input.head),
      };
      return pump(mark(state));
    }
    case 'ack': {
      if (s.phase !== 'syncing') return { state: s, effects: [] };
      const state = {
        ...s,
        ackedSeq: Math.max(s.ackedSeq, input.seq),
        inflight: s.inflight.filter((last) => last > input.seq),
      };
      return pump(mark(state));
    }
    case 'resend':
      if (s.phase !== 'syncing') return { state: s, effects: [] };
      // The hub says what it lacks; that may be below what this store marked (a restored hub), so trust it.
      return pump({ ...s, ackedSeq: Math.min(s.ackedSeq, input.fromSeq - 1), nextSeq: input.fromSeq, inflight: [] });
    case 'outbox-head':
      return pump({ ...s, head: Math.max(s.head, input.head) });
    case 'batch-sent':
      return pump({ ...s, nextSeq: input.lastSeq + 1, inflight: [...s.inflight, input.lastSeq] });
    case 'closed':
      return {
        state: { ...s, phase: s.phase === 'incompatible' ? 'incompatible' : 'offline', inflight: [] },
        effects: [],
      };
    case 'refused':
      return { state: { ...s, phase: 'incompatible', inflight: [] }, effects: [] };
  }
}

/** Records locally what the hub now holds beyond what was marked. */
function mark(s: UploadState): { state: UploadState; effects: UploadEffect[] } {
  if (s.ackedSeq <= s.markedSeq) return { state: s, effects: [] };
  return { state: { ...s, markedSeq: s.ackedSeq }, effects: [{ kind: 'mark-acked', seq: s.ackedSeq }] };
}

/** One `send-batch` at most per step: the shell reads the batch, sends it and reports `batch-sent`. */
function pump(step: UploadState | { state: UploadState; effects: UploadEffect[] }): {
  state: UploadState;
  effects: UploadEffect[];
} {
  const { state: s, effects } = 'state' in step ? step : { state: step, effects: [] as UploadEffect[] };
  if (s.phase === 'syncing' && s.inflight.length < s.window && s.nextSeq <= s.head) {
    return { state: s, effects: [...effects, { kind: 'send-batch', fromSeq: s.nextSeq }] };
  }
  return { state: s, effects };
}
