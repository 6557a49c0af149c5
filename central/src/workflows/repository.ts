import { uuidv7 } from '@storefleet/shared';
import type { Queryable } from '../db/db.js';

export interface CustomerNotification {
  readonly id: string;
  readonly customerId: string;
  readonly orderId: string | null;
  /** The order's number as the customer knows it (`SF-10482`), read with the notice; null for a notice about no order. */
  readonly orderNumber: string | null;
  /** PICKUP_MOVED, ORDER_CANCELLED… */
  readonly kind: string;
  readonly message: string;
  readonly createdAt: number;
  readonly attempts: number;
}

export interface WorkflowIncident {
  readonly id: string;
  /**
   * PICKUP_AFTER_END: a store handed over a hold the hub had ended. NOTICE_REFUSED: the notice sender refused a
   * customer's notice for good (no store).
   */
  readonly kind: string;
  /** The store it happened at; null when it concerns none (NOTICE_REFUSED). */
  readonly storeId: string | null;
  readonly reservationId: string | null;
  readonly orderId: string | null;
  readonly detail: unknown;
  readonly raisedAt: number;
}

export type IncidentState = 'OPEN' | 'RESOLVED';

/** An incident as staff see it: where (the store's label), and who resolved it, when and why. */
export interface IncidentRow extends WorkflowIncident {
  /** "Store Riverside (RIV)", or null when the store is not registered. */
  readonly storeLabel: string | null;
  /** The store's code and name as registered (the console shows "CODE — Name"), or null. */
  readonly storeCode: string | null;
  readonly storeName: string | null;
  readonly resolution: {
    readonly at: number;
    readonly by: { readonly userId: string; readonly email: string | null };
    readonly note: string;
  } | null;
}

interface IncidentRowRaw {
  id: string;
  kind: string;
  store_id: string | null;
  reservation_id: string | null;
  order_id: string | null;
  detail: unknown;
  raised_at: number;
  resolved_at: number | null;
  resolved_by: string | null;
  resolution_note: string | null;
  store_name: string | null;
  store_code: string | null;
  resolver_email: string | null;
}

const INCIDENT_COLUMNS = `i.id, i.kind, i.store_id, i.reservation_id, i.order_id, i.detail, i.raised_at, i.resolved_at,
  i.resolved_by, i.resolution_note, l.name AS store_name, l.code AS store_code, u.email AS resolver_email`;

const toIncidentRow = (r: IncidentRowRaw): IncidentRow => ({
  id: r.id,
  kind: r.kind,
  storeId: r.store_id,
  reservationId: r.reservation_id,
  orderId: r.order_id,
  detail: r.detail,
  raisedAt: Number(r.raised_at),
  storeLabel: r.store_name === null ? null : `${r.store_name} (${r.store_code})`,
  storeCode: r.store_code,
  storeName: r.store_name,
  resolution:
    r.resolved_at === null
      ? null
      : {
          at: Number(r.resolved_at),
          by: { userId: r.resolved_by ?? '', email: r.resolver_email },
          note: r.resolution_note ?? '',
        },
});

interface NotificationRow {
  id: string;
  customer_id: string;
  order_id: string | null;
  order_number: string | null;
  kind: string;
  message: string;
  created_at: number;
  attempts: number;
  sent_at: number | null;
  failed_at: number | null;
  last_error: string | null;
}

const toNotification = (r: NotificationRow) => ({
  id: r.id,
  customerId: r.customer_id,
  orderId: r.order_id,
  orderNumber: r.order_number ?? null,
  kind: r.kind,
  message: r.message,
  createdAt: Number(r.created_at),
  attempts: r.attempts,
  sentAt: r.sent_at === null ? null : Number(r.sent_at),
  failedAt: r.failed_at === null ? null : Number(r.failed_at),
  lastError: r.last_error,
});

/**
 * All SQL of the workflows layer: its notifications outbox and incidents (raised, listed, resolved), and the store
 * names its messages use.
 */
