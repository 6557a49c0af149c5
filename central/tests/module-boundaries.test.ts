import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A hub module stands on the kernel (issue #15): every .ts file under `central/src/modules/<m>/`, its tests included,
 * imports only its own folder, `central/src/kernel/`, the hub's database types (`central/src/db/db.ts`, the only db
 * file allowed: opening a database is the hub's job), `@storefleet/shared` and npm packages. Another module, the
 * workflows (`central/src/workflows/`, which stand above modules) and any other hub file are refused. A module's
 * tests may also use the hub's test harness (`central/tests/support/`) and start a whole hub through its public
 * entry (`central/src/index.ts`), as a hub-level test would.
 */
const CENTRAL = fileURLToPath(new URL('../', import.meta.url));
const MODULES = join(CENTRAL, 'src/modules');
const ALLOWED = ['src/kernel/', 'src/db/db.ts'];
const ALLOWED_IN_TESTS = ['tests/support/', 'src/index.ts'];
/** `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path);
    return /\.(ts|mts)$/.test(e.name) ? [path] : [];
  });
}

const posix = (path: string) => path.split(sep).join('/');

/** Why `spec`, imported by `file` of module `own`, crosses the boundary; null when it may. */
function refusal(own: string, file: string, spec: string): string | null {
  if (!spec.startsWith('.'))
    return spec === '@storefleet/central' || spec.startsWith('@storefleet/central/')
      ? 'the hub itself (by package name)'
      : null;
  const target = posix(relative(CENTRAL, resolve(dirname(file), spec))).replace(/\.js$/, '.ts');
  const module = /^src\/modules\/([^/]+)\//.exec(target)?.[1];
  if (module === own) return null;
  if (module) return `another module (${module})`;
  if (target.startsWith('src/workflows/')) return 'the workflows layer';
  if (ALLOWED.some((a) => target === a || target.startsWith(a))) return null;
  const inTests = posix(relative(MODULES, file)).split('/').includes('tests');
  if (inTests && ALLOWED_IN_TESTS.some((a) => target === a || target.startsWith(a))) return null;
  return `a hub file outside the kernel (central/${target})`;
}

function boundaryBreaches(modulesDir: string): string[] {
  return readdirSync(modulesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((m) =>
      tsFiles(join(modulesDir, m.name)).flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].flatMap(([, spec]) => {
          const why = refusal(m.name, file, spec!);
          return why ? [`central/${posix(relative(CENTRAL, file))} imports '${spec}': ${why}`] : [];
        }),
      ),
    );
}

describe('hub modules import shared, db and the kernel only', () => {
  it('no module file (tests included) imports another module, the workflows or a hub file outside the kernel', () => {
    expect(
      boundaryBreaches(MODULES),
      'move what modules need into central/src/kernel/, or the cross-module flow into central/src/workflows/',
    ).toEqual([]);
  });

  it('the rule refuses another module, the workflows, hub internals and other db files, and lets the kernel and (in tests) the harness through', () => {
    expect(tsFiles(MODULES).length).toBeGreaterThan(20);
    expect(refusal('orders', join(MODULES, 'orders/routes.ts'), '../reservations/service.js')).toBe(
      'another module (reservations)',
    );
    expect(refusal('orders', join(MODULES, 'orders/routes.ts'), '../../sync/feed-writer.js')).toContain(
      'central/src/sync/feed-writer.ts',
    );
    expect(refusal('orders', join(MODULES, 'orders/routes.ts'), '../../workflows/index.js')).toBe(
      'the workflows layer',
    );
    expect(refusal('orders', join(MODULES, 'orders/routes.ts'), '../../db/open-db.js')).toContain(
      'central/src/db/open-db.ts',
    );
    expect(refusal('orders', join(MODULES, 'orders/routes.ts'), '../../../tests/support/test-hub.js')).not.toBeNull();
    expect(
      refusal('orders', join(MODULES, 'orders/tests/a.test.ts'), '../../../../tests/support/test-hub.js'),
    ).toBeNull();
    expect(refusal('orders', join(MODULES, 'orders/routes.ts'), '../../kernel/feed-writer.js')).toBeNull();
  });
});

