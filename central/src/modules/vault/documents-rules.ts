import { ConflictError } from '@storefleet/shared';

/** Largest document version accepted (bytes): a 1 GB file works; past this the upload is refused with 413. */
export const VAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
/** Trash older than this is emptied for good (issue #22: restorable for 30 days). */
export const VAULT_TRASH_DAYS = 30;
/** The job that empties trash older than `VAULT_TRASH_DAYS`, every `tuning.vaultTrashSweepMs`. */
export const VAULT_TRASH_SWEEP_JOB = 'vault.trash-sweep';

/** A name taken by a live sibling: the 409 says which node has it (a document: PUT a new version instead). */
export function nameTaken(name: string, existingId: string | null): ConflictError {
  return new ConflictError(
    `the name "${name}" is taken in this folder${existingId ? ` (by ${existingId})` : ''}: pick another name, or upload a new version of that document`,
    existingId ? { existingId } : {},
  );
}
