import { Router } from 'express';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { provide } from '../../kernel/ports.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { DELIVERY_DESK } from '../../kernel/ports/delivery.js';
import { Assignment } from './assignment.js';
import { deliveryBootstrap, deliveryReconciler } from './bootstrap.js';
import { CarrierDesk } from './carrier-desk.js';
import { BuiltInNetwork } from './carriers/built-in-network.js';
import { CARRIER_NETWORK, type CarrierNetwork } from './carriers/carrier.js';
import { DriverApps } from './carriers/driver-app.js';
import { routePlanner, type RoutePlanner } from './planning/index.js';
import { DELIVERY_HOOKS } from './ports.js';
import { deliveryRoutes } from './routes.js';
import { deliveryGraphql } from './graphql.js';
import { DeliveryService } from './service.js';
import { trackingParts, type TrackingParts } from './tracking/index.js';

export { DELIVERY_HOOKS, type DeliveryHooks, type DeliveryOutcome } from './ports.js';
export type { Carrier, Delivery, Offer, OfferScore, ScoreTerm } from './types.js';
export {
  CARRIER_NETWORK,
  type CarrierAdapter,
  type CarrierAnswers,
  type CarrierNetwork,
  type OfferSent,
} from './carriers/carrier.js';

/** How often one hub of the cluster times out unanswered offers and moves their deliveries on. */
const EXPIRE_OFFERS_EVERY_MS = 1_000;

/** The module's parts for one hub (several hubs may share this module object in a test process). */
interface Parts {
  readonly tracking: TrackingParts;
  readonly planner: RoutePlanner;
  readonly network: CarrierNetwork;
  /** Whether the network is the hub's own (stopped with the hub) rather than one handed in. */
  readonly ownNetwork: boolean;
  readonly assignment: Assignment;
  readonly deliveries: DeliveryService;
  readonly carriers: CarrierDesk;
}
const partsByHub = new WeakMap<HubContext, Parts>();
function partsOf(ctx: HubContext): Parts {
  let p = partsByHub.get(ctx);
  if (!p) {
    // A delivery no van of its depot can fit goes back to the assignment, to be offered to other carriers.
    const planner = routePlanner(ctx, { reoffer: (id, carrierId, why) => assignment.dropOut(id, carrierId, why) });
    // The carriers an embedder or a test handed in, else the hub's own (in-house vans; simulators only in demo/test
    // mode or where a carrier's row names one — see carriers/built-in-network.ts).
    const supplied = ctx.services.find(CARRIER_NETWORK);
    // Gig drivers, DSPs and drones with no simulator are reached through their driver app on a production hub.
    const apps = new DriverApps(ctx.db, ctx.now, ctx.log, ctx.settings.mode);
    const network = supplied ?? new BuiltInNetwork(ctx.settings.mode, ctx.log, apps);
    const assignment = new Assignment({
      db: ctx.db,
      now: ctx.now,
      feed: ctx.feed,
      log: ctx.log,
      network,
      offerTimeoutMs: ctx.settings.tuning.deliveryOfferTimeoutMs,
      hooks: () => ctx.services.find(DELIVERY_HOOKS),
      replanSoon: (depotId) => planner.replanSoon(depotId),
    });
    p = {
      tracking: trackingParts(ctx, apps),
      planner,
      network,
      ownNetwork: !supplied,
      assignment,
      deliveries: new DeliveryService(
        ctx.db,
        ctx.now,
        ctx.feed,
        () => ctx.services.get(CATALOG_PRODUCTS),
        assignment,
        network,
      ),
      carriers: new CarrierDesk(ctx.db, ctx.now, network, assignment, ctx.log, ctx.settings.mode),
    };
    const tracking = p.tracking;
    p.carriers.driverRevoked = (carrierId) => tracking.revokeDriver(carrierId);
    apps.answerTo(assignment);
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
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [
      // the live board, and one delivery's detail at #/delivery?id=…; a store's manager sees their store's only
      { path: 'delivery', title: 'Deliveries', script: 'delivery.js', roles: ['ADMIN', 'STORE_MANAGER'] },
      { path: 'delivery-carriers', title: 'Carriers', script: 'carriers.js', roles: ['ADMIN'] },
    ],
  },
  needs: [CATALOG_PRODUCTS],
  // assignment and tracking tell the hub's flows of assignments, deliveries, failures and returns (central/src/workflows/
  // provides it); the carriers' integrations may be handed in (else the hub's own, carriers/built-in-network.ts)
  uses: [DELIVERY_HOOKS, CARRIER_NETWORK],
  provides: (ctx) => [provide(DELIVERY_DESK, partsOf(ctx).deliveries)],
  routes(ctx) {
    const p = partsOf(ctx);
    const r = Router();
    r.use(deliveryRoutes(p.deliveries, p.carriers));
    r.use(p.tracking.routes);
    return r;
  },
  // A new store disk (or one whose feed skipped entries retention removed) gets the deliveries its desk shows, before
  // the holds (sections come in module name order): the pickup desk then knows which holds leave by delivery.
  bootstrap: (ctx) => ({ deliveries: deliveryBootstrap(ctx.now) }),
  sockets: (ctx) => partsOf(ctx).tracking.sockets,
  graphql: (ctx) => deliveryGraphql(ctx.db),
  eventHandlers: (ctx) => partsOf(ctx).tracking.eventHandlers,
  async start(ctx) {
    // A store's feed rebased after a hub restore gets its deliveries as the hub has them now.
    ctx.feed.reconcileWith('delivery', deliveryReconciler(ctx.now));
    const p = partsOf(ctx);
    await p.planner.start();
    await p.tracking.start();
    // On the hub's job runner: one sweep per period across hub processes; a failed one is logged and its next
    // period is its retry.
    ctx.jobs.define({
      name: 'delivery.expire-offers',
      run: async () => {
        const expired = await p.assignment.expireDue();
        if (expired) ctx.log.debug({ expired }, 'delivery offers timed out');
      },
    });
    await ctx.jobs.schedule('delivery.expire-offers', { everyMs: EXPIRE_OFFERS_EVERY_MS });
    // Offers still open from before this start: the carriers' timers died with the last process (or belong to
    // another hub); each is handed over again and the first answer wins — or it times out and moves on.
    const resent = await p.assignment.resendOpenOffers();
    if (resent) ctx.log.info({ resent }, 'open delivery offers handed to their carriers again');
    if (ctx.settings.mode === 'production' && p.ownNetwork) {
      const simulated = (await p.carriers.list({ limit: 200 })).items.filter((c) => c.integration === 'simulator');
      if (simulated.length)
        ctx.log.warn(
          { carriers: simulated.map((c) => c.code) },
          'delivery carriers run on simulators in production: their answers are made up',
        );
    }
  },
  async stop(ctx) {
    const p = partsOf(ctx);
    if (p.ownNetwork) p.network.stop();
    await p.tracking.stop();
    await p.planner.stop();
  },
};
