import type { CatalogProduct as Product } from '@storefleet/shared';


/** Services this module asks for (declared here, provided by catalog, inventory and customers). */
export interface CatalogProducts {
  get(sku: string): Promise<Product | undefined>;
}

export interface Availability {
  atLocation(locationId: string, sku: string): Promise<number>;
  dcsCovering(lines: readonly { sku: string; qty: number }[]): Promise<{ id: string; available: number }[]>;
}

export interface CustomerDirectory {
  get(id: string): Promise<{ id: string; name: string } | undefined>;
  /** Lets the store read and edit the customer from now on (idempotent); false for an unknown customer (nothing linked). */
  linkStore(customerId: string, storeId: string, via: 'cart'): Promise<boolean>;
  isLinked(customerId: string, storeId: string): Promise<boolean>;
}
