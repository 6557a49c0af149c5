/** A catalog product as the hub serves it and stores receive it (API, bootstrap pages, feed). */
export const TAX_CLASSES = ['STANDARD', 'REDUCED', 'ZERO'] as const;
export type TaxClass = (typeof TAX_CLASSES)[number];

export interface CatalogProduct {
  readonly sku: string;
  /** GTIN-14, zero-padded; what barcodes scan to. */
  readonly gtin: string | null;
  readonly name: string;
  readonly brand: string | null;
  readonly size: string | null;
  readonly category: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly taxClass: TaxClass;
  /**
   * Head office features it on the kiosk home page: 1 first, within its category (1–1000). Null or absent: not
   * featured. Optional so rows from a hub before featuring read as not featured.
   */
  readonly featuredRank?: number | null;
  readonly updatedAt: number;
  /** The catalog version of this product's latest change (rises with every change; stores pull changes after theirs). */
  readonly version: number;
}

/** Tax per class in parts per million until per-market rate tables exist: STANDARD 8.875 % (New York City), the rest 0. */
export const DEFAULT_TAX_RATES_PPM: Readonly<Record<string, number>> = { STANDARD: 88_750, REDUCED: 0, ZERO: 0 };
