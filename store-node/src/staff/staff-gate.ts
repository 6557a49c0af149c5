import type { Request } from 'express';
import type { ManagerAction, StaffAuditEntry, StaffRole } from '@storefleet/shared';
import type { Emit } from '../sync/store-sync.js';

/** The person signed in at a lane (issue #27). */
export interface StaffOnLane {
  readonly userId: string;
  readonly name: string;
  readonly role: StaffRole;
}

/** What a manager's approval, used once, says: who approved, who asked. */
export interface ApprovalUse {
  readonly approverUserId: string;
  readonly approverName: string;
  readonly actorUserId: string | null;
}

/** What an approval was granted for; using it for anything else is refused. */
export interface ApprovalTarget {
  readonly saleId?: string | undefined;
  readonly sku?: string | undefined;
  readonly amountMinor?: number | undefined;
}

/** The header a manager-gated POS call carries: the approval id from `POST /api/staff/approvals`. */
export const MANAGER_APPROVAL_HEADER = 'Manager-Approval';

/** One audit row as a caller gives it (the gate adds the id and the time). */
export type AuditInput = Omit<StaffAuditEntry, 'auditId' | 'at'>;

/**
 * The staff sign-in and manager-approval rules as the POS routes use them (store-node/src/staff/, issue #27). Every
 * method works offline: the roster came through the feed, and PINs are checked against its hashes here.
 */
export interface StaffGate {
  /** Whether sign-in and approvals are asked for now (STAFF_SIGN_IN and whether the store has a roster). */
  enforced(): boolean;
  /**
   * Who is signed in at the caller's lane (null: nobody), whether or not sign-in is enforced; never throws. For
   * `GET /api/pos/lane`'s `staff` field, so the POS page shows who is at the till.
   */
  signedIn(req: Request, lane: number | undefined): StaffOnLane | null;
  /**
   * The person signed in at the caller's lane (the lane's sign-in cookie), or null when nothing is enforced; throws a
   * 401 problem ("sign in at this lane with your PIN") when enforced and nobody is signed in.
   */
  requirePerson(req: Request, lane: number | undefined): StaffOnLane | null;
  /**
   * Checks the manager approval the request carries (MANAGER_APPROVAL_HEADER): granted for `action` and this target
   * at this lane, unexpired and unused. Returns null when nothing is enforced; throws a 403 problem naming what is
   * needed otherwise. It does not use the approval up: `audit(…, approval)` inside the action's write does, so an
   * action that fails leaves the approval for a retry.
   */
  checkApproval(
    req: Request,
    action: ManagerAction,
    target: ApprovalTarget,
    lane: number | undefined,
  ): ApprovalUse | null;
  /**
   * Records an audit row — locally and as a `staff.audit` event to the hub — inside the caller's `sync.write`, and uses
   * up the approval it names (throws a 409 problem when it was used meanwhile, which rolls the write back).
   */
  audit(emit: Emit, entry: AuditInput, approvalId?: string | undefined): void;
}

/** A gate that asks for nothing (STAFF_SIGN_IN=off; tests of other things): the POS as it was before issue #27. */
export const OPEN_GATE: StaffGate = {
  enforced: () => false,
  signedIn: () => null,
  requirePerson: () => null,
  checkApproval: () => null,
  audit: () => undefined,
};
