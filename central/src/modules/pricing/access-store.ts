import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

/** Who may call routes-store.ts (see central/src/kernel/access-matrix.ts for the roles). CONTRACT STUB. */
export const storeAccess: HubAccessRow[] = hubAccessTable([]);
