export { staffRoutes } from './routes.js';
export { PinChecks, PIN_CHECKS_AT_ONCE, PIN_CHECKS_WAITING, type VerifyPin } from './pin-checks.js';
export {
  APPROVAL_MS,
  LANE_LOCK_MS,
  PAUSE_MS,
  STAFF_COOKIE,
  STAFF_IDLE_MS,
  StaffDesk,
  StaffSignInNeeded,
  WRONG_PIN_WINDOW_MS,
  WRONG_PINS_BEFORE_LOCK,
  WRONG_PINS_PER_CALLER,
  WRONG_PINS_PER_STORE,
} from './staff-service.js';
export { type RosterMember, registerStaffFeed, StoreStaffRoster, staffSink } from './staff-roster.js';
export * from './staff-gate.js';

export const staffMigrations = new URL('./schema/', import.meta.url);
