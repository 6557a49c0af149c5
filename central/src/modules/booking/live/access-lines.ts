import type { AccessLine } from '@storefleet/shared';

/** The live seat map's lines (lane C); `../access-matrix.ts` spreads them in. */
export const liveAccessLines: readonly AccessLine[] = [];
