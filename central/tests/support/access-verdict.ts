import type { AccessCell, AccessRow } from '@storefleet/shared';

/**
 * Reads one call's answer against its cell of the authorization matrix. `missing` is the status the same caller
 * gets for an id that does not exist (asked only on rows that hide existence). Returns a line describing the
 * mismatch, or undefined when the answer is what the table says.
 */
export function accessMismatch(
  row: AccessRow<string>,
  role: string,
  status: number,
  missing?: number,
): string | undefined {
  const cell: AccessCell | undefined = row.cells[role];
  const where = `${role.padEnd(10)} ${row.method} ${row.path} → ${status}${missing !== undefined ? ` (a missing id: ${missing})` : ''}`;
  const refused = status === 401 || status === 403;
  const hidden = !!row.hidesExistence && status === 404;
  if (cell === 'allow') return refused || hidden ? `${where}; the table says allow` : undefined;
  if (row.hidesExistence) {
    // Refused exactly as if the id did not exist: 401 to a stranger, else the answer a missing id gets.
    if (status === 401 || (status === 404 && (missing === undefined || missing === 404))) return undefined;
    return `${where}; the table says deny, hiding existence (401, or 404 as for a missing id)`;
  }
  return refused ? undefined : `${where}; the table says deny (401/403)`;
}
