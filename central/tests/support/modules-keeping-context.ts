import { discoverModules } from '../../src/index.js';
import type { HubContext, HubModule } from '../../src/kernel/module-contract.js';

/**
 * The hub's modules with one of them (`name`) wrapped so its hub context is kept when the hub builds its routes: a
 * test then reaches the module's own parts (`vaultParts(ctx)`, `registryParts(ctx)`) on the hub it started.
 * `context()` throws when the hub has not built the module's routes yet. (The benches have their own copy in
 * bench/src/support/module-context.ts: that package does not import the hub's tests.)
 */
export async function modulesKeepingContext(name: string): Promise<{ modules: HubModule[]; context(): HubContext }> {
  let captured: HubContext | undefined;
  const modules = (await discoverModules()).map(
    (m): HubModule =>
      m.name === name
        ? {
            ...m,
            routes(ctx) {
              captured = ctx;
              return m.routes!(ctx);
            },
          }
        : m,
  );
  return {
    modules,
    context() {
      if (!captured) throw new Error(`the ${name} module was not mounted (read before the hub started?)`);
      return captured;
    },
  };
}
