import type { CatalogProduct } from '@storefleet/shared';

export { TAX_CLASSES, type TaxClass } from '@storefleet/shared';
export type Product = CatalogProduct;

export type ProductInput = Omit<Product, 'updatedAt' | 'version'>;

export interface ProductQuery {
  readonly q?: string | undefined;
  readonly category?: string | undefined;
  readonly after?: string | undefined;
  readonly limit: number;
}
