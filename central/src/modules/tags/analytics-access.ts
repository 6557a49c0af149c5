import type { AccessLine } from '@storefleet/shared';

/** The analytics routes' lines of the tags access matrix (lane C). */
export const analyticsAccessLines: AccessLine[] = [];
