import type { Queryable } from '../../db/db.js';
import type { Principal } from '../../kernel/principal.js';
import type { SessionAnchor } from './hybrid.js';
import { InteractionsRepository } from './interactions-repository.js';
import type { SessionEvent } from './serving-repository.js';

/**
 * Real-time session personalisation: a web or app session's views and cart adds are recorded as interactions (source
 * 'web') the moment they happen, and the next request of that session reads its last 30 minutes back (at most 20
 * events, serving-repository.ts) and pulls their neighbours up (hybrid.ts, weight `session`). No training is involved,
 * so the list changes on the very next request.
 */

/**
 * A session id (or an event id) as stored: under the caller that named it — `store:<id>:` for a store and its kiosk
 * (viewed-handler.ts stores kiosk sessions under the sending store), `user:<id>:` for a person — so session ids are
 * not one namespace every caller shares: a store cannot read or steer another caller's session by naming its id.
 */
export function callersSession(p: Principal, id: string): string {
  return `${callerKey(p)}:${id}`;
}

/** The caller as stored with what is theirs (sessions, event ids, the lists served to them): `store:<id>`, `user:<id>`. */
export function callerKey(p: Principal): string {
  return p.kind === 'store' ? `store:${p.storeId}` : `user:${p.userId}`;
}

/** A kiosk's session as stored: under the store that sent it (what `callersSession` gives that store). */
export function kioskSession(storeId: string, id: string): string {
  return `store:${storeId}:${id}`;
}

/** A session event as the API takes it (`POST /api/recommendations/events`). */
export interface SessionEventInput {
  /** The caller's id for this event: a resent event counts once. */
  readonly eventId: string;
  readonly sessionId: string;
  readonly customerId: string | null;
  readonly kind: 'VIEW' | 'CART_ADD';
  readonly sku: string;
  readonly storeId: string | null;
}

/** Records one session event (idempotent by `eventId`), at the hub's time `now`. */
export async function recordSessionEvent(q: Queryable, e: SessionEventInput, now: number): Promise<void> {
  await new InteractionsRepository(q).record([
    {
      customerId: e.customerId,
      sessionId: e.sessionId,
      sku: e.sku,
      kind: e.kind,
      storeId: e.storeId,
      source: 'web',
      sourceRef: e.eventId,
      at: now,
    },
  ]);
}

/**
 * The session's products as anchors, newest first, each once (its newest event; a cart add outranks a view of the
 * same product, as the stronger signal), with their age at `now`.
 */
export function sessionAnchors(events: readonly SessionEvent[], now: number): SessionAnchor[] {
  const bySku = new Map<string, SessionAnchor>();
  for (const e of [...events].sort((a, b) => b.at - a.at)) {
    const had = bySku.get(e.sku);
    if (!had) bySku.set(e.sku, { sku: e.sku, kind: e.kind, ageMs: Math.max(0, now - e.at) });
    else if (e.kind === 'CART_ADD' && had.kind === 'VIEW') bySku.set(e.sku, { ...had, kind: 'CART_ADD' });
  }
  return [...bySku.values()];
}