/**
 * A hub module reads and writes only its own tables (DEVELOPERS.md §1): the other modules' through their ports in
 * `central/src/kernel/ports/`. A table belongs to whoever's `schema/*.sql` creates it: a module, or the hub itself
 * (`central/src/<part>/schema/`: auth, core, fleet, sync, workflows). Every SQL statement in a module's .ts files (its
 * tests excepted) that names a table after FROM, JOIN, INTO or UPDATE must name one of its own, or a hub table allowed
 * below with the reason. (SQL keywords are upper case in this code base; lower-case "from" is prose.)
 */
const SRC = join(CENTRAL, 'src');
const TABLE_USE = /\b(FROM|JOIN|INTO|UPDATE)\s+([a-z_][a-z0-9_]*)\b/g;
const CREATE_TABLE = /\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi;
const READS = new Set(['FROM', 'JOIN']);

/**
 * Hub tables modules may name, each with who and why. Nothing here is another module's table: a module that needs
 * one asks its port. `'*'`: every module, reading only.
 */
const HUB_TABLES_ALLOWED: Record<string, { modules: readonly string[] | '*'; write: boolean; why: string }> = {
  locations: {
    modules: '*',
    write: false,
    why: "the hub's registry of stores and warehouses (central/src/fleet), which every module keys its rows by",
  },
  hub_secrets: {
    modules: ['booking', 'reservations'],
    write: true,
    why: "each keeps its own signing key as a named row of the hub's secret store (core), as auth and idempotency do",
  },
  users: {
    modules: ['vault'],
    write: false,
    why: 'a grant names a user: the vault checks they exist and reads their role and store (no port offers users yet)',
  },
  sync_connections: {
    modules: ['inventory'],
    write: false,
    why: 'stock holds say whether the holding store is connected now (no port offers connection state yet)',
  },
};

/**
 * Another module's tables a module still names, each with why: empty since pricing reads the catalog and customers
 * through CATALOG_PRODUCTS and CUSTOMER_DIRECTORY. Add a line only with a reason, and prefer a port.
 */
const MODULE_TABLES_ALLOWED: readonly { module: string; table: string; why: string }[] = [];

function tablesCreatedIn(schemaDir: string): string[] {
  if (!existsSync(schemaDir)) return [];
  return readdirSync(schemaDir)
    .filter((f) => f.endsWith('.sql'))
    .flatMap((f) =>
      [...readFileSync(join(schemaDir, f), 'utf8').matchAll(CREATE_TABLE)].map((m) => m[1]!.toLowerCase()),
    );
}

/** Table → owner: a module's name, or `hub:<part>` for the hub's own (auth, core, fleet, sync, workflows). */
function tableOwners(): Map<string, string> {
  const owners = new Map<string, string>();
  for (const part of readdirSync(SRC, { withFileTypes: true }))
    if (part.isDirectory() && part.name !== 'modules')
      for (const t of tablesCreatedIn(join(SRC, part.name, 'schema'))) owners.set(t, `hub:${part.name}`);
  for (const m of readdirSync(MODULES, { withFileTypes: true }))
    if (m.isDirectory()) for (const t of tablesCreatedIn(join(MODULES, m.name, 'schema'))) owners.set(t, m.name);
  return owners;
}

