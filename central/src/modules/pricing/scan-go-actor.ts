import type { UserId } from '@storefleet/shared';

/** Who changes the customer's cart for Scan & Go (the app backend acts for the customer; the hub writes for it). */
export const SCAN_GO_ACTOR = {
  kind: 'user',
  userId: '00000000-0000-7000-8000-000000000000' as UserId,
  role: 'ADMIN',
  storeId: null,
} as const;
