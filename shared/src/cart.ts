import { change, Counter, init, save } from '@automerge/automerge';
import { z } from 'zod';
import { TAX_CLASSES } from './catalog.js';
import type { FieldIssue } from './errors.js';
import { findBadText } from './http/refuse-bad-text.js';
import { isUuid } from './ids.js';
import { minorUnitsSchema, skuSchema } from './validation.js';

/**
 * The shared cart: one Automerge document per customer (`cart:<customerId>`), edited by the web and app through the
 * hub's API and by store lanes and kiosks at the edge, offline too. Merge rules, chosen for a cart:
 * - Lines are keyed by sku. Quantities are counters: "+1" on the phone and "+2" at the kiosk at the same time make +3.
 * - Setting a quantity is applied as the difference from what the device saw, so two devices lowering the same line
 *   concurrently both count (a line that falls to 0 or below is gone).
 * - A line removed on one device while another adds the same sku afresh (it had no such line) stays: adds win. A
 *   quantity change to a line that another device removed concurrently is lost with the line.
 * - Prices are snapshotted when the line is first added, for display: a checkout prices the order from the catalog.
 *   The fulfilment choice is last-writer-wins.
 * - Every replica starts from one fixed first change (`CART_GENESIS`, which makes the empty `lines` map), so a device
 *   that adds a line before it has the hub's copy adds it to the same map, instead of a map of its own that would
 *   hide (or be hidden by) the other's lines when they merge.
 * What a cart may hold is `cartDocSchema`: the hub refuses a change (from a store or its own API) that would break it,
 * and `cartView` skips any line that does not parse, so a malformed line never travels on to a checkout. Bounds that
 * valid concurrent edits can pass together (a line's quantity, the number of lines) are not part of it: each device
 * refuses a local edit past them (`cartBoundsProblem`), `cartView` clamps what a merge took past them and says so
 * (`overBounds`), and a checkout from such a cart is refused until someone brings it back within them.
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
  readonly lines: {
    sku: string;
    name: string;
    qty: number;
    unitPriceMinor: number;
    currency: string;
    taxClass: string;
    totalMinor: number;
  }[];
  readonly itemCount: number;
  readonly subtotalMinor: number;
  readonly fulfilment: Fulfilment;
  /** Lines left out because they do not parse, or past the cart's `MAX_CART_LINES`; absent when there are none. */
  readonly skipped?: readonly { readonly line: string; readonly problem: string }[];
  /** Why the cart cannot be checked out as it is (merged edits took it past a bound); absent when it is within them. */
  readonly overBounds?: string;
}

/** Lines one cart may hold, and what one line may hold. A merge may pass them; a device's own edit may not. */
export const MAX_CART_LINES = 100;
export const MAX_CART_QTY = 10_000;

/**
 * Why adding `add` to line `sku` (or setting it to `setTo`) would take the cart past a bound, in words for the person
 * at the screen; undefined when it stays within them. Each device runs it before its own change (the hub's API, a
 * store's kiosk and lane), so only merges of valid edits can pass a bound.
 */
export function cartBoundsProblem(
  doc: CartDoc,
  sku: string,
  change: { add: number } | { setTo: number },
): string | undefined {
  const now = cartQty(doc, sku);
  const qty = 'add' in change ? now + change.add : change.setTo;
  if (qty > MAX_CART_QTY) return `a cart line holds at most ${MAX_CART_QTY} of a product: ${sku} would have ${qty}`;
  const lines = Object.keys(doc.lines ?? {}).filter((k) => cartQty(doc, k) > 0).length;
  if (now === 0 && qty > 0 && lines >= MAX_CART_LINES)
    return `a cart holds at most ${MAX_CART_LINES} lines: remove one before adding ${sku}`;
  return undefined;
}

/** The first change of every cart (an empty `lines` map, by a fixed actor at time 0): the same bytes on every device. */
export const CART_GENESIS: Uint8Array = save(
  change(init<CartDoc>({ actor: '00'.repeat(16) }), { time: 0 }, (d) => {
    d.lines = {};
  }),
);

const isCounter = (v: unknown): v is Counter => v instanceof Counter;

/** One line as the document must hold it (closed: no other keys). */
export const cartLineSchema = z.strictObject({
  sku: skuSchema,
  name: z.string().min(1).max(300),
  unitPriceMinor: minorUnitsSchema,
  currency: z.string().regex(/^[A-Z]{3}$/, 'a three-letter ISO 4217 code'),
  taxClass: z.enum(TAX_CLASSES),
  // Any whole number: concurrent adds may pass MAX_CART_QTY and concurrent lowering may go below 0 (cartView clamps).
  qty: z
    .custom<Counter>(isCounter, 'must be an Automerge counter')
    .refine((c) => Number.isSafeInteger(c.value), 'must be a whole number'),
  addedAt: z.number().int().min(0),
  addedBy: z.string().min(1).max(100),
});

const fulfilmentSchema = z.strictObject({
  type: z.enum(FULFILMENT_TYPES),
  storeId: z.string().refine(isUuid, 'must be a UUID').nullable(),
});

