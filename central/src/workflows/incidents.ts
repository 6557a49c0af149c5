import { ConflictError, NotFoundError, ValidationError } from '@storefleet/shared';
import type { Db } from '../db/db.js';
import { WorkflowRepository, type IncidentRow, type IncidentState } from './repository.js';

/**
 * Workflow incidents as staff handle them (issue #15): what a flow could not put right by itself (a hand-over of a
 * hold the hub had already ended; a customer notice the sender refused for good), listed newest first with a sentence saying what happened, and resolved once
 * by an ADMIN with a note (who and when are recorded). Resolving is one conditional update, so two admins pressing
 * Resolve at once get one 200 and one 409.
 */
export interface IncidentView {
  readonly id: string;
  readonly kind: string;
  readonly state: IncidentState;
  /** Null when the incident concerns no store (NOTICE_REFUSED). */
  readonly storeId: string | null;
  /** "Store Riverside (RIV)" (the store's id when it is not registered), or null with no store. */
  readonly store: string | null;
  readonly storeCode: string | null;
  readonly storeName: string | null;
  readonly reservationId: string | null;
  readonly orderId: string | null;
  readonly raisedAt: number;
  readonly detail: unknown;
  /** What happened, for people: the console shows it as is. */
  readonly sentence: string;
  readonly resolution: IncidentRow['resolution'];
}

export interface IncidentPage {
  readonly items: readonly IncidentView[];
  /** `after` for the next page; null on the last one. */
  readonly next: string | null;
}

export class IncidentDesk {
  constructor(
    readonly db: Db,
    readonly now: () => number,
  ) {}

  /** A page of incidents, newest first; with `storeId`, that store's only (a manager sees their own store's). */
  async list(q: {
    state: IncidentState | null;
    after: string | null;
    limit: number;
    storeId?: string | null;
  }): Promise<IncidentPage> {
    // One more than asked tells whether a next page exists.
    const rows = await new WorkflowRepository(this.db).incidentPage({ ...q, limit: q.limit + 1 });
    if (!rows)
      throw new ValidationError(
        `invalid query (after: no incident ${q.after}; pass the \`next\` of the previous page)`,
        [{ path: 'after', message: 'no such incident' }],
      );
    const page = rows.slice(0, q.limit);
    return { items: page.map(view), next: rows.length > q.limit ? page.at(-1)!.id : null };
  }

  /** The store an incident concerns (null for none), or undefined when there is no such incident. */
  async storeOf(id: string): Promise<string | null | undefined> {
    return (await new WorkflowRepository(this.db).incident(id))?.storeId;
  }

  /** Resolves an open incident as `userId`; 404 for none, 409 when it was resolved already (saying by whom, when). */
  async resolve(id: string, userId: string, note: string): Promise<IncidentView> {
    const repo = new WorkflowRepository(this.db);
    if (!(await repo.resolveIncident(id, { by: userId, at: this.now(), note }))) {
      const existing = await repo.incident(id);
      if (!existing) throw new NotFoundError('incident', id);
      const r = existing.resolution!;
      throw new ConflictError(
        `incident ${id} was already resolved by ${r.by.email ?? `user ${r.by.userId}`} at ${new Date(r.at).toISOString()}`,
        { resolvedAt: r.at, resolvedBy: r.by.userId },
      );
    }
    return view((await repo.incident(id))!);
  }
}

function view(i: IncidentRow): IncidentView {
  const store = i.storeId === null ? null : (i.storeLabel ?? `store ${i.storeId}`);
  return {
    id: i.id,
    kind: i.kind,
    state: i.resolution ? 'RESOLVED' : 'OPEN',
    storeId: i.storeId,
    store,
    storeCode: i.storeCode,
    storeName: i.storeName,
    reservationId: i.reservationId,
    orderId: i.orderId,
    raisedAt: i.raisedAt,
    detail: i.detail,
    sentence: incidentSentence(i.kind, store, i.reservationId, i.orderId, i.detail),
    resolution: i.resolution,
  };
}

/** What an incident means, in one or two sentences; a kind it does not know is shown with its raw detail. */
export function incidentSentence(
  kind: string,
  store: string | null,
  reservationId: string | null,
  orderId: string | null,
  detail: unknown,
): string {
  const d = (detail ?? {}) as { holdEndedAs?: unknown; handedOverAt?: unknown; orderStatus?: unknown };
  if (kind === 'PICKUP_AFTER_END' && typeof d.handedOverAt === 'number') {
    const when = new Date(d.handedOverAt).toISOString();
    const ended = typeof d.holdEndedAs === 'string' ? ` (${d.holdEndedAs})` : '';
    const head = `${store ?? 'A store'} handed over hold ${reservationId ?? '(unknown)'} at ${when}, after the hub had ended it${ended}.`;
    if (!orderId) return `${head} No order was attached to the hold.`;
    const status = typeof d.orderStatus === 'string' ? d.orderStatus : 'unknown';
    const unpaid = status === 'CANCELLED' ? ' and its payment voided or refunded: the goods left unpaid' : '';
    return `${head} Its order ${orderId} was ${status} by then${unpaid}.`;
  }
  if (kind === 'NOTICE_REFUSED') return noticeRefusedSentence(orderId, detail);
  if (kind === 'REFUND_KEEPS_FAILING') return refundFailingSentence(orderId, detail);
  return `${kind}${store ? ` at ${store}` : ''}${orderId ? ` (order ${orderId})` : ''}: ${JSON.stringify(detail)}`;
}

function refundFailingSentence(orderId: string | null, detail: unknown): string {
  const d = (detail ?? {}) as { amountMinor?: unknown; currency?: unknown; attempts?: unknown; lastError?: unknown };
  const amount =
    typeof d.amountMinor === 'number' && typeof d.currency === 'string'
      ? `${(d.amountMinor / 100).toFixed(2)} ${d.currency}`
      : 'its payment';
  const tries = typeof d.attempts === 'number' ? d.attempts : 'several';
  const said = typeof d.lastError === 'string' && d.lastError ? d.lastError : 'nothing';
  return (
    `The refund of order ${orderId ?? '(unknown)'} (${amount}) keeps failing: the payment provider refused it ${tries} ` +
    `times (last: ${said}). The hub no longer retries it; refund the customer by hand, then resolve this.`
  );
}

function noticeRefusedSentence(orderId: string | null, detail: unknown): string {
  const d = (detail ?? {}) as { customerId?: unknown; noticeKind?: unknown; message?: unknown; reason?: unknown };
  const text = (v: unknown, or: string) => (typeof v === 'string' && v ? v : or);
  const about = orderId ? ` about order ${orderId}` : '';
  return (
    `The notice sender refused the ${text(d.noticeKind, 'customer')} notice to customer ${text(d.customerId, '(unknown)')}` +
    `${about} for good, so the customer was not told (the sender said: ${text(d.reason, 'nothing')}). ` +
    `Tell them another way: “${text(d.message, '(no message)')}”`
  );
}
