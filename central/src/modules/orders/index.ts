import { Router } from 'express';
import { apiDoc } from '@storefleet/shared';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { requireAuth } from '../../kernel/access.js';
import { OrderSaga } from './order-saga.js';
import { OrderFlows } from './order-flows.js';
import { captureDue } from './payment-capture.js';
import { SimulatedPaymentProvider } from './payments.js';
import { retryRefunds } from './refund-retry.js';
import { NoPaymentProvider, NoPaymentProviderError, paymentProviderFor, warehouseFor } from './external-parties.js';
import { orderRoutes } from './routes.js';
import { placeBody } from './place-order.js';
import { ordersGraphql } from './graphql.js';
import { storesOf } from './order-owners.js';
import { provide } from '../../kernel/ports.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { PAYMENTS } from '../../kernel/ports/payments.js';
import { PRICING } from '../../kernel/ports/pricing.js';
import { DELIVERY_DESK } from '../../kernel/ports/delivery.js';
import { INVENTORY_AVAILABILITY } from '../../kernel/ports/inventory.js';
import { RECS_INTERACTIONS } from '../../kernel/ports/recommendations.js';
import { everySink, REVIEW_PURCHASES } from '../../kernel/ports/reviews.js';
import { PICKUP_CODES, RESERVATIONS } from '../../kernel/ports/reservations.js';
import {
  ORDER_CANCELLATION,
  ORDER_FLOWS,
  ORDERS_RETENTION,
  PAYMENTS_PROVIDER,
  REFUND_INCIDENTS,
  WAREHOUSE,
} from './ports.js';
import { timelineRetention } from './timeline-archive.js';
import { recordPurchases } from './purchases.js';
import { ORDERS_REPLAY } from '../../kernel/ports/replay.js';
import { ordersReplay } from './replay.js';

export {
  SimulatedPaymentProvider,
  HttpPaymentProvider,
  PaymentTimeoutError,
  type PaymentProvider,
} from './payments.js';
export { SimulatedWarehouse } from './warehouse.js';
export type { Order, OrderCancellation, RefundGivenUp, RefundIncidents } from './types.js';
export { ordersReplay, statusFromTimeline } from './replay.js';
export type { OrderFlows } from './order-flows.js';
export { storesOf } from './order-owners.js';
export { ORDER_CANCELLATION, ORDER_FLOWS, PAYMENTS_PROVIDER, REFUND_INCIDENTS, WAREHOUSE } from './ports.js';

const sagas = new WeakMap<
  HubContext,
  { saga: OrderSaga; captureSoon?: () => void; nudge?: Promise<unknown>; stopped?: boolean }
>();
/** How often any one hub of the cluster resumes stale sagas and captures picked-up orders' payments. */
const ORDER_SWEEP_EVERY_MS = 1_000;
/** How often one hub looks for refunds to finish (each waits `REFUND_RETRY_AFTER_MS` before its first retry). */
const REFUND_SWEEP_EVERY_MS = 15_000;

/**
 * One saga per hub: payments and the warehouse are the objects the hub was given (`externals`), else the adapters its
 * settings name (simulators only when named, or in demo/test mode), else none: then nothing is approved or shipped.
 */
