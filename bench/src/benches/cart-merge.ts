import { addToCart, cartView, setCartQty, type CartDoc } from '@storefleet/shared';
import { DocReplica } from '@storefleet/sync';
import { round, type Benchmark } from '../figure.js';

const DEVICES = ['phone', 'kiosk', 'lane'] as const;
const EDITS = 200;
const SKUS = 40;

/**
 * A cart edited concurrently on three devices (200 edits each: adds, quantity changes, removals), then synced over
 * Automerge's sync protocol the way the hub relays it (each device with the hub): time and bytes until all agree.
 */
export const cartMergeBench: Benchmark = {
  name: 'cart-merge',
  description: `a cart edited on ${DEVICES.length} devices at once (${EDITS} edits each), then synced through the hub`,
  async run() {
    const hub = DocReplica.fromChunks<CartDoc>('cart:bench', []);
    hub.change((d) => addToCart(d, product(0), 1, 'web', 0));
    const devices = DEVICES.map((name) => ({
      name,
      replica: DocReplica.fromChunks<CartDoc>('cart:bench', [hub.snapshot()]),
    }));
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    // Each device's edits, recorded as they are made, so the anchor replays exactly the same ones.
    const edits = new Map<string, Edit[]>(DEVICES.map((name) => [name, []]));
    for (const dev of devices) {
      for (let i = 0; i < EDITS; i++) {
        const sku = `SKU-${Math.floor(random() * SKUS)}`;
        const r = random();
        dev.replica.change((d) => {
          let edit: Edit;
          if (r < 0.6 || !d.lines?.[sku]) edit = { kind: 'add', sku, qty: 1 + Math.floor(random() * 3), at: i };
          else edit = { kind: 'set', sku, qty: r < 0.9 ? 1 + Math.floor(random() * 5) : 0, at: i };
          if (edit.kind === 'add') addToCart(d, product(Number(sku.slice(4))), edit.qty, dev.name, i);
          else setCartQty(d, sku, edit.qty);
          edits.get(dev.name)!.push(edit);
        });
      }
    }
    let bytes = 0;
    let messages = 0;
    const t0 = performance.now();
    for (let round = 0; round < 50; round++) {
      let moved = false;
      for (const dev of devices) {
        for (const [from, to, fromName, toName] of [
          [dev.replica, hub, dev.name, 'hub'],
          [hub, dev.replica, 'hub', dev.name],
        ] as const) {
          const m = from.generate(toName);
          if (!m) continue;
          bytes += m.byteLength;
          messages++;
          to.receive(fromName, m);
          moved = true;
        }
      }
      if (!moved) break;
    }
    const ms = performance.now() - t0;
    const views = [hub, ...devices.map((d) => d.replica)].map((r) => JSON.stringify(cartView(r.doc)));
    if (new Set(views).size !== 1) throw new Error('the devices did not converge');
    console.error(
      `  converged in ${ms.toFixed(1)} ms, ${messages} messages, ${bytes} bytes; ${cartView(hub.doc).lines.length} lines`,
    );
    const merged = new Map(cartView(hub.doc).lines.map((l) => [l.sku, l.qty]));
    const lww = lastWriterWins(edits);
    const lost = [...new Set([...merged.keys(), ...lww.kept.keys()])].reduce(
      (n, sku) => n + Math.abs((merged.get(sku) ?? 0) - (lww.kept.get(sku) ?? 0)),
      0,
    );
    console.error(
      `  anchor, last writer wins on whole JSON carts: agreed in ${lww.ms.toFixed(2)} ms, ${lww.messages} messages, ${lww.bytes} bytes; ${lww.kept.size} lines, ${lost} units differing from the merge`,
    );
    const n = DEVICES.length * EDITS;
    return [
      {
        bench: 'cart-merge',
        metric: 'converge_ms',
        value: round(ms, 1),
        unit: 'ms',
        n,
        anchor: LWW,
        anchor_value: round(lww.ms, 2),
        ratio: Number((lww.ms / ms).toPrecision(2)), // thousands of times faster: two significant digits
      },
      {
        bench: 'cart-merge',
        metric: 'sync_bytes',
        value: bytes,
        unit: 'B',
        n: messages,
        anchor: LWW,
        anchor_value: lww.bytes,
        ratio: round(lww.bytes / bytes, 2),
      },
      // What the anchor's speed costs: cart units (over all lines) in which its cart differs from the merged one.
      { bench: 'cart-merge', metric: 'lww_units_differing_from_merge', value: lost, unit: 'units', n },
    ];
  },
};

const LWW = 'last-writer-wins-json-documents';

/** One cart edit as a device made it: add `qty` of a sku, or set its quantity (0 removes the line). */
type Edit = { readonly kind: 'add' | 'set'; readonly sku: string; readonly qty: number; readonly at: number };

interface PlainCart {
  lines: Record<string, ReturnType<typeof product> & { qty: number; addedAt: number; addedBy: string }>;
  /** The last edit's time and device: the newer cart wins whole. */
  at: number;
  by: string;
}

/**
 * The anchor: the same edits applied to a plain JSON cart on each device, synced the simple way through the hub —
 * a device sends its whole cart, the hub keeps the newer one (by last edit, then device name) and sends it back to
 * every device holding another. Time and bytes until all agree, and what they agree on.
 */
function lastWriterWins(edits: ReadonlyMap<string, readonly Edit[]>) {
  const start: PlainCart = {
    lines: { 'SKU-0': { ...product(0), qty: 1, addedAt: 0, addedBy: 'web' } },
    at: -1,
    by: 'web',
  };
  const devices = [...edits].map(([name, list]) => {
    const cart: PlainCart = structuredClone(start);
    for (const e of list) {
      const line = cart.lines[e.sku];
      if (e.kind === 'add') {
        if (line && line.qty > 0) line.qty += e.qty;
        else cart.lines[e.sku] = { ...product(Number(e.sku.slice(4))), qty: e.qty, addedAt: e.at, addedBy: name };
      } else if (line && !(e.qty > 0 && line.qty === e.qty)) {
        if (e.qty <= 0) delete cart.lines[e.sku];
        else line.qty = e.qty;
      }
      cart.at = e.at;
      cart.by = name;
    }
    return { name, text: JSON.stringify(cart) };
  });
  let hub = JSON.stringify(start);
  let bytes = 0;
  let messages = 0;
  const t0 = performance.now();
  for (let round = 0; round < 50; round++) {
    let moved = false;
    for (const dev of devices) {
      if (dev.text === hub) continue;
      bytes += Buffer.byteLength(dev.text);
      messages++;
      const theirs = JSON.parse(dev.text) as PlainCart;
      const ours = JSON.parse(hub) as PlainCart;
      if (theirs.at > ours.at || (theirs.at === ours.at && theirs.by > ours.by)) hub = dev.text;
      else {
        bytes += Buffer.byteLength(hub);
        messages++;
        dev.text = hub;
      }
      moved = true;
    }
    if (!moved) break;
  }
  const ms = performance.now() - t0;
  if (devices.some((d) => d.text !== hub)) throw new Error('the last-writer-wins carts did not agree');
  const final = JSON.parse(hub) as PlainCart;
  return { ms, bytes, messages, kept: new Map(Object.values(final.lines).map((l) => [l.sku, l.qty])) };
}

function product(i: number) {
  return { sku: `SKU-${i}`, name: `Product ${i}`, unitPriceMinor: 100 + i, currency: 'USD', taxClass: 'STANDARD' };
}
