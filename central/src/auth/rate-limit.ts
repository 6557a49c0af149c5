/** Moved to kernel/ so the accounts module (issue #26) limits customers' sign-ins the same way; re-exported for auth. */
export * from '../kernel/rate-limit.js';
