import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The previews' and dry runs' SQL is all in insights-repository.ts (DEVELOPERS.md: all SQL in repositories), and it
 * names only the pricing tables and the hub's `locations`: the catalog and the sales ledger are read through their
 * ports (CATALOG_PRODUCTS in insights-catalog.ts, SALES_BASKETS in insights-dry-run.ts).
 */
const dir = new URL('../', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');
const SQL = /\b(SELECT\s[\s\S]*?\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b|\.query\s*[<(]/;

describe('the insights’ SQL', () => {
  it('sits in insights-repository.ts only', () => {
    for (const name of ['insights.ts', 'insights-dry-run.ts', 'insights-catalog.ts', 'routes-insights.ts'])
      expect(SQL.exec(read(name))?.[0] ?? null, name).toBeNull();
    expect(existsSync(new URL('insights-rules.ts', dir)), 'insights-rules.ts (it was SQL)').toBe(false);
  });

  it('names only the pricing tables and the hub’s locations', () => {
    const tables = [...read('insights-repository.ts').matchAll(/\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_]+)/g)].map(
      (m) => m[1]!,
    );
    expect(tables.length).toBeGreaterThan(5);
    expect(tables.filter((t) => !t.startsWith('pricing_') && t !== 'locations')).toEqual([]);
  });
});
