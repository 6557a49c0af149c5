import type { DeliveryRequest, Fulfilment, FulfilmentType } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { Compensation, OrderStatus, Step } from './saga-rules.js';

export interface OrderLine {
  readonly sku: string;
  readonly name: string;
  readonly qty: number;
  readonly unitPriceMinor: number;
  readonly taxClass: string;
  /** What promotions took off this line, minor units (priced through PRICING; absent on orders placed before). */
  readonly discountMinor?: number;
}

/** A promotion an order's price applied (issue #25), as the order keeps it. */
export interface OrderPromotion {
  readonly promotionId: string;
  readonly name: string;
  readonly discountMinor: number;
}

/** A coupon an order took (redeemed in the order's insert transaction). */
export interface OrderCoupon {
  readonly couponId: string;
  readonly promotionId: string;
  readonly discountMinor: number;
}

export interface OrderFulfilment extends Fulfilment {
  readonly type: FulfilmentType;
  /** Where the stock is held: the store, or for SHIP the distribution centre chosen at RESERVE. */
  readonly locationId: string | null;
  readonly parkingSpot?: string | null;
  readonly checkedInAt?: number | null;
  /** DELIVERY only: what the customer asked for (speed, address with coordinates, phone), as placed. */
  readonly delivery?: DeliveryRequest;
  /** DELIVERY only: the window the delivery desk promised when the saga handed the order over (FULFIL). */
  readonly promisedWindow?: { readonly from: number; readonly to: number };
}

export interface Order {
  readonly id: string;
  /** What people read out and type (`SF-10482`): unique, from a sequence; `id` stays the internal key. */
  readonly orderNumber: string;
  readonly customerId: string;
  /** As the store's pickup list shows it. */
  readonly customerName: string;
  readonly placeKey: string;
  /** The store whose lane or kiosk placed it; null when the web, an app or head office did. */
  readonly placedStoreId: string | null;
  readonly status: OrderStatus;
  readonly step: Step | 'DONE';
  readonly compensations: Compensation[];
  readonly endStatus: 'FAILED' | 'CANCELLED' | null;
  readonly fulfilment: OrderFulfilment;
  readonly lines: OrderLine[];
  readonly fromCart: boolean;
  /** Σ lines' net (after discounts), what tax is charged on. */
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  /** What promotions took off the order in all (0 when it was not priced through PRICING). */
  readonly discountMinor: number;
  readonly promotions: readonly OrderPromotion[];
  readonly coupons: readonly OrderCoupon[];
  readonly currency: string;
  readonly reservationId: string | null;
  readonly paymentAttempted: boolean;
  readonly paymentRef: string | null;
  readonly fulfilmentRef: string | null;
  readonly failure: string | null;
  /** Set when a store handed the goods over: when (the store's clock) and which store. */
  readonly pickedUp: { readonly at: number; readonly storeId: string } | null;
  /** When the authorised payment was captured (after the hand-over). */
  readonly paymentCapturedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface OrderEvent {
  readonly seq: number;
  readonly at: number;
  readonly kind: string;
  readonly detail: unknown;
}

/**
 * Cancels an order across modules (the hub's workflows provide it as `workflows.cancel-order`): the hold is released
 * before the payment is voided, and an order already handed over is refused (409).
 */
export interface OrderCancellation {
  cancel(orderId: string): Promise<Order>;
}

/** A refund the `orders.retry-refunds` job gave up on, for staff to finish by hand. */
export interface RefundGivenUp {
  readonly orderId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly attempts: number;
  /** What the provider's last failure said. */
  readonly lastError: string;
  readonly at: number;
}

/** Where the orders module reports a refund the provider kept refusing (the workflows layer: an incident). */
export interface RefundIncidents {
  /** Called in the transaction that records the give-up (`tx`), so both commit or neither. */
  refundKeepsFailing(tx: Queryable, refund: RefundGivenUp): Promise<void>;
}

/** A distribution centre's shipping desk: an external system, simulated until one is connected. */
export interface Warehouse {
  createShipment(req: {
    key: string;
    dcId: string;
    lines: readonly { sku: string; qty: number }[];
  }): Promise<{ ref: string }>;
  cancelShipment(key: string): Promise<void>;
}
