import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventPayloadSchemas, type SchemaEventType } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import type { StoreNodeConfig } from '../../src/config.js';
import type { RefundOutcome, VoidOutcome } from '../../src/pos/payment-terminal.js';
import { SimulatedTerminal } from '../../src/pos/payment-terminal.js';

/** The card terminal (an external party): the simulator, with a switch per call for a terminal that stops answering. */
export class FlakyTerminal extends SimulatedTerminal {
  voidsFail = false;
  refundsFail = false;

  override async void(reference: string, saleId: string): Promise<VoidOutcome> {
    if (this.voidsFail) throw new Error('the terminal is offline');
    return super.void(reference, saleId);
  }

  override async refund(
    reference: string,
    amountMinor: number,
    currency: string,
    refundId: string,
  ): Promise<RefundOutcome> {
    if (this.refundsFail) throw new Error('the terminal is offline');
    return super.refund(reference, amountMinor, currency, refundId);
  }
}

export interface Answer {
  status: number;
  body: any;
}

/**
 * A stand-alone store node on a temp file with a flaky simulated terminal and a clock the test moves, selling
 * HEADPHONES ($10.00, taxed 8.875 %) and CEREAL ($3.49, untaxed), 50 of each on hand.
 */
export async function startTill(
  opts: Pick<StoreNodeConfig, 'basketExpiryMinutes' | 'lane' | 'storeCode' | 'timeZone' | 'returnWindowDays'> & {
    /** Reopen this store file (a restart) instead of a new one; its catalog and stock are there already. */
    dbPath?: string;
    now?: number;
  } = {},
) {
  const { dbPath: reopen, now, ...config } = opts;
  const terminal = new FlakyTerminal();
  const clock = { now: now ?? Date.parse('2026-03-02T09:00:00Z') };
  const dbPath = reopen ?? join(mkdtempSync(join(tmpdir(), 'sf-till-')), 'store.sqlite');
  const node: StoreNode = createStoreNode({
    dbPath,
    port: 0,
    logLevel: 'silent',
    name: 'Till Store',
    paymentTerminal: terminal,
    now: () => clock.now,
    ...config,
  });
  const put = node.db.prepare(
    `INSERT OR IGNORE INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
     VALUES (?, NULL, ?, NULL, NULL, 'Test', ?, 'USD', ?, 1)`,
  );
  put.run('HEADPHONES', 'Wireless headphones', 1000, 'STANDARD');
  put.run('CEREAL', 'Oat cereal 500 g', 349, 'REDUCED');
  const url = await node.start();
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const res = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  if (!reopen)
    for (const sku of ['HEADPHONES', 'CEREAL'])
      await call('POST', '/api/stock/movements', { sku, delta: 50, kind: 'RECEIVE' });

  /** A basket with these lines, open at the lane. */
  const basket = async (lines: Record<string, number>): Promise<string> => {
    const sale = (await call('POST', '/api/pos/sales')).body as { id: string };
    for (const [code, qty] of Object.entries(lines))
      await call('POST', `/api/pos/sales/${sale.id}/lines`, { code, qty });
    return sale.id;
  };
  /** The outbox events of one type about a sale, each payload checked against the shared schema the hub uses. */
  const events = (type: SchemaEventType, saleId: string) => {
    const rows = node.db
      .prepare("SELECT payload FROM sync_outbox WHERE type = ? AND json_extract(payload, '$.saleId') = ? ORDER BY seq")
      .pluck()
      .all(type, saleId) as string[];
    return rows.map((p) => eventPayloadSchemas[type].parse(JSON.parse(p)));
  };
  /** Every outbox event that names the sale (its stock moves by `ref`, its sale events by `saleId`). */
  const eventsAbout = (saleId: string) =>
    node.db
      .prepare(
        "SELECT type FROM sync_outbox WHERE json_extract(payload, '$.saleId') = @id OR json_extract(payload, '$.ref') = @id ORDER BY seq",
      )
      .pluck()
      .all({ id: saleId }) as string[];
  /**
   * Makes the next completed sale's commit fail inside its transaction, as the test harness's seam: `disk-full` fills
   * the file's size limit for real (SQLITE_FULL, as a full disk does), `fault` raises an error. `heal` undoes it.
   */
  const breakCommits = (how: 'disk-full' | 'fault') => {
    node.db.exec('CREATE TABLE IF NOT EXISTS test_filler (b BLOB)');
    const body =
      how === 'disk-full'
        ? 'INSERT INTO main.test_filler VALUES (zeroblob(8000000));'
        : "SELECT RAISE(ABORT, 'the sale could not be written (injected)');";
    node.db.exec(
      `CREATE TEMP TRIGGER break_commit BEFORE INSERT ON main.sales WHEN NEW.status = 'COMPLETED' BEGIN ${body} END`,
    );
    node.db.pragma(`max_page_count = ${(node.db.pragma('page_count', { simple: true }) as number) + 64}`);
    return () => {
      node.db.exec('DROP TRIGGER IF EXISTS temp.break_commit');
      node.db.pragma('max_page_count = 1073741823');
    };
  };
  return { node, dbPath, terminal, clock, call, basket, events, eventsAbout, breakCommits, stop: () => node.stop() };
}
export type Till = Awaited<ReturnType<typeof startTill>>;
