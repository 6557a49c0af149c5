import type { StoreNode } from '../../src/index.js';

/** Records `n` sales of `qty` each as `test.sale` events (the hub's test ledger counts them), in one transaction. */
export function sellTestSales(node: StoreNode, n: number, qty: number): void {
  node.sync.write((emit) => {
    for (let i = 0; i < n; i++) emit('test.sale', { qty });
  });
}
