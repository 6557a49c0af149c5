import { discoverModules } from '@storefleet/central';
import type { HubContext, HubModule } from '../../../central/src/kernel/module-contract.js';

/**
 * The hub's modules with one of them (`name`) wrapped so its hub context is kept when the hub builds its routes:
 * a bench then calls the module's own parts (the booking service, the tags index) on the hub it created.
 * `context()` throws if the hub was not created yet or the module has no routes.
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
      if (!captured) throw new Error(`the ${name} module has no routes: the bench cannot reach its parts`);
      return captured;
    },
  };
}
