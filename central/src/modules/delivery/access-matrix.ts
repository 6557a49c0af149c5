import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';
import { trackingAccessLines } from './tracking/access-lines.js';

/** Who may call the delivery routes; see `central/src/kernel/access-matrix.ts` for the roles. */
export const accessMatrix: HubAccessRow[] = hubAccessTable([...trackingAccessLines]);
