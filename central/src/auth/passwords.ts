/** Moved to kernel/ so the accounts module (issue #26) hashes customers' passwords the same way; re-exported for auth. */
export * from '../kernel/passwords.js';
