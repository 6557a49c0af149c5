import { z } from 'zod';

/**
 * Staff at the store (issue #27) on the wire.
 *
 * Hub → store: `staff.roster`, the store's whole roster each time it changes (a person added, disabled, given a new
 * PIN or role): the people whose console account belongs to that store, each with their PIN's hash (never the PIN;
 * shared/src/staff-pin.ts) or null when they have none. A store keeps the roster with the highest `version` and ignores
 * an older one (entries may come twice or late). Head-office ADMINs are on no store's roster.
 *
 * Store → hub: `staff.audit`, one per thing a person did at a lane that someone may later ask about: signing in and
 * out, a failed PIN, a lane locked after failed PINs, and each action that needed a manager's PIN (a void, a refund
 * over the store's limit, a price override, a no-sale drawer open) with who did it and who approved it. `auditId` is
 * the store's own id for the row, so a redelivered event records nothing twice.
 */
const epochMs = z.number().int().min(0).max(8_640_000_000_000);
const userId = z.string().uuid();

export const STAFF_ROLES = ['ASSOCIATE', 'STORE_MANAGER'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const staffMemberSchema = z.strictObject({
  userId,
  name: z.string().min(1).max(200),
  role: z.enum(STAFF_ROLES),
  /** `pin-scrypt$…` (shared/src/staff-pin.ts) or null: no PIN set, so no sign-in at a lane. */
  pinHash: z
    .string()
    .max(300)
    .regex(/^pin-scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/)
    .nullable(),
  disabled: z.boolean(),
});
export type StaffMember = z.infer<typeof staffMemberSchema>;

/** Most people on one store's roster. */
export const STAFF_ROSTER_MAX = 2000;

export const staffRosterSchema = z.strictObject({
  /** Grows with every change to this store's roster (a store keeps the highest it has seen). */
  version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  members: z.array(staffMemberSchema).max(STAFF_ROSTER_MAX),
});
export type StaffRoster = z.infer<typeof staffRosterSchema>;

export const STAFF_AUDIT_ACTIONS = [
  'SIGN_IN',
  'SIGN_OUT',
  'SIGN_IN_FAILED',
  'LANE_LOCKED',
  'VOID',
  'REFUND_OVER_LIMIT',
  'PRICE_OVERRIDE',
  'NO_SALE',
] as const;
export type StaffAuditAction = (typeof STAFF_AUDIT_ACTIONS)[number];
/** The actions that need a manager's PIN at the lane. */
export const MANAGER_ACTIONS = ['VOID', 'REFUND_OVER_LIMIT', 'PRICE_OVERRIDE', 'NO_SALE'] as const;
export type ManagerAction = (typeof MANAGER_ACTIONS)[number];

export const staffAuditSchema = z.strictObject({
  auditId: z.string().uuid(),
  at: epochMs,
  action: z.enum(STAFF_AUDIT_ACTIONS),
  /** The lane (1–99), or null for the back office. */
  lane: z.number().int().min(1).max(99).nullable(),
  /** Who was signed in at the lane (null: nobody, e.g. a failed PIN). */
  actorUserId: userId.nullable(),
  /** The manager whose PIN approved it (manager actions only). */
  approverUserId: userId.nullable(),
  saleId: z.string().min(1).max(100).nullable(),
  sku: z.string().min(1).max(64).nullable(),
  /** Money involved, in minor units (a void's or refund's total, an override's new unit price). */
  amountMinor: z.number().int().min(-1_000_000_000_000).max(1_000_000_000_000).nullable(),
  /** Words for the console (a reason given at the lane), never a PIN. */
  detail: z.string().max(500),
});
export type StaffAuditEntry = z.infer<typeof staffAuditSchema>;

export const staffFeedSchemas = { 'staff.roster': staffRosterSchema } as const;
export const staffEventSchemas = { 'staff.audit': staffAuditSchema } as const;
