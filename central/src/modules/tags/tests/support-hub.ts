import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

/**
 * The hub's modules with the tags module's context caught when the hub mounts its routes (so a test reaches the
 * module's parts: its index, writer, bulk jobs); `context()` throws when no hub mounted them yet. The one start-up
 * of the tags tests' hubs (in-process test hubs, a replica by createHub, the crash trial's child process).
 */
export async function tagsModules(): Promise<{ modules: HubModule[]; context: () => HubContext }> {
  let caught: HubContext | undefined;
  const modules = (await discoverModules()).map(
    (m): HubModule =>
      m.name === 'tags'
        ? {
            ...m,
            routes: (ctx) => {
              caught = ctx;
              return m.routes!(ctx);
            },
          }
        : m,
  );
  return {
    modules,
    context: () => {
      if (!caught) throw new Error('the tags module mounted no routes');
      return caught;
    },
  };
}

/** A test hub on a fresh database of `target`, with the tags module's context. */
export async function tagsTestHub(
  target: DbTarget,
  overrides: Parameters<typeof TestHub.start>[1] = {},
): Promise<{ t: TestHub; ctx: HubContext }> {
  const { modules, context } = await tagsModules();
  const t = await TestHub.start(target, { ...overrides, modules });
  return { t, ctx: context() };
}
