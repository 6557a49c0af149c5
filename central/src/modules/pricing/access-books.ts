import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

/** Who may call routes-books.ts (see central/src/kernel/access-matrix.ts for the roles). CONTRACT STUB. */
export const booksAccess: HubAccessRow[] = hubAccessTable([]);
