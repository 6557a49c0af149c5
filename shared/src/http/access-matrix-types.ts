/**
 * The authorization matrix's row type, shared by the hub's table (`central/src/kernel/access-matrix.ts` plus each module's
 * `access-matrix.ts`) and the store node's (`store-node/src/access-matrix.ts`). One test per server walks its express
 * routers, fails for a route without a row (and a row without a route), and calls every route as every role:
 * - `allow`: the call gets past the gate — any answer but 401/403 (nor, on a row that hides existence, 404); and
 *   the most privileged allowed role's real call (ids of the fixture, a valid body) must succeed (2xx), unless the
 *   row's note says why it cannot;
 * - `deny`: 401 or 403; on a row with `hidesExistence`, 401 or the very answer a missing id gets (404).
 * A `WS` row is a WebSocket endpoint: allow = the upgrade succeeds (101), deny = the upgrade is answered 401/403/404.
 */
export type AccessCell = 'allow' | 'deny';

/** `WS`: a WebSocket endpoint (the HTTP upgrade), listed beside the routes so a new socket needs a row too. */
export type AccessMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'WS';

export interface AccessRow<Role extends string> {
  readonly method: AccessMethod;
  /** As express declares it (`/api/locations/:id`); every file under a static mount as `<mount>/*`. */
  readonly path: string;
  readonly cells: Readonly<Record<Role, AccessCell>>;
  /** Why a cell is what it is, where the path does not say it ("a store's own cold start: store tokens only"). */
  readonly note?: string;
  /**
   * A refused caller gets the same answer as for an id that does not exist (404), so the route does not reveal
   * what exists to those who may not see it.
   */
  readonly hidesExistence?: boolean;
  /**
   * What the most privileged allowed caller's valid call answers when that is not a 2xx (a redirect, say), written in
   * the note as "answers 302". Without it, that call must answer 2xx (101 for a `WS` row).
   */
  readonly expects?: number;
}

/** One line of a table: method, path, one cell per role in the table's column order, then an optional note. */
export type AccessLine = readonly [AccessMethod, string, string, string?];

/**
 * Builds rows from lines whose cells are written as a column-aligned string (`'deny allow allow'`, one word per
 * role in `roles` order), so a table reads like the matrix it is. A note starting with "hides existence" sets
 * `hidesExistence`; "answers NNN" in a note sets `expects`. Throws on a line with the wrong number of cells or an
 * unknown word.
 */
export function accessTable<Role extends string>(
  roles: readonly Role[],
  lines: readonly AccessLine[],
): AccessRow<Role>[] {
  return lines.map(([method, path, cellText, note]) => {
    const words = cellText.trim().split(/\s+/);
    if (words.length !== roles.length)
      throw new Error(`${method} ${path}: ${words.length} cells for ${roles.length} roles (${roles.join(', ')})`);
    const cells = {} as Record<Role, AccessCell>;
    roles.forEach((role, i) => {
      const w = words[i];
      if (w !== 'allow' && w !== 'deny')
        throw new Error(`${method} ${path}: cell ${role} is "${w}", not allow or deny`);
      cells[role] = w;
    });
    const expects = note ? /\banswers (\d{3})\b/.exec(note)?.[1] : undefined;
    return {
      method,
      path,
      cells,
      ...(note ? { note, hidesExistence: /^hides existence/i.test(note) } : {}),
      ...(expects ? { expects: Number(expects) } : {}),
    };
  });
}
