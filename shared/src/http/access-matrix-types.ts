/**
 * The authorization matrix's row type, shared by the hub's table (`central/src/access-matrix.ts` plus each module's
 * `access-matrix.ts`) and the store node's (`store-node/src/access-matrix.ts`). One test per server walks its express
 * routers, fails for a route without a row (and a row without a route), and calls every route as every role:
 * - `allow`: the call gets past the gate — any answer but 401/403 (nor, on a row that hides existence, 404);
 * - `deny`: 401 or 403; on a row with `hidesExistence`, 401 or the very answer a missing id gets (404).
 */
export type AccessCell = 'allow' | 'deny';

export type AccessMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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
}

/** One line of a table: method, path, one cell per role in the table's column order, then an optional note. */
export type AccessLine = readonly [AccessMethod, string, string, string?];

/**
 * Builds rows from lines whose cells are written as a column-aligned string (`'deny allow allow'`, one word per
 * role in `roles` order), so a table reads like the matrix it is. A note starting with "hides existence" sets
 * `hidesExistence`. Throws on a line with the wrong number of cells or an unknown word.
 */
export function accessTable<Role extends string>(roles: readonly Role[], lines: readonly AccessLine[]): AccessRow<Role>[] {
  return lines.map(([method, path, cellText, note]) => {
    const words = cellText.trim().split(/\s+/);
    if (words.length !== roles.length) throw new Error(`${method} ${path}: ${words.length} cells for ${roles.length} roles (${roles.join(', ')})`);
    const cells = {} as Record<Role, AccessCell>;
    roles.forEach((role, i) => {
      const w = words[i];
      if (w !== 'allow' && w !== 'deny') throw new Error(`${method} ${path}: cell ${role} is "${w}", not allow or deny`);
      cells[role] = w;
    });
    return { method, path, cells, ...(note ? { note, hidesExistence: /^hides existence/i.test(note) } : {}) };
  });
}