function sagaOf(ctx: HubContext): OrderSaga {
  let entry = sagas.get(ctx);
  if (!entry) {
    const payments = ctx.services.find(PAYMENTS_PROVIDER) ?? paymentProviderFor(ctx.settings.payments);
    const saga = new OrderSaga({
      db: ctx.db,
      reservations: () => ctx.services.get(RESERVATIONS),
      payments,
      warehouse: ctx.services.find(WAREHOUSE) ?? warehouseFor(ctx.settings.warehouse),
      delivery: () => ctx.services.find(DELIVERY_DESK),
      pricing: () => ctx.services.find(PRICING),
      recordBatches: ctx.settings.tuning.orderRecordBatches,
      availability: () => ctx.services.get(INVENTORY_AVAILABILITY),
      docs: ctx.docs,
      log: ctx.log,
      now: ctx.now,
      // A confirmed order's stores may see its customer from now on (a refused or failed order links nobody).
      onConfirmed: async (order) => {
        for (const storeId of storesOf(order))
          await ctx.services.get(CUSTOMER_DIRECTORY).linkStore(order.customerId, storeId, 'order');
      },
      // What a confirmed order bought, for recommendations and reviews' verified badge (when the hub has them), in the
      // commit that confirms it.
      inConfirmCommit: (tx, orders) =>
        recordPurchases(
          everySink(ctx.services.find(RECS_INTERACTIONS), ctx.services.find(REVIEW_PURCHASES)),
          tx,
          orders,
          ctx.now(),
          ctx.log,
        ),
      crashAfter: ctx.testHooks.ordersCrashAfter,
    });
    if (payments instanceof SimulatedPaymentProvider)
      payments.onCallback = (key, status) => void saga.paymentCallback(key, status);
    entry = { saga };
    sagas.set(ctx, entry);
  }
  return entry.saga;
}

/**
 * Omnichannel orders: `place` runs a saga persisted in Postgres (reserve → authorise payment → fulfil → confirm, with
 * compensation in reverse), resumed by any replica after a crash; status and timeline, curbside check-in,
 * cancellation before pickup. DELIVERY orders have their promise checked before anything is held and are handed to
 * the delivery desk (the port `DELIVERY_DESK`) at FULFIL.
 */
