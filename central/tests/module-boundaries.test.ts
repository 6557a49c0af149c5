import { readdirSync, readFileSync } from 'node:fs';
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