/** The whole document (closed): lines keyed by their sku (any number: see `cartView`), and the fulfilment choice. */
export const cartDocSchema = z.strictObject({
  lines: z
    .record(z.string(), z.unknown())
    .superRefine((lines, ctx) => {
      for (const key of Object.keys(lines)) {
        const line = cartLineSchema.safeParse(lines[key]);
        if (!line.success)
          for (const i of line.error.issues)
            ctx.addIssue({ code: 'custom', path: [key, ...i.path.map(String)], message: i.message });
        else if (line.data.sku !== key)
          ctx.addIssue({ code: 'custom', path: [key, 'sku'], message: `must equal the line's key ${key}` });
      }
    })
    .optional(),
  fulfilment: fulfilmentSchema.optional(),
});

/**
 * Everything wrong with a cart document (empty when it is a valid cart): text no database can keep (U+0000, lone
 * surrogates) anywhere, then the shape of `cartDocSchema`. The carts module declares this as the `cart` namespace's
 * content check, so the hub refuses a change that would make a cart fail it.
 */
export function cartDocProblems(doc: unknown): FieldIssue[] {
  const problems: FieldIssue[] = [];
  const text = findBadText(doc);
  if (text) problems.push({ path: text.path, message: text.problem });
  const parsed = cartDocSchema.safeParse(doc);
  if (!parsed.success)
    for (const i of parsed.error.issues)
      problems.push({ path: i.path.map(String).join('.') || '(root)', message: i.message });
  return problems;
}

export const cartDocId = (customerId: string) => `cart:${customerId}`;
export const DEFAULT_FULFILMENT: Fulfilment = { type: 'SHIP', storeId: null };

export const cartQty = (doc: CartDoc, sku: string): number => {
  const qty: unknown = doc.lines?.[sku]?.qty;
  return isCounter(qty) && Number.isFinite(qty.value) ? Math.max(0, qty.value) : 0;
};

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
  if (!line || (qty > 0 && line.qty.value === qty)) return false;
  if (qty <= 0) delete doc.lines![sku];
  else line.qty.increment(qty - line.qty.value);
  return true;
}

/** Chooses the fulfilment; choosing the one the cart has changes nothing. */
export function setFulfilment(doc: CartDoc, f: Fulfilment): void {
  if (doc.fulfilment?.type === f.type && doc.fulfilment.storeId === f.storeId) return;
  doc.fulfilment = { type: f.type, storeId: f.storeId };
}

/** Empties the cart (after checkout). */
export function clearCart(doc: CartDoc): void {
  for (const sku of Object.keys(doc.lines ?? {})) delete doc.lines![sku];
}

/**
 * What a cart shows and a checkout takes. A line that does not parse as `cartLineSchema` (or holds text no database
 * can keep) is left out and named in `skipped`, never handed on: carts stored before the hub checked content, or a
 * store's copy holding a change the hub refused, may have one. What merged edits took past a bound is shown within
 * it: a quantity above `MAX_CART_QTY` as `MAX_CART_QTY`, lines past `MAX_CART_LINES` (by sku) in `skipped`; either
 * sets `overBounds`, and a checkout from the cart is refused while it is set.
 */
export function cartView(doc: CartDoc): CartView {
  const skipped: { line: string; problem: string }[] = [];
  const good: CartLineDoc[] = [];
  const all: Record<string, CartLineDoc> =
    doc.lines !== null && typeof doc.lines === 'object' && !Array.isArray(doc.lines) ? doc.lines : {};
  for (const [key, raw] of Object.entries(all)) {
    const parsed = cartLineSchema.safeParse(raw);
    const text = findBadText(raw);
    if (parsed.success && !text && parsed.data.sku === key) good.push(raw);
    else {
      const i = parsed.success ? undefined : parsed.error.issues[0];
      const problem = text
        ? `${text.path} ${text.problem}`
        : i
          ? `${i.path.join('.') || '(line)'}: ${i.message}`
          : `sku is not its key`;
      skipped.push({ line: `lines.${key}`, problem });
    }
  }
  const over: string[] = [];
  const present = good
    .map((l) => ({
      sku: l.sku,
      name: l.name,
      qty: Math.max(0, l.qty.value),
      unitPriceMinor: l.unitPriceMinor,
      currency: l.currency,
      taxClass: l.taxClass,
    }))
    .filter((l) => l.qty > 0)
    .sort((a, b) => a.sku.localeCompare(b.sku));
  for (const l of present) {
    if (l.qty <= MAX_CART_QTY) continue;
    over.push(`${l.sku} has ${l.qty}, more than a line holds (${MAX_CART_QTY})`);
    l.qty = MAX_CART_QTY;
  }
  const lines = present.slice(0, MAX_CART_LINES).map((l) => ({ ...l, totalMinor: l.qty * l.unitPriceMinor }));
  for (const l of present.slice(MAX_CART_LINES))
    skipped.push({ line: `lines.${l.sku}`, problem: `past the ${MAX_CART_LINES} lines a cart holds` });
  if (present.length > lines.length)
    over.push(`it has ${present.length} lines, more than a cart holds (${MAX_CART_LINES})`);
  return {
    lines,
    itemCount: lines.reduce((n, l) => n + l.qty, 0),
    subtotalMinor: lines.reduce((n, l) => n + l.totalMinor, 0),
    fulfilment: fulfilmentSchema.safeParse(doc.fulfilment).data ?? DEFAULT_FULFILMENT,
    ...(skipped.length ? { skipped } : {}),
    ...(over.length
      ? {
          overBounds: `edits made on several devices at once took this cart past its bounds: ${over.join('; ')}; change it before checking out`,
        }
      : {}),
  };
}
