import type { DeliveryRequest } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { definePort } from '../ports.js';

/** An order to bring to the customer's door, as the orders module hands it to the delivery module. */
export interface DeliveryOrder {
  readonly orderId: string;
  /** `SF-10482` */
  readonly orderNumber: string;
  /** The store the goods leave from (the order's hold is there). */
  readonly storeId: string;
  /** The order's hold at that store: the store hands it over when the driver collects. */
  readonly reservationId: string;
  readonly customerName: string;
  readonly request: DeliveryRequest;
  readonly lines: readonly { readonly sku: string; readonly qty: number }[];
}

/** The window the hub promises, or why it cannot promise one (a sentence for the customer). */
export type DeliveryPromise =
  | { readonly ok: true; readonly window: { readonly from: number; readonly to: number }; readonly carriers: number }
  | { readonly ok: false; readonly reason: string };

/**
 * What the orders module asks of the delivery module (the saga's FULFIL step for DELIVERY and its compensation).
 * Every method is idempotent by the order's id, so a saga resumed after a crash repeats them harmlessly.
 */
export interface DeliveryDesk {
  /** Whether some carrier can keep the promise for these goods from this store, now; writes nothing. */
  promise(order: Omit<DeliveryOrder, 'orderId' | 'orderNumber' | 'reservationId'>): Promise<DeliveryPromise>;
  /**
   * Creates the order's delivery (or finds the one created before a crash) and starts offering it to carriers. Throws
   * an `AppError` ('unprocessable') with a sentence for the customer when no carrier can keep the promise.
   */
  request(
    order: DeliveryOrder,
  ): Promise<{ readonly deliveryId: string; readonly window: { from: number; to: number } }>;
  /**
   * Cancels the order's delivery: outstanding offers withdrawn, the assigned carrier told. A delivery never created,
   * or already cancelled, is a no-op; one already handed to the driver is refused (`ConflictError`). With `tx`, it runs
   * inside the caller's transaction (the order's cancel: the hold released and the delivery cancelled commit together,
   * or neither does); its row is locked after whatever the caller locked first.
   */
  cancel(orderId: string, tx?: Queryable): Promise<void>;
}

export const DELIVERY_DESK = definePort<DeliveryDesk>(
  'delivery.desk',
  'the last-mile desk DELIVERY orders are handed to (the promise, the carrier, the route)',
);
