import { Router } from 'express';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { provide } from '../../kernel/ports.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { INVENTORY_AVAILABILITY } from '../../kernel/ports/inventory.js';
import { RECS_INTERACTIONS } from '../../kernel/ports/recommendations.js';
import { PRODUCT_TAGS } from '../../kernel/ports/tags.js';
import { RecsExperiments } from './experiments.js';
import { InteractionsRepository } from './interactions-repository.js';
import { startRecsRetention } from './retention.js';
import { recommendationsRoutes } from './routes.js';
import { RecsServing } from './serving.js';
import { RecsTraining } from './training.js';
import { recsViewedHandler } from './viewed-handler.js';
import { recommendationsGraphql } from './graphql.js';

export type { RecsAnswer, RecsItem, RecsRequest, Variant, ModelRun } from './types.js';

/** The module's parts for one hub (several hubs may share this module object in a test process). */
export interface RecsParts {
  readonly training: RecsTraining;
  readonly experiments: RecsExperiments;
  readonly serving: RecsServing;
}
const partsByHub = new WeakMap<HubContext, RecsParts>();
export function recsParts(ctx: HubContext): RecsParts {
  let p = partsByHub.get(ctx);
  if (!p) {
    const training = new RecsTraining(ctx);
    const experiments = new RecsExperiments(ctx);
    const serving = new RecsServing(ctx, experiments);
    p = { training, experiments, serving };
    partsByHub.set(ctx, p);
  }
  return p;
}

/**
 * Recommendations (issue #21): interactions from orders, carts, sales at the lane (a customer card) and kiosk views;
 * models trained off the request path on a worker (iALS, bought-together, content similarity, popularity); a hybrid
 * list per surface served from precomputed candidates, re-ranked by the session; A/B variants by Thompson sampling;
 * each store's top list through its feed, so the kiosk recommends offline.
 */
export const hubModule: HubModule = {
  name: 'recommendations',
  migrations: new URL('./schema/', import.meta.url),
  needs: [CATALOG_PRODUCTS],
  // optional: without inventory nothing is filtered by stock; without tags, content similarity has no tags;
  // without customers a named customer's list is head office's only
  uses: [INVENTORY_AVAILABILITY, PRODUCT_TAGS, CUSTOMER_DIRECTORY],
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [{ path: 'recommendations', title: 'Recommendations', script: 'recommendations.js', roles: ['ADMIN'] }],
  },
  provides: () => [provide(RECS_INTERACTIONS, { record: (q, list) => new InteractionsRepository(q).record(list) })],
  graphql: (ctx) => recommendationsGraphql(ctx, recsParts(ctx).serving),
  routes(ctx) {
    const r = Router();
    r.use(recommendationsRoutes(recsParts(ctx), ctx));
    return r;
  },
  eventHandlers: (ctx) => ({ 'recs.viewed': recsViewedHandler(ctx) }),
  async start(ctx) {
    const p = recsParts(ctx);
    await p.experiments.start();
    await p.training.start();
    await startRecsRetention(ctx);
  },
  async stop(ctx) {
    const p = partsByHub.get(ctx);
    if (!p) return;
    await p.training.stop();
    await p.serving.stop();
  },
};
