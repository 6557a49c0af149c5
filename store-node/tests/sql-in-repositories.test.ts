import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/** Services that still hold SQL of their own, to be moved into a repository (not yet done). */
const NOT_YET = new Set(['pairing/pairing-service.ts']);

/** The node's routes and services: `routes.ts`, `*-routes.ts`, `*-service.ts` in each module folder. */
function routesAndServices(): string[] {
  const found: string[] = [];
  for (const dir of readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory()))
    for (const f of readdirSync(join(SRC, dir.name)))
      if (/^(.*-)?routes\.ts$|-service\.ts$/.test(f)) found.push(`${dir.name}/${f}`);
  return found;
}

describe('the store node keeps its SQL in repositories (STYLE.md: repository.ts holds all SQL of a module)', () => {
  it('no route or service prepares a statement of its own', () => {
    const files = routesAndServices();
    expect(files).toContain('devices/routes.ts');
    expect(files).toContain('bopis/bopis-service.ts');
    const withSql = files
      .filter((f) => !NOT_YET.has(f))
      .filter((f) => /\.prepare\(|\bnode_meta\b|\bcatalog_products\b/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(withSql).toEqual([]);
  });
});