export class WorkflowRepository {
  constructor(readonly db: Queryable) {}

  async enqueue(n: Omit<CustomerNotification, 'id' | 'attempts' | 'orderNumber'>): Promise<string> {
    const id = uuidv7(n.createdAt);
    await this.db.query(
      'INSERT INTO customer_notifications (id, customer_id, order_id, kind, message, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, n.customerId, n.orderId, n.kind, n.message, n.createdAt],
    );
    return id;
  }

  /**
   * Claims the oldest due notice (unsent, not refused, its claim or back-off over) until `until`, counting an attempt;
   * undefined when none is due. A row another sender is claiming is skipped.
   */
  async claimNext(now: number, until: number): Promise<CustomerNotification | undefined> {
    const { rows } = await this.db.query<NotificationRow>(
      `WITH claimed AS (
         UPDATE customer_notifications SET claimed_until = $2, attempts = attempts + 1
         WHERE id = (SELECT id FROM customer_notifications WHERE sent_at IS NULL AND failed_at IS NULL AND claimed_until <= $1 ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING *)
       SELECT c.*, o.order_number FROM claimed c LEFT JOIN orders o ON o.id = c.order_id`,
      [now, until],
    );
    return rows[0] && toNotification(rows[0]);
  }

  async markSent(id: string, now: number): Promise<void> {
    await this.db.query('UPDATE customer_notifications SET sent_at = $2, last_error = NULL WHERE id = $1', [id, now]);
  }

  /** The send failed: kept, due again at `nextAt`, with why. */
  async markFailed(id: string, error: string, nextAt: number): Promise<void> {
    await this.db.query(
      'UPDATE customer_notifications SET claimed_until = $3, last_error = $2 WHERE id = $1 AND sent_at IS NULL',
      [id, error.slice(0, 500), nextAt],
    );
  }

  /** The send was abandoned (the hub is stopping): due again at once, for any sender. */
  async release(id: string): Promise<void> {
    await this.db.query('UPDATE customer_notifications SET claimed_until = 0 WHERE id = $1 AND sent_at IS NULL', [id]);
  }