export const hubModule: HubModule = {
  name: 'orders',
  migrations: new URL('./schema/', import.meta.url),
  console: {
    dir: new URL('./console/', import.meta.url),
    // a store's manager sees (and may cancel or refund) the orders placed or fulfilled at their store
    pages: [{ path: 'orders', title: 'Orders', script: 'orders.js', roles: ['ADMIN', 'STORE_MANAGER'] }],
  },
  needs: [RESERVATIONS, INVENTORY_AVAILABILITY, CUSTOMER_DIRECTORY, CATALOG_PRODUCTS, ORDER_CANCELLATION],
  // The delivery desk is optional: a hub assembled without the delivery module refuses DELIVERY orders (routes.ts).
  // Recommendations and reviews are optional too: without them a confirmed order's purchases are recorded nowhere.
  // Pricing too (issue #25): without it orders take the catalog's prices and refuse coupons.
  uses: [
    PAYMENTS_PROVIDER,
    WAREHOUSE,
    REFUND_INCIDENTS,
    DELIVERY_DESK,
    RECS_INTERACTIONS,
    REVIEW_PURCHASES,
    PRICING,
    PICKUP_CODES,
  ],
  provides: (ctx) => [
    // The provider orders take money with, for the other modules that charge customers (booking): one configuration.
    provide(PAYMENTS, sagaOf(ctx).deps.payments),
    // The hub's retention sweep archives the timelines of orders that ended long ago (issue #14).
    provide(ORDERS_RETENTION, timelineRetention),
    provide(ORDERS_REPLAY, ordersReplay), // issue #27: status rebuilt from the timelines
    // What the hub's cross-module flows (central/src/workflows/) may do to an order: follow its hold when oversell
    // repair moves it, complete it when the store hands it over, cancel it when its hold ends another way.
    provide(
      ORDER_FLOWS,
      new OrderFlows({
        saga: () => sagaOf(ctx),
        customers: () => ctx.services.get(CUSTOMER_DIRECTORY),
        captureSoon: () => sagas.get(ctx)?.captureSoon?.(),
        now: ctx.now,
      }),
    ),
  ],
  routes: (ctx) => {
    const saga = sagaOf(ctx);
    const routes = orderRoutes({
      saga,
      db: ctx.db,
      docs: ctx.docs,
      feed: ctx.feed,
      catalog: () => ctx.services.get(CATALOG_PRODUCTS),
      customers: () => ctx.services.get(CUSTOMER_DIRECTORY),
      cancellation: () => ctx.services.get(ORDER_CANCELLATION),
      delivery: () => ctx.services.find(DELIVERY_DESK),
      pricing: () => ctx.services.find(PRICING),
      now: ctx.now,
    });
    if (!(saga.deps.payments instanceof NoPaymentProvider)) return routes;
    // No payment provider (a production hub nobody configured): refused before anything is held, never approved.
    return Router()
      .post(
        '/orders',
        apiDoc({
          summary: 'Place an order: refused (503) while the hub has no payment provider',
          description: 'Set PAYMENT_PROVIDER; until then nothing is held and no order is made.',
          body: placeBody,
          responses: { 503: 'no payment provider is configured' },
          access: ['staff'],
        }),
        requireAuth,
        () => {
          throw new NoPaymentProviderError();
        },
      )
      .use(routes);
  },
  graphql: (ctx) =>
    ordersGraphql({
      saga: sagaOf(ctx),
      db: ctx.db,
      docs: ctx.docs,
      catalog: () => ctx.services.get(CATALOG_PRODUCTS),
      customers: () => ctx.services.get(CUSTOMER_DIRECTORY),
      cancellation: () => ctx.services.get(ORDER_CANCELLATION),
      delivery: () => ctx.services.find(DELIVERY_DESK),
      pricing: () => ctx.services.find(PRICING),
      pickupCodes: () => ctx.services.find(PICKUP_CODES),
    }),
  async start(ctx) {
    sagaOf(ctx); // makes this hub's saga if routes did not
    const entry = sagas.get(ctx)!;
    const capture = (signal?: AbortSignal) => captureDue(ctx.db, entry.saga.deps.payments, ctx.log, ctx.now, signal);
    // On the hub's job runner: one hub of the cluster resumes the sagas whose runner died and captures the payments of
    // picked-up orders each second (each hub did both on its own timer, and asked the provider for one capture twice).
    ctx.jobs.define({
      name: 'orders.resume-sagas',
      run: async (job) => void (await entry.saga.resumeStale(20, job.signal)),
    });
    ctx.jobs.define({ name: 'orders.capture-payments', run: async (job) => void (await capture(job.signal)) });
    // Refunds whose provider call failed (the route answered 503): asked again after a minute, then 2, 4 … (at most
    // an hour apart); after REFUND_MAX_ATTEMPTS failures given up on and raised as an incident.
    ctx.jobs.define({
      name: 'orders.retry-refunds',
      run: async (job) =>
        void (await retryRefunds(
          ctx.db,
          entry.saga.deps.payments,
          ctx.log,
          ctx.now,
          job.signal,
          ctx.services.find(REFUND_INCIDENTS),
        )),
    });
    // A restarted hub resumes at once what its predecessor left.
    await ctx.jobs.schedule('orders.resume-sagas', { everyMs: ORDER_SWEEP_EVERY_MS, firstAfterMs: 0 });
    await ctx.jobs.schedule('orders.capture-payments', { everyMs: ORDER_SWEEP_EVERY_MS });
    await ctx.jobs.schedule('orders.retry-refunds', { everyMs: REFUND_SWEEP_EVERY_MS });
    // A hand-over's commit nudges this hub to capture now; the claim on each order keeps it to one provider call
    // however many hubs capture at once.
    entry.captureSoon = () => {
      if (entry.nudge || entry.stopped) return;
      entry.nudge = capture()
        .catch((err: unknown) => ctx.log.error({ err }, 'capturing picked-up orders failed'))
        .finally(() => (entry.nudge = undefined));
    };
  },
  async stop(ctx) {
    const entry = sagas.get(ctx);
    if (!entry) return;
    entry.stopped = true;
    await entry.nudge;
  },
};
