import type { StaffAuditAction, StaffRole, StoreId } from '@storefleet/shared';

/** One person of a store's roster as the console lists it: never the PIN's hash. */
export interface RosterPerson {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly role: StaffRole;
  readonly hasPin: boolean;
  readonly pinSetAt: number | null;
  readonly disabled: boolean;
}

/** A person named in an audit row: their name when the hub knows them, else only the id the store sent. */
export interface NamedPerson {
  readonly userId: string;
  readonly name: string | null;
}

/** One row of a store's lane audit, as the console reads it. */
export interface StaffAuditRow {
  readonly auditId: string;
  readonly storeId: StoreId;
  readonly at: number;
  readonly action: StaffAuditAction;
  readonly lane: number | null;
  readonly actor: NamedPerson | null;
  readonly approver: NamedPerson | null;
  readonly saleId: string | null;
  readonly sku: string | null;
  readonly amountMinor: number | null;
  readonly detail: string;
  readonly receivedAt: number;
}

/** One admin action as the console reads it. */
export interface AdminActionRow {
  readonly id: number;
  readonly at: number;
  readonly user: NamedPerson;
  readonly role: string;
  readonly storeId: string | null;
  readonly route: string;
  readonly path: string;
  readonly status: number;
  readonly address: string;
  readonly idempotencyKey: string | null;
}

/** A page of newest-first rows; `next` is the `before` of the following page, null at the end. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}
