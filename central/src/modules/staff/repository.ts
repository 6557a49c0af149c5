import type { StaffAuditAction, StaffAuditEntry } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { AdminAction } from '../../kernel/ports/staff.js';

export interface PinRow {
  readonly userId: string;
  readonly pinHash: string;
  readonly setAt: number;
}

/** Where a newest-first page resumes: the last row's time and id. */
export interface Cursor {
  readonly at: number;
  readonly id: number;
}

export interface AuditRowRecord extends StaffAuditEntry {
  readonly id: number;
  readonly storeId: string;
  readonly receivedAt: number;
}

export interface AdminActionRecord extends AdminAction {
  readonly id: number;
}

const pinRow = (r: { user_id: string; pin_hash: string; set_at: number }): PinRow => ({
  userId: r.user_id,
  pinHash: r.pin_hash,
  setAt: Number(r.set_at),
});

/** All of the staff module's SQL (Postgres and PGlite run the same text). */
export class StaffRepository {
  constructor(readonly db: Queryable) {}

  async pinsOf(userIds: readonly string[]): Promise<PinRow[]> {
    if (!userIds.length) return [];
    const { rows } = await this.db.query<{ user_id: string; pin_hash: string; set_at: number }>(
      'SELECT user_id::text AS user_id, pin_hash, set_at FROM staff_pins WHERE user_id = ANY($1::uuid[])',
      [userIds],
    );
    return rows.map(pinRow);
  }

  async setPin(userId: string, pinHash: string, at: number, by: string): Promise<void> {
    await this.db.query(
      `INSERT INTO staff_pins (user_id, pin_hash, set_at, set_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET pin_hash = EXCLUDED.pin_hash, set_at = EXCLUDED.set_at, set_by = EXCLUDED.set_by`,
      [userId, pinHash, at, by],
    );
  }

  /** When the hub generated the person's PINs since `since` (epoch ms), oldest first. */
  async pinGrantsSince(userId: string, since: number): Promise<number[]> {
    const { rows } = await this.db.query<{ at: number }>(
      'SELECT at FROM staff_pin_grants WHERE user_id = $1 AND at >= $2 ORDER BY at',
      [userId, since],
    );
    return rows.map((r) => Number(r.at));
  }

  /** Notes a PIN generated for the person (never the PIN) and forgets their notes older than `forgetBefore`. */
  async notePinGrant(userId: string, at: number, by: string, forgetBefore: number): Promise<void> {
    await this.db.query('DELETE FROM staff_pin_grants WHERE user_id = $1 AND at < $2', [userId, forgetBefore]);
    await this.db.query('INSERT INTO staff_pin_grants (user_id, at, by_user_id) VALUES ($1, $2, $3)', [userId, at, by]);
  }

  /** Whether there was a PIN to remove. */
  async removePin(userId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM staff_pins WHERE user_id = $1', [userId]);
    return rowCount > 0;
  }

  /**
   * The store's next roster version, taking the row's lock until the transaction ends: two changes to one store's
   * roster commit one after the other, and the second reads what the first wrote.
   */
  async nextVersion(storeId: string, now: number): Promise<number> {
    const { rows } = await this.db.query<{ version: number }>(
      `INSERT INTO staff_roster_versions (store_id, version) VALUES ($1, greatest($2::bigint, 1))
       ON CONFLICT (store_id) DO UPDATE SET version = greatest(staff_roster_versions.version + 1, $2::bigint)
       RETURNING version`,
      [storeId, now],
    );
    return Number(rows[0]!.version);
  }

  /** The version of the roster last sent to the store, 0 when none was. */
  async version(storeId: string): Promise<number> {
    const { rows } = await this.db.query<{ version: number }>(
      'SELECT version FROM staff_roster_versions WHERE store_id = $1',
      [storeId],
    );
    return rows[0] ? Number(rows[0].version) : 0;
  }

