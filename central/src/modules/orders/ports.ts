import { definePort } from '../../kernel/ports.js';
import type { RetentionTarget } from '../../kernel/retention-target.js';
import type { OrderFlows } from './order-flows.js';
import type { PaymentProvider } from './payments.js';
import type { OrderCancellation, RefundIncidents, Warehouse } from './types.js';

/**
 * The ports whose other side is not a module: the workflows layer (which may import this module) and external
 * parties (which the hub's config or a test hands in as `externals`). Ports between modules live in kernel/ports/.
 */
export const ORDER_FLOWS = definePort<OrderFlows>('orders.flows', 'what the cross-module flows may do to an order');
export const ORDER_CANCELLATION = definePort<OrderCancellation>(
  'workflows.cancel-order',
  'the cancel that releases the hold before voiding the payment',
);
export const REFUND_INCIDENTS = definePort<RefundIncidents>(
  'workflows.refund-incidents',
  'a refund the payment provider kept refusing, raised as an incident for staff',
);
export const PAYMENTS_PROVIDER = definePort<PaymentProvider>(
  'payments.provider',
  'the payment provider orders authorise, void and capture with',
);
export const WAREHOUSE = definePort<Warehouse>('warehouse.fulfilment', "the distribution centres' shipping desk");
/** The hub's retention sweep archives old timelines through it (the hub looks for `<module>.retention`). */
export const ORDERS_RETENTION = definePort<RetentionTarget>(
  'orders.retention',
  'the timelines of orders that ended long ago, archived',
);
