import type { HubContext } from '../../../kernel/module-contract.js';

/**
 * Route planning (issue #18): the in-house vans' runs, solved off the request path by the VRPTW solver (`solver/`) on a
 * worker and re-planned incrementally when deliveries arrive or a driver drops out. Placeholder until the planning
 * lane lands.
 */
export interface RoutePlanner {
  /** Asks for a re-plan of the vans of this depot (a store or DC) soon; several asks in a row make one run. */
  replanSoon(depotId: string): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function routePlanner(_ctx: HubContext): RoutePlanner {
  return { replanSoon: () => {}, start: async () => {}, stop: async () => {} };
}