  /**
   * The sender refused the notice (it would refuse it again): never sent, kept with why. False when it was sent or
   * refused already.
   */
  async markRefused(id: string, now: number, error: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `UPDATE customer_notifications SET failed_at = $2, last_error = $3
       WHERE id = $1 AND sent_at IS NULL AND failed_at IS NULL RETURNING id`,
      [id, now, error.slice(0, 500)],
    );
    return rows.length === 1;
  }

  /** A NOTICE_REFUSED incident: staff must tell the customer another way (the detail holds the notice and why). */
  async raiseNoticeRefused(notice: CustomerNotification, reason: string, at: number): Promise<string> {
    return this.raiseIncident({
      kind: 'NOTICE_REFUSED',
      storeId: null,
      reservationId: null,
      orderId: notice.orderId,
      detail: {
        notificationId: notice.id,
        customerId: notice.customerId,
        noticeKind: notice.kind,
        message: notice.message.slice(0, 500),
        reason,
      },
      raisedAt: at,
    });
  }

  /** The number the customer knows an order by (`SF-10482`); null when the hub has no such order. */
  async orderNumberOf(orderId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ order_number: string }>('SELECT order_number FROM orders WHERE id = $1', [
      orderId,
    ]);
    return rows[0]?.order_number ?? null;
  }

  /** Notices about one order, oldest first (tests and support). */
  async notificationsOf(
    orderId: string,
  ): Promise<(CustomerNotification & { sentAt: number | null; failedAt: number | null; lastError: string | null })[]> {
    const { rows } = await this.db.query<NotificationRow>(
      `SELECT n.*, o.order_number FROM customer_notifications n LEFT JOIN orders o ON o.id = n.order_id
       WHERE n.order_id = $1 ORDER BY n.created_at, n.id`,
      [orderId],
    );
    return rows.map(toNotification);
  }

  async raiseIncident(i: Omit<WorkflowIncident, 'id'>): Promise<string> {
    const id = uuidv7(i.raisedAt);
    await this.db.query(
      'INSERT INTO workflow_incidents (id, kind, store_id, reservation_id, order_id, detail, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [id, i.kind, i.storeId, i.reservationId, i.orderId, JSON.stringify(i.detail), i.raisedAt],
    );
    return id;
  }

  /**
   * One page of incidents, newest first (raised_at, then id), after the incident `after` (the last of the previous
   * page); each with its store's label and who resolved it. With `storeId`, that store's incidents only (a store
   * manager's view). Null when `after` names no incident.
   */
  async incidentPage(q: {
    state: IncidentState | null;
    after: string | null;
    limit: number;
    storeId?: string | null;
  }): Promise<IncidentRow[] | null> {
    const params: unknown[] = [q.limit];
    const where: string[] = [];
    if (q.state) where.push(q.state === 'OPEN' ? 'i.resolved_at IS NULL' : 'i.resolved_at IS NOT NULL');
    if (q.after) {
      const { rows } = await this.db.query<{ raised_at: number }>(
        'SELECT raised_at FROM workflow_incidents WHERE id = $1',
        [q.after],
      );
      if (!rows[0]) return null;
      params.push(rows[0].raised_at, q.after);
      where.push(`(i.raised_at, i.id) < ($${params.length - 1}, $${params.length})`);
    }
    if (q.storeId) {
      params.push(q.storeId);
      where.push(`i.store_id = $${params.length}`);
    }
    const { rows } = await this.db.query<IncidentRowRaw>(
      `SELECT ${INCIDENT_COLUMNS} FROM workflow_incidents i
       LEFT JOIN locations l ON l.id = i.store_id LEFT JOIN users u ON u.id = i.resolved_by
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY i.raised_at DESC, i.id DESC LIMIT $1`,
      params,
    );
    return rows.map(toIncidentRow);
  }

  async incident(id: string): Promise<IncidentRow | undefined> {
    const { rows } = await this.db.query<IncidentRowRaw>(
      `SELECT ${INCIDENT_COLUMNS} FROM workflow_incidents i
       LEFT JOIN locations l ON l.id = i.store_id LEFT JOIN users u ON u.id = i.resolved_by WHERE i.id = $1`,
      [id],
    );
    return rows[0] && toIncidentRow(rows[0]);
  }

  /** Resolves an open incident; false when it is not open (resolved already, or no such incident). */
  async resolveIncident(id: string, r: { by: string; at: number; note: string }): Promise<boolean> {
    const { rows } = await this.db.query(
      `UPDATE workflow_incidents SET resolved_at = $2, resolved_by = $3, resolution_note = $4
       WHERE id = $1 AND resolved_at IS NULL RETURNING id`,
      [id, r.at, r.by, r.note],
    );
    return rows.length === 1;
  }

  async incidents(limit: number): Promise<WorkflowIncident[]> {
    const { rows } = await this.db.query<IncidentRowRaw>(
      'SELECT * FROM workflow_incidents ORDER BY raised_at DESC, id DESC LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      storeId: r.store_id,
      reservationId: r.reservation_id,
      orderId: r.order_id,
      detail: r.detail,
      raisedAt: Number(r.raised_at),
    }));
  }

  /** A store as its staff and customers know it: "Store Riverside (RIV)"; the id when it is not registered. */
  /** The store's time zone as registered (`Europe/London`), or null for no such store. */
  async storeZone(storeId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ timezone: string }>('SELECT timezone FROM locations WHERE id = $1', [
      storeId,
    ]);
    return rows[0]?.timezone ?? null;
  }

  async storeLabel(storeId: string): Promise<string> {
    const { rows } = await this.db.query<{ name: string; code: string }>(
      'SELECT name, code FROM locations WHERE id = $1',
      [storeId],
    );
    return rows[0] ? `${rows[0].name} (${rows[0].code})` : `store ${storeId}`;
  }
}
