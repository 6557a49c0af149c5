import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';

/**
 * The hub's modules, the booking module's context caught when the hub mounts its routes (or its sockets): the tests
 * call the same services the routes do. `context()` after the hub has started.
 */
export async function bookingModules(
  via: 'routes' | 'sockets' = 'routes',
): Promise<{ modules: HubModule[]; context: () => HubContext }> {
  let caught: HubContext | undefined;
  const catching = (m: HubModule): HubModule =>
    via === 'routes'
      ? {
          ...m,
          routes: (ctx) => {
            caught = ctx;
            return m.routes!(ctx);
          },
        }
      : {
          ...m,
          sockets: (ctx) => {
            caught = ctx;
            return m.sockets!(ctx);
          },
        };
  const modules = (await discoverModules()).map((m) => (m.name === 'booking' ? catching(m) : m));
  return {
    modules,
    context: () => {
      if (!caught) throw new Error(`the booking module mounted no ${via}`);
      return caught;
    },
  };
}
