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
  if (row.method === 'WS') {
    // A socket is open or it is not: allow is the upgrade itself (101), deny an HTTP refusal of the upgrade.
    if (cell === 'allow') return status === 101 ? undefined : `${where}; the table says allow (101)`;
    return status === 401 || status === 403 || status === 404
      ? undefined
      : `${where}; the table says deny (the upgrade answered 401/403/404)`;
  }
  const refused = status === 401 || status === 403;
  const hidden = !!row.hidesExistence && status === 404;
  if (cell === 'allow') return refused || hidden ? `${where}; the table says allow` : undefined;
  if (row.hidesExistence) {
    // Refused exactly as if the id did not exist: 401 to a stranger, else the answer a missing id gets — 404, or a 403
    // the caller gets for any id alike (refused for who they are, before the node is looked up: nothing is told).
    if (status === 401 || (status === 404 && (missing === undefined || missing === 404))) return undefined;
    if (status === 403 && missing === 403) return undefined;
    return `${where}; the table says deny, hiding existence (401, or the 404 or 403 a missing id gets)`;
  }
  return refused ? undefined : `${where}; the table says deny (401/403)`;
}

/**
 * Reads the answer of a row's most privileged allowed caller, who makes a valid call on the fixture: it must succeed
 * (2xx; 101 for a socket), or answer what the row's note documents (`expects`). So an allow cell cannot pass on a
 * 400 for a body the route never read, or a 404 for an id that does not exist.
 */
export function successMismatch(row: AccessRow<string>, role: string, status: number, detail = ''): string | undefined {
  const ok =
    row.expects !== undefined
      ? status === row.expects
      : row.method === 'WS'
        ? status === 101
        : status >= 200 && status < 300;
  if (ok) return undefined;
  const want = row.expects ?? (row.method === 'WS' ? 101 : '2xx');
  return `${role.padEnd(10)} ${row.method} ${row.path} → ${status}; the most privileged allowed caller’s valid call must answer ${want}${detail ? `: ${detail}` : ''}`;
}
