import type { StoreId } from '@storefleet/shared';

export type LocationKind = 'STORE' | 'DC';

export interface Location {
  readonly id: StoreId;
  readonly code: string;
  readonly name: string;
  readonly kind: LocationKind;
  readonly lat: number;
  readonly lon: number;
  readonly timezone: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewLocation {
  readonly code: string;
  readonly name: string;
  readonly kind: LocationKind;
  readonly lat: number;
  readonly lon: number;
  readonly timezone?: string | undefined;
}

/** A store node's credential, shown once at registration or rotation; the hub keeps only its hash. */
export interface StoreCredential {
  readonly storeId: StoreId;
  readonly secret: string;
}
