import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserAssetsDir } from '@storefleet/shared';
import type { HubModule } from '../../src/kernel/module-contract.js';
import { SHOP_DIR } from '../../src/modules/accounts/shop/route.js';

/** Where each of the hub's static mounts reads its files from (the console shell, shared helpers, module pages). */
export function hubStaticRoots(modules: readonly HubModule[]): Map<string, string> {
  const roots = new Map<string, string>([
    ['/console', fileURLToPath(new URL('../../src/console/static/', import.meta.url))],
    ['/shared', fileURLToPath(browserAssetsDir)],
  ]);
  if (modules.some((m) => m.name === 'accounts')) roots.set('/shop', SHOP_DIR);
  for (const m of modules) if (m.console) roots.set(`/console/modules/${m.name}`, fileURLToPath(m.console.dir));
  return roots;
}

/** Every file under `dir`, as URL paths relative to it (`pages/fleet.js`). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.isFile()) out.push(relative(dir, join(d, e.name)).split(/[\\/]/).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
