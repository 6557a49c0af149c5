export const TAX_CLASSES = ['STANDARD', 'REDUCED', 'ZERO'] as const;
export type TaxClass = (typeof TAX_CLASSES)[number];

export interface Product {
  readonly sku: string;
  readonly gtin: string | null;
  readonly name: string;
  readonly brand: string | null;
  readonly size: string | null;
  readonly category: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly taxClass: TaxClass;
  readonly updatedAt: number;
}

export type ProductInput = Omit<Product, 'updatedAt'>;

export interface ProductQuery {
  readonly q?: string | undefined;
  readonly category?: string | undefined;
  readonly after?: string | undefined;
  readonly limit: number;
}
