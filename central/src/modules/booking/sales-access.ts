import type { AccessLine } from '@storefleet/shared';

/**
 * The sales lines of the booking module's authorization matrix (lane B: confirm, cancel, tickets, waitlists, the
 * ticket key, admissions); `access-matrix.ts` spreads them in. Columns: anon admin mgrA asocA tokA tokB asocB.
 */
export const salesAccessLines: readonly AccessLine[] = [];
