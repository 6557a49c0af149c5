import { findBadText, type WireEvent } from '@storefleet/shared';

/**
 * What the hub does with an uploaded batch, given the highest contiguous seq it already holds for that origin.
 * Invariants: events are applied in seq order with no gap, each exactly once; a batch that overlaps what is held is
 * trimmed, one that is wholly held is a duplicate (ack again), one that starts past a gap asks for a resend.
 */
export type BatchDecision =
  | { readonly kind: 'apply'; readonly events: readonly WireEvent[] }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'gap'; readonly fromSeq: number };

export function decideBatch(events: readonly WireEvent[], ackedSeq: number): BatchDecision {
  const first = events[0];
  if (!first) return { kind: 'duplicate' };
  if (first.seq > ackedSeq + 1) return { kind: 'gap', fromSeq: ackedSeq + 1 };
  const fresh = events.filter((e) => e.seq > ackedSeq);
  return fresh.length ? { kind: 'apply', events: fresh } : { kind: 'duplicate' };
}

/**
 * Why a batch is malformed (not contiguous, claims another origin, carries U+0000 text the hub's database cannot
 * store), or undefined when it is well formed.
 */
export function batchFault(events: readonly WireEvent[], authenticatedOrigin: string): string | undefined {
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.origin !== authenticatedOrigin)
      return `event ${e.seq} claims origin ${e.origin}, but this connection is store ${authenticatedOrigin}`;
    if (i > 0 && e.seq !== events[i - 1]!.seq + 1) return `batch is not contiguous at seq ${e.seq}`;
    const bad = findBadText(e.payload);
    if (bad) return `event ${e.seq} payload.${bad.path} ${bad.problem}, which the hub cannot store`;
  }
  return undefined;
}
