import { AppError, isValidGtin, toGtin14 } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** A product of this store's catalog, as a scanned or typed code names it. */
export interface CodedProduct {
  readonly sku: string;
  readonly name: string;
}

/**
 * Turns what an associate scanned or typed into a sku of this store's catalog, the way the till does: a sku first,
 * then a valid GTIN-8/12/13/14 by the catalog's GTIN. Stock is only ever counted, received or moved for a product the
 * catalog holds — any other text would become a phantom "sku" with stock here and at the hub.
 */
export class ProductCodes {
  readonly #bySku;
  readonly #byGtin;
  readonly #products;

  constructor(db: SqliteDb) {
    this.#bySku = db.prepare('SELECT sku, name FROM catalog_products WHERE sku = ?');
    this.#byGtin = db.prepare('SELECT sku, name FROM catalog_products WHERE gtin = ? ORDER BY sku LIMIT 1');
    this.#products = db.prepare('SELECT EXISTS (SELECT 1 FROM catalog_products)').pluck();
  }

  find(code: string): CodedProduct | undefined {
    return (this.#bySku.get(code) ?? (isValidGtin(code) ? this.#byGtin.get(toGtin14(code)) : undefined)) as
      | CodedProduct
      | undefined;
  }

  /**
   * The product `code` names, or a problem naming the code: 404 where the code is the resource (`GET /stock/{code}`),
   * 422 where it is a field of what was sent (a count, a receipt). The problem carries `code`.
   */
  get(code: string, refuseAs: 'not-found' | 'unprocessable'): CodedProduct {
    const found = this.find(code);
    if (found) return found;
    throw new AppError(refuseAs, `no product with code ${code} in this store's catalog${this.#why(code)}`, { code });
  }

  #why(code: string): string {
    if (/^(\d{8}|\d{12,14})$/.test(code) && !isValidGtin(code))
      return ' (as a barcode its check digit is wrong: scan it again)';
    if (!this.#products.get()) return ' (the catalog has not arrived from the hub yet)';
    return '';
  }
}
