import { z } from 'zod';

/**
 * Numbers people read and type for the till's sales and returns: `S001-03-00123` is sale 123 of lane 3 at store S001,
 * `S001-03-R00007` return slip 7 of that lane. The store code is the hub's (locations.code, letters, digits and
 * dashes), upper-cased; the lane 01–99; the sequence at least five digits, gap-free per lane on the store node. The
 * sale's UUID stays its key; the number is what the receipt, the barcode and the people at the lane use.
 */
export const SALE_NUMBER = /^[A-Z0-9][A-Z0-9-]{0,31}-\d{2}-\d{5,9}$/;
export const RETURN_NUMBER = /^[A-Z0-9][A-Z0-9-]{0,31}-\d{2}-R\d{5,9}$/;

export const saleNumberSchema = z.string().regex(SALE_NUMBER, 'a sale number such as S001-03-00123');
export const returnNumberSchema = z.string().regex(RETURN_NUMBER, 'a return number such as S001-03-R00007');

/** The lanes a store node may number (two digits on the receipt). */
export const MAX_LANE = 99;

/** The store code as numbers carry it (upper-case; anything but letters, digits and dashes dropped), or `fallback`. */
export function numberPrefix(storeCode: string | null | undefined, fallback = 'S000'): string {
  const code = (storeCode ?? '')
    .toUpperCase()
    .replace(/[^A-Z0-9-]/g, '')
    .replace(/^-+/, '')
    .slice(0, 32);
  return code || fallback;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function formatSaleNumber(storeCode: string, lane: number, seq: number): string {
  return `${numberPrefix(storeCode)}-${pad(lane, 2)}-${pad(seq, 5)}`;
}

export function formatReturnNumber(storeCode: string, lane: number, seq: number): string {
  return `${numberPrefix(storeCode)}-${pad(lane, 2)}-R${pad(seq, 5)}`;
}

/** A typed or scanned sale number, normalised (trimmed, upper-cased), or null if it is not one. */
export function asSaleNumber(text: string): string | null {
  const t = text.trim().toUpperCase();
  return SALE_NUMBER.test(t) ? t : null;
}
