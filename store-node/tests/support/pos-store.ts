// A store node for the till's restart trials, run as its own process so a test can SIGKILL it mid-basket or
// mid-tender. Its card terminal is the test's, reached over HTTP (TERMINAL_URL): the terminal is an external party and
// outlives the node, as a real one does. Prints `URL <url>` then `READY`.
import { createStoreNode } from '../../src/index.js';
import type {
  Authorisation,
  PaymentTerminal,
  RefundOutcome,
  TerminalRecord,
  VoidOutcome,
} from '../../src/pos/payment-terminal.js';

const terminalUrl = process.env.TERMINAL_URL!;
const post = async <T>(path: string, body: unknown): Promise<T> => {
  const res = await fetch(terminalUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`the terminal answered ${res.status}`);
  return (await res.json()) as T;
};

const terminal: PaymentTerminal = {
  authorise: (amountMinor, currency, saleId) => post<Authorisation>('/authorise', { amountMinor, currency, saleId }),
  lookup: (saleId) => post<TerminalRecord>('/lookup', { saleId }),
  void: (reference, saleId) => post<VoidOutcome>('/void', { reference, saleId }),
  refund: (reference, amountMinor, currency, refundId) =>
    post<RefundOutcome>('/refund', { reference, amountMinor, currency, refundId }),
};

const node = createStoreNode({
  dbPath: process.env.STORE_DB,
  port: Number(process.env.STORE_PORT ?? 0),
  logLevel: 'silent',
  name: 'Restart Store',
  paymentTerminal: terminal,
});
const hasCatalog = node.db.prepare('SELECT count(*) AS n FROM catalog_products').get() as { n: number };
if (!hasCatalog.n) {
  const put = node.db.prepare(
    `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
     VALUES (?, ?, ?, NULL, NULL, 'Test', ?, 'USD', ?, 1)`,
  );
  put.run('HEADPHONES', '04006381333931', 'Wireless headphones', 1000, 'STANDARD');
  put.run('CEREAL', null, 'Oat cereal 500 g', 349, 'REDUCED');
  put.run('MUG', null, 'Red enamel mug', 799, 'STANDARD');
}
const url = await node.start();
process.stdout.write(`URL ${url}\nREADY\n`);
