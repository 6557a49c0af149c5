import type { AccessLine } from '@storefleet/shared';

/** The bulk job routes' lines of the tags access matrix (lane B). */
export const bulkAccessLines: AccessLine[] = [];
