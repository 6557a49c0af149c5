import type { StoreId } from '@storefleet/shared';
import { definePort } from '../ports.js';
import type { Role } from '../principal.js';

/** A console account as the staff module sees it (the hub core keeps the accounts: auth/). */
export interface StaffPerson {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly role: Role;
  readonly storeId: StoreId | null;
  readonly disabled: boolean;
}

/** The hub core's console accounts, read-only, for the staff module's rosters (issue #27). */
export interface StaffDirectory {
  person(userId: string): Promise<StaffPerson | undefined>;
  /** Everyone whose account belongs to the store (ASSOCIATEs and STORE_MANAGERs), disabled ones included. */
  peopleOfStore(storeId: StoreId): Promise<readonly StaffPerson[]>;
}
export const STAFF_DIRECTORY = definePort<StaffDirectory>(
  'hub.staff-directory',
  'the console accounts of a store’s people (provided by the hub core)',
);

/** Told by the hub core when a console account was created or changed (disabled, new role or store). */
export interface StaffRosterHooks {
  personChanged(userId: string): Promise<void>;
}
export const STAFF_ROSTER_HOOKS = definePort<StaffRosterHooks>(
  'staff.roster-hooks',
  'a console account changed: its store’s roster is sent again',
);

/** One write a signed-in person made through the hub's API (the console's audit of admin actions). */
export interface AdminAction {
  readonly at: number;
  readonly userId: string;
  readonly role: Role;
  readonly storeId: StoreId | null;
  /** `POST /api/users/:id` — the route's pattern, never the query string or body. */
  readonly route: string;
  /** The path as called (ids in it), at most 500 characters. */
  readonly path: string;
  readonly status: number;
  readonly address: string;
  readonly idempotencyKey: string | null;
}
export interface AdminAudit {
  /** Records one write; never throws to the caller (a failure is logged and counted). */
  record(action: AdminAction): Promise<void>;
}
export const ADMIN_AUDIT = definePort<AdminAudit>('staff.admin-audit', 'records writes made by signed-in people');
