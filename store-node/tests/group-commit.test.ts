import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';

describe('sales closed at the same moment on several lanes', () => {
  let node: StoreNode | undefined;
  afterEach(() => node?.stop());

  const fresh = () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'sf-group-')), 'store.sqlite');
    node = createStoreNode({ dbPath, port: 0, logLevel: 'silent' });
    const put = node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, category, price_minor, currency, tax_class, updated_at) VALUES (?, NULL, ?, 'Test', 500, 'USD', 'STANDARD', 1)`,
    );
    for (let i = 0; i < 20; i++) put.run(`SKU-${i}`, `Product ${i}`);
    return { node, dbPath };
  };

  it('share one commit, each is on disk when its tender resolves, and the outbox numbers stay contiguous', async () => {
    const { node, dbPath } = fresh();
    const sales = Array.from({ length: 10 }, (_, k) => {
      const s = node.pos.open();
      for (let j = 0; j < 3; j++) node.pos.add(s.id, `SKU-${(k + j) % 20}`, 1);
      return s.id;
    });
    const before = node.sync.groupStats().commits;
    const done = await Promise.all(sales.map((id) => node.pos.tender(id, { kind: 'CASH', givenMinor: 10_000 })));
    expect(done.every((s) => s.status === 'COMPLETED')).toBe(true);
    expect(node.sync.groupStats().commits - before).toBe(1);

    // Another connection, as after a power cut: what the lanes were told is what the file holds.
    const other = new Database(dbPath, { readonly: true });
    try {
      expect(
        (other.prepare("SELECT count(*) AS n FROM sales WHERE status = 'COMPLETED'").get() as { n: number }).n,
      ).toBe(10);
      const seqs = (
        other
          .prepare("SELECT seq FROM sync_outbox WHERE type IN ('stock.moved', 'sale.completed') ORDER BY seq")
          .all() as { seq: number }[]
      ).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => seqs[0]! + i)); // per sale: 3 stock moves and its sale.completed
    } finally {
      other.close();
    }
  });

  it('a change that fails inside a shared commit is undone alone; the others commit with contiguous numbers', async () => {
    const { node } = fresh();
    const head = node.sync.outbox.head();
    const write = (sku: string, fail: boolean) =>
      node.sync.writeGrouped((emit) => {
        node.pos.stock.moveAll(
          emit,
          [
            { sku, delta: 4 },
            { sku: 'SKU-19', delta: 1 },
          ],
          'RECEIVE',
          1,
        );
        if (fail) throw new Error(`receiving ${sku} failed`);
        return sku;
      });
    const outcomes = await Promise.allSettled([write('SKU-1', false), write('SKU-2', true), write('SKU-3', false)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('receiving SKU-2 failed');
    expect([1, 2, 3].map((i) => node.pos.stock.onHand(`SKU-${i}`))).toEqual([4, 0, 4]);
    expect(node.pos.stock.onHand('SKU-19')).toBe(2);
    const rows = node.db.prepare('SELECT seq, payload FROM sync_outbox WHERE seq > ? ORDER BY seq').all(head) as {
      seq: number;
      payload: string;
    }[];
    expect(rows.map((r) => r.seq)).toEqual([head + 1, head + 2, head + 3, head + 4]);
    expect(rows.map((r) => JSON.parse(r.payload).sku)).toEqual(['SKU-1', 'SKU-19', 'SKU-3', 'SKU-19']);
  });

  it('a basket cannot change while its sale is committing', async () => {
    const { node } = fresh();
    const s = node.pos.open();
    node.pos.add(s.id, 'SKU-1', 1);
    const tender = node.pos.tender(s.id, { kind: 'CASH', givenMinor: 10_000 });
    expect(() => node.pos.add(s.id, 'SKU-2', 1)).toThrow(/being tendered/);
    expect((await tender).lines.map((l) => l.sku)).toEqual(['SKU-1']);
  });
});
