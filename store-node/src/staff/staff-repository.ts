import type { StaffAuditEntry } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** A lane's sign-in as kept: the sha256 of the `sf_staff` cookie's token, bound to one lane (0: the back office). */
export interface StaffSession {
  readonly tokenHash: string;
  readonly lane: number;
  readonly userId: string;
  readonly signedInAt: number;
  readonly lastSeenAt: number;
}

/** A manager's approval as kept: the sha256 of its id, for one lane, one action and one target, used once. */
export interface StaffApproval {
  readonly idHash: string;
  readonly lane: number;
  readonly action: string;
  readonly saleId: string | null;
  readonly sku: string | null;
  readonly amountMinor: number | null;
  readonly approverUserId: string;
  readonly approverName: string;
  readonly actorUserId: string | null;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}

/** A new approval, unused. */
export type NewStaffApproval = Omit<StaffApproval, 'usedAt'> & { readonly createdAt: number };

/** One audit row as read back (ids of people, not names). */
export interface StoredAuditRow {
  readonly auditId: string;
  readonly at: number;
  readonly action: string;
  readonly lane: number | null;
  readonly actorUserId: string | null;
  readonly approverUserId: string | null;
  readonly saleId: string | null;
  readonly sku: string | null;
  readonly amountMinor: number | null;
  readonly detail: string;
}

interface SessionRow {
  token_hash: string;
  lane: number;
  user_id: string;
  signed_in_at: number;
  last_seen_at: number;
}
interface ApprovalRow {
  id_hash: string;
  lane: number;
  action: string;
  sale_id: string | null;
  sku: string | null;
  amount_minor: number | null;
  approver_user_id: string;
  approver_name: string;
  actor_user_id: string | null;
  expires_at: number;
  used_at: number | null;
}
interface AuditRow {
  audit_id: string;
  at: number;
  action: string;
  lane: number | null;
  actor_user_id: string | null;
  approver_user_id: string | null;
  sale_id: string | null;
  sku: string | null;
  amount_minor: number | null;
  detail: string;
}

/**
 * All SQL of the store's staff sign-in and approvals (the roster's own tables are `StoreStaffRoster`'s). The desk calls
 * these inside its `sync.write` where a change must share the transaction with its audit rows and outbox events.
 */
export class StaffRepository {
  constructor(readonly db: SqliteDb) {}

  /** The pauses of these two callers (the store-wide row and one caller) still running at `now`. */
  pausesFor(storeWide: string, caller: string, now: number): { caller: string; lockedUntil: number }[] {
    const rows = this.db
      .prepare('SELECT caller, locked_until FROM staff_pauses WHERE caller IN (?, ?) AND locked_until > ?')
      .all(storeWide, caller, now) as { caller: string; locked_until: number }[];
    return rows.map((r) => ({ caller: r.caller, lockedUntil: r.locked_until }));
  }

  /** Pauses a caller (or the whole store) until `until`, replacing a pause it had. */
  pause(caller: string, until: number): void {
    this.db
      .prepare(
        `INSERT INTO staff_pauses (caller, locked_until) VALUES (?, ?)
             ON CONFLICT (caller) DO UPDATE SET locked_until = excluded.locked_until`,
      )
      .run(caller, until);
  }

  /** Drops the wrong PINs at or before `at` (out of the window). */
  dropWrongPinsUpTo(at: number): void {
    this.db.prepare('DELETE FROM staff_wrong_pins WHERE at <= ?').run(at);
  }

  addWrongPin(at: number, caller: string, lane: number): void {
    this.db.prepare('INSERT INTO staff_wrong_pins (at, caller, lane) VALUES (?, ?, ?)').run(at, caller, lane);
  }

  /** Wrong PINs kept from this caller, over all its lanes. */
  wrongPinsFrom(caller: string): number {
    return this.db.prepare('SELECT count(*) FROM staff_wrong_pins WHERE caller = ?').pluck().get(caller) as number;
  }

  /** Wrong PINs kept at the whole store. */
  wrongPinsAtStore(): number {
    return this.db.prepare('SELECT count(*) FROM staff_wrong_pins').pluck().get() as number;
  }

  /** A lane's wrong-PIN count and lock as stored (undefined: none). */
  laneLock(lane: number): { failures: number; lockedUntil: number | null } | undefined {
    const row = this.db.prepare('SELECT failures, locked_until FROM staff_lane_locks WHERE lane = ?').get(lane) as
      | { failures: number; locked_until: number | null }
      | undefined;
    return row && { failures: row.failures, lockedUntil: row.locked_until };
  }