  /** The store whose roster last carried the person, if any. */
  async memberStore(userId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ store_id: string }>(
      'SELECT store_id::text AS store_id FROM staff_roster_members WHERE user_id = $1',
      [userId],
    );
    return rows[0]?.store_id ?? null;
  }

  async setMembers(storeId: string, userIds: readonly string[]): Promise<void> {
    if (!userIds.length) return;
    await this.db.query(
      `INSERT INTO staff_roster_members (user_id, store_id) SELECT u, $2 FROM unnest($1::uuid[]) AS u
       ON CONFLICT (user_id) DO UPDATE SET store_id = EXCLUDED.store_id`,
      [userIds, storeId],
    );
  }

  async removeMember(userId: string): Promise<void> {
    await this.db.query('DELETE FROM staff_roster_members WHERE user_id = $1', [userId]);
  }

  /** Keeps the store's audit rows; one already kept (same store and audit id) is left as it is. Returns how many were new. */
  async insertAudit(storeId: string, entries: readonly StaffAuditEntry[], receivedAt: number): Promise<number> {
    if (!entries.length) return 0;
    const { rowCount } = await this.db.query(
      `INSERT INTO staff_audit (store_id, audit_id, at, action, lane, actor_user_id, approver_user_id, sale_id, sku,
                                amount_minor, detail, received_at)
       SELECT $1, a, t, act, l, actor, appr, s, k, amt, d, $12
       FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::int[], $6::uuid[], $7::uuid[], $8::text[], $9::text[],
                   $10::bigint[], $11::text[]) AS x(a, t, act, l, actor, appr, s, k, amt, d)
       ON CONFLICT (store_id, audit_id) DO NOTHING`,
      [
        storeId,
        entries.map((e) => e.auditId),
        entries.map((e) => e.at),
        entries.map((e) => e.action),
        entries.map((e) => e.lane),
        entries.map((e) => e.actorUserId),
        entries.map((e) => e.approverUserId),
        entries.map((e) => e.saleId),
        entries.map((e) => e.sku),
        entries.map((e) => e.amountMinor),
        entries.map((e) => e.detail),
        receivedAt,
      ],
    );
    return rowCount;
  }

  async audit(q: {
    storeId: string | null;
    action: StaffAuditAction | null;
    from: number | null;
    to: number | null;
    before: Cursor | null;
    limit: number;
  }): Promise<AuditRowRecord[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT id, store_id::text AS store_id, audit_id::text AS audit_id, at, action, lane,
              actor_user_id::text AS actor_user_id, approver_user_id::text AS approver_user_id, sale_id, sku,
              amount_minor, detail, received_at
       FROM staff_audit
       WHERE ($1::uuid IS NULL OR store_id = $1::uuid)
         AND ($2::text IS NULL OR action = $2::text)
         AND ($3::bigint IS NULL OR at >= $3::bigint)
         AND ($4::bigint IS NULL OR at < $4::bigint)
         AND ($5::bigint IS NULL OR (at, id) < ($5::bigint, $6::bigint))
       ORDER BY at DESC, id DESC
       LIMIT $7`,
      [q.storeId, q.action, q.from, q.to, q.before?.at ?? null, q.before?.id ?? null, q.limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      storeId: r.store_id as string,
      auditId: r.audit_id as string,
      at: Number(r.at),
      action: r.action as StaffAuditAction,
      lane: r.lane === null ? null : Number(r.lane),
      actorUserId: (r.actor_user_id as string | null) ?? null,
      approverUserId: (r.approver_user_id as string | null) ?? null,
      saleId: (r.sale_id as string | null) ?? null,
      sku: (r.sku as string | null) ?? null,
      amountMinor: r.amount_minor === null ? null : Number(r.amount_minor),
      detail: r.detail as string,
      receivedAt: Number(r.received_at),
    }));
  }

  /** Writes a batch of admin actions in one statement. */
  async insertAdminActions(actions: readonly AdminAction[]): Promise<void> {
    if (!actions.length) return;
    await this.db.query(
      `INSERT INTO admin_actions (at, user_id, role, store_id, route, path, status, address, idempotency_key)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::int[],
                            $8::text[], $9::text[])`,
      [
        actions.map((a) => a.at),
        actions.map((a) => a.userId),
        actions.map((a) => a.role),
        actions.map((a) => a.storeId),
        actions.map((a) => a.route),
        actions.map((a) => a.path),
        actions.map((a) => a.status),
        actions.map((a) => a.address),
        actions.map((a) => a.idempotencyKey),
      ],
    );
  }

  async adminActions(q: {
    userId: string | null;
    from: number | null;
    to: number | null;
    before: Cursor | null;
    limit: number;
  }): Promise<AdminActionRecord[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT id, at, user_id::text AS user_id, role, store_id::text AS store_id, route, path, status, address,
              idempotency_key
       FROM admin_actions
       WHERE ($1::uuid IS NULL OR user_id = $1::uuid)
         AND ($2::bigint IS NULL OR at >= $2::bigint)
         AND ($3::bigint IS NULL OR at < $3::bigint)
         AND ($4::bigint IS NULL OR (at, id) < ($4::bigint, $5::bigint))
       ORDER BY at DESC, id DESC
       LIMIT $6`,
      [q.userId, q.from, q.to, q.before?.at ?? null, q.before?.id ?? null, q.limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      userId: r.user_id as string,
      role: r.role as AdminAction['role'],
      storeId: (r.store_id as AdminAction['storeId']) ?? null,
      route: r.route as string,
      path: r.path as string,
      status: Number(r.status),
      address: r.address as string,
      idempotencyKey: (r.idempotency_key as string | null) ?? null,
    }));
  }
}
