import { Counter } from '@automerge/automerge';

/**
 * The shared cart: one Automerge document per customer (`cart:<customerId>`), edited by the web and app through the
 * hub's API and by store lanes and kiosks at the edge, offline too. Merge rules, chosen for a cart:
 * - Lines are keyed by sku. Quantities are counters: "+1" on the phone and "+2" at the kiosk at the same time make +3.
 * - Setting a quantity is applied as the difference from what the device saw, so two devices lowering the same line
 *   concurrently both count (a line that falls to 0 or below is gone).
 * - A line removed on one device while another adds the same sku afresh (it had no such line) stays: adds win. A
 *   quantity change to a line that another device removed concurrently is lost with the line.
 * - Prices are snapshotted when the line is first added; the fulfilment choice is last-writer-wins.
 */
export const FULFILMENT_TYPES = ['SHIP', 'PICKUP', 'CURBSIDE', 'DELIVERY'] as const;
export type FulfilmentType = (typeof FULFILMENT_TYPES)[number];

export interface Fulfilment {
  readonly type: FulfilmentType;
  /** The store for PICKUP, CURBSIDE and DELIVERY; null for SHIP (a distribution centre is chosen at checkout). */
  readonly storeId: string | null;
}

export interface CartLineDoc {
  sku: string;
  name: string;
  unitPriceMinor: number;
  currency: string;
  taxClass: string;
  qty: Counter;
  addedAt: number;
  addedBy: string;
}

export interface CartDoc {
  lines?: Record<string, CartLineDoc>;
  fulfilment?: Fulfilment;
}

export interface ProductSnapshot {
  readonly sku: string;
  readonly name: string;
  readonly unitPriceMinor: number;
  readonly currency: string;
  readonly taxClass: string;
}

export interface CartView {
  readonly lines: { sku: string; name: string; qty: number; unitPriceMinor: number; currency: string; taxClass: string; totalMinor: number }[];
  readonly itemCount: number;
  readonly subtotalMinor: number;
  readonly fulfilment: Fulfilment;
}

export const cartDocId = (customerId: string) => `cart:${customerId}`;
export const DEFAULT_FULFILMENT: Fulfilment = { type: 'SHIP', storeId: null };

export const cartQty = (doc: CartDoc, sku: string): number => Math.max(0, doc.lines?.[sku]?.qty.value ?? 0);

/** Adds `qty` of a product (inside an Automerge change callback). */
export function addToCart(doc: CartDoc, product: ProductSnapshot, qty: number, by: string, at: number): void {
  doc.lines ??= {};
  const line = doc.lines[product.sku];
  if (line && line.qty.value > 0) line.qty.increment(qty);
  else doc.lines[product.sku] = { ...product, qty: new Counter(qty), addedAt: at, addedBy: by };
}

/** Sets a line's quantity (0 removes it) as a difference from what this device holds. */
export function setCartQty(doc: CartDoc, sku: string, qty: number): boolean {
  const line = doc.lines?.[sku];
  if (!line) return false;
  if (qty <= 0) delete doc.lines![sku];
  else line.qty.increment(qty - line.qty.value);
  return true;
}

export function setFulfilment(doc: CartDoc, f: Fulfilment): void {
  doc.fulfilment = { type: f.type, storeId: f.storeId };
}

/** Empties the cart (after checkout). */
export function clearCart(doc: CartDoc): void {
  for (const sku of Object.keys(doc.lines ?? {})) delete doc.lines![sku];
}

export function cartView(doc: CartDoc): CartView {
  const lines = Object.values(doc.lines ?? {})
    .map((l) => ({ sku: l.sku, name: l.name, qty: Math.max(0, l.qty.value), unitPriceMinor: l.unitPriceMinor, currency: l.currency, taxClass: l.taxClass }))
    .filter((l) => l.qty > 0)
    .sort((a, b) => a.sku.localeCompare(b.sku))
    .map((l) => ({ ...l, totalMinor: l.qty * l.unitPriceMinor }));
  return {
    lines,
    itemCount: lines.reduce((n, l) => n + l.qty, 0),
    subtotalMinor: lines.reduce((n, l) => n + l.totalMinor, 0),
    fulfilment: doc.fulfilment ? { type: doc.fulfilment.type, storeId: doc.fulfilment.storeId } : DEFAULT_FULFILMENT,
  };
}
