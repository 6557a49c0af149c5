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
    for (const dev of devices) {
      for (let i = 0; i < EDITS; i++) {
        const sku = `SKU-${Math.floor(random() * SKUS)}`;
        const r = random();
        dev.replica.change((d) => {
          if (r < 0.6 || !d.lines?.[sku])
            addToCart(d, product(Number(sku.slice(4))), 1 + Math.floor(random() * 3), dev.name, i);
          else if (r < 0.9) setCartQty(d, sku, 1 + Math.floor(random() * 5));
          else setCartQty(d, sku, 0);
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
    return [
      { bench: 'cart-merge', metric: 'converge_ms', value: round(ms, 1), unit: 'ms', n: DEVICES.length * EDITS },
      { bench: 'cart-merge', metric: 'sync_bytes', value: bytes, unit: 'B', n: messages },
    ];
  },
};

function product(i: number) {
  return { sku: `SKU-${i}`, name: `Product ${i}`, unitPriceMinor: 100 + i, currency: 'USD', taxClass: 'STANDARD' };
}