  setLaneLock(lane: number, failures: number, lockedUntil: number | null): void {
    this.db
      .prepare(
        `INSERT INTO staff_lane_locks (lane, failures, locked_until) VALUES (?, ?, ?)
           ON CONFLICT (lane) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
      )
      .run(lane, failures, lockedUntil);
  }

  clearLaneLock(lane: number): void {
    this.db.prepare('DELETE FROM staff_lane_locks WHERE lane = ?').run(lane);
  }

  /** The session with this token hash at this lane, however old. */
  session(tokenHash: string, lane: number): StaffSession | undefined {
    const row = this.db
      .prepare('SELECT * FROM staff_sessions WHERE token_hash = ? AND lane = ?')
      .get(tokenHash, lane) as SessionRow | undefined;
    return (
      row && {
        tokenHash: row.token_hash,
        lane: row.lane,
        userId: row.user_id,
        signedInAt: row.signed_in_at,
        lastSeenAt: row.last_seen_at,
      }
    );
  }

  touchSession(tokenHash: string, at: number): void {
    this.db.prepare('UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?').run(at, tokenHash);
  }

  /** Who has a session at this lane (one row per session). */
  usersAtLane(lane: number): string[] {
    return this.db.prepare('SELECT user_id FROM staff_sessions WHERE lane = ?').pluck().all(lane) as string[];
  }

  endLaneSessions(lane: number): void {
    this.db.prepare('DELETE FROM staff_sessions WHERE lane = ?').run(lane);
  }

  addSession(tokenHash: string, lane: number, userId: string, at: number): void {
    this.db
      .prepare(
        'INSERT INTO staff_sessions (token_hash, lane, user_id, signed_in_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(tokenHash, lane, userId, at, at);
  }

  endSession(tokenHash: string): void {
    this.db.prepare('DELETE FROM staff_sessions WHERE token_hash = ?').run(tokenHash);
  }

  /** Drops approvals that expired before `before`, used or not. */
  dropApprovalsExpiredBefore(before: number): void {
    this.db.prepare('DELETE FROM staff_approvals WHERE expires_at < ?').run(before);
  }

  addApproval(a: NewStaffApproval): void {
    this.db
      .prepare(
        `INSERT INTO staff_approvals (id_hash, lane, action, sale_id, sku, amount_minor, approver_user_id,
             approver_name, actor_user_id, created_at, expires_at, used_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      )
      .run(
        a.idHash,
        a.lane,
        a.action,
        a.saleId,
        a.sku,
        a.amountMinor,
        a.approverUserId,
        a.approverName,
        a.actorUserId,
        a.createdAt,
        a.expiresAt,
      );
  }

  approval(idHash: string): StaffApproval | undefined {
    const row = this.db.prepare('SELECT * FROM staff_approvals WHERE id_hash = ?').get(idHash) as
      | ApprovalRow
      | undefined;
    return (
      row && {
        idHash: row.id_hash,
        lane: row.lane,
        action: row.action,
        saleId: row.sale_id,
        sku: row.sku,
        amountMinor: row.amount_minor,
        approverUserId: row.approver_user_id,
        approverName: row.approver_name,
        actorUserId: row.actor_user_id,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
      }
    );
  }

  /** Uses the approval up if it is unused and unexpired at `at`: its approver's id, or undefined (nothing changed). */
  useApproval(idHash: string, at: number): string | undefined {
    return this.db
      .prepare(
        `UPDATE staff_approvals SET used_at = @at WHERE id_hash = @id AND used_at IS NULL AND expires_at > @at
           RETURNING approver_user_id`,
      )
      .pluck()
      .get({ id: idHash, at }) as string | undefined;
  }

  addAudit(row: StaffAuditEntry): void {
    this.db
      .prepare(
        `INSERT INTO staff_audit (audit_id, at, action, lane, actor_user_id, approver_user_id, sale_id, sku,
           amount_minor, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.auditId,
        row.at,
        row.action,
        row.lane,
        row.actorUserId,
        row.approverUserId,
        row.saleId,
        row.sku,
        row.amountMinor,
        row.detail,
      );
  }

  /** Audit rows in [from, to), newest first. */
  auditBetween(from: number, to: number, limit: number): StoredAuditRow[] {
    const rows = this.db
      .prepare('SELECT * FROM staff_audit WHERE at >= ? AND at < ? ORDER BY at DESC, rowid DESC LIMIT ?')
      .all(from, to, limit) as AuditRow[];
    return rows.map((r) => ({
      auditId: r.audit_id,
      at: r.at,
      action: r.action,
      lane: r.lane,
      actorUserId: r.actor_user_id,
      approverUserId: r.approver_user_id,
      saleId: r.sale_id,
      sku: r.sku,
      amountMinor: r.amount_minor,
      detail: r.detail,
    }));
  }
}