/** Why `sql` (text of module `own`) names a table that is not its own; one line per naming, empty when none. */
function tableRefusals(own: string, sql: string, owners: ReadonlyMap<string, string>): string[] {
  return [...sql.matchAll(TABLE_USE)].flatMap(([, keyword, table]) => {
    const owner = owners.get(table!);
    if (!owner || owner === own) return [];
    const use = `${keyword} ${table}`;
    if (owner.startsWith('hub:')) {
      const allowed = HUB_TABLES_ALLOWED[table!];
      if (!allowed || (allowed.modules !== '*' && !allowed.modules.includes(own)))
        return [`${use}: a hub table (${owner}) not allowed to ${own}`];
      return allowed.write || READS.has(keyword!) ? [] : [`${use}: the hub's table (${owner}) may only be read`];
    }
    if (MODULE_TABLES_ALLOWED.some((a) => a.module === own && a.table === table)) return [];
    return [`${use}: module ${owner}'s table (ask its port in central/src/kernel/ports/)`];
  });
}

function tsSourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'tests' || e.name === 'node_modules' ? [] : tsSourceFiles(path);
    return /\.(ts|mts)$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [path] : [];
  });
}

describe('hub modules read and write only their own tables', () => {
  const owners = tableOwners();

  it("no module's SQL names another module's table, or a hub table it is not allowed", () => {
    const breaches = readdirSync(MODULES, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((m) =>
        tsSourceFiles(join(MODULES, m.name)).flatMap((file) =>
          tableRefusals(m.name, readFileSync(file, 'utf8'), owners).map(
            (why) => `central/${posix(relative(CENTRAL, file))}: ${why}`,
          ),
        ),
      );
    expect(breaches, "read another module's data through its port (central/src/kernel/ports/)").toEqual([]);
  });

  it('every allowance names a table that exists and whose owner it says', () => {
    for (const table of Object.keys(HUB_TABLES_ALLOWED)) expect(owners.get(table), table).toMatch(/^hub:/);
    for (const a of MODULE_TABLES_ALLOWED) {
      expect(owners.get(a.table), a.table).not.toMatch(/^hub:/);
      expect(owners.get(a.table), a.table).not.toBe(a.module);
    }
  });

  it('the rule knows who owns what, refuses what pricing did before #25, and lets own and allowed tables through', () => {
    expect(owners.get('catalog_products')).toBe('catalog');
    expect(owners.get('customers')).toBe('customers');
    expect(owners.get('sales')).toBe('sales');
    expect(owners.get('scan_go_sessions')).toBe('pricing');
    expect(owners.get('locations')).toBe('hub:fleet');
    expect(owners.get('hub_secrets')).toBe('hub:core');
    expect(tableRefusals('pricing', "'SELECT sku FROM catalog_products WHERE gtin = $1'", owners)).toEqual([
      "FROM catalog_products: module catalog's table (ask its port in central/src/kernel/ports/)",
    ]);
    expect(tableRefusals('pricing', 'SELECT c.id FROM pricing_books b JOIN customers c ON true', owners)).toHaveLength(
      1,
    );
    expect(tableRefusals('orders', 'UPDATE sales SET status = $1', owners)).toHaveLength(1);
    expect(tableRefusals('orders', 'INSERT INTO inventory_stock (sku) VALUES ($1)', owners)).toHaveLength(1);
    expect(tableRefusals('pricing', 'SELECT * FROM scan_go_sessions WHERE id = $1', owners)).toEqual([]);
    expect(tableRefusals('pricing', "SELECT 1 FROM locations WHERE kind = 'STORE'", owners)).toEqual([]);
    expect(tableRefusals('pricing', 'UPDATE locations SET name = $1', owners)).toEqual([
      "UPDATE locations: the hub's table (hub:fleet) may only be read",
    ]);
    expect(tableRefusals('pricing', 'SELECT value FROM hub_secrets', owners)).toEqual([
      'FROM hub_secrets: a hub table (hub:core) not allowed to pricing',
    ]);
    expect(tableRefusals('booking', 'INSERT INTO hub_secrets (name) VALUES ($1)', owners)).toEqual([]);
    expect(tableRefusals('reviews', '/** the verified badge from orders and carded sales */', owners)).toEqual([]);
  });
});
