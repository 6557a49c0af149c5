import { Router } from 'express';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { DELIVERY_HOOKS } from './ports.js';
import { routePlanner, type RoutePlanner } from './planning/index.js';
import { trackingParts, type TrackingParts } from './tracking/index.js';

export { DELIVERY_HOOKS, type DeliveryHooks, type DeliveryOutcome } from './ports.js';
export type { Carrier, Delivery, Offer, OfferScore, ScoreTerm } from './types.js';

/** The module's parts for one hub (several hubs may share this module object in a test process). */
interface Parts {
  readonly tracking: TrackingParts;
  readonly planner: RoutePlanner;
}
const partsByHub = new WeakMap<HubContext, Parts>();
function partsOf(ctx: HubContext): Parts {
  let p = partsByHub.get(ctx);
  if (!p) {
    p = { tracking: trackingParts(ctx), planner: routePlanner(ctx) };
    partsByHub.set(ctx, p);
  }
  return p;
}

/**
 * Last-mile delivery (issue #18): DELIVERY orders taken to the customer's door — carriers (vans, gig drivers, DSPs,
 * drones) offered each delivery in score order, vans' routes planned by the VRPTW solver, drivers tracked, goods of a
 * failed delivery returned to their store.
 */
export const hubModule: HubModule = {
  name: 'delivery',
  migrations: new URL('./schema/', import.meta.url),
  // tracking tells the hub's flows of deliveries, failures and returns (central/src/workflows/ provides it)
  uses: [DELIVERY_HOOKS],
  routes(ctx) {
    const r = Router();
    r.use(partsOf(ctx).tracking.routes);
    return r;
  },
  sockets: (ctx) => partsOf(ctx).tracking.sockets,
  eventHandlers: (ctx) => partsOf(ctx).tracking.eventHandlers,
  async start(ctx) {
    const p = partsOf(ctx);
    await p.planner.start();
    await p.tracking.start();
  },
  async stop(ctx) {
    const p = partsOf(ctx);
    await p.tracking.stop();
    await p.planner.stop();
  },
};
