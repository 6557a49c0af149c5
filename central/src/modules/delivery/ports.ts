import type { Queryable } from '../../db/db.js';
import { definePort } from '../../kernel/ports.js';

/** A delivery as the hub's flows hear of it. */
export interface DeliveryOutcome {
  readonly deliveryId: string;
  readonly orderId: string;
  readonly orderNumber: string;
  readonly storeId: string;
  readonly at: number;
}

/**
 * What the delivery module tells the hub's cross-module flows (`central/src/workflows/delivery-to-order.ts` provides
 * it as the port `DELIVERY_HOOKS`; absent, nobody is told). Each is called inside the transaction that changes the
 * delivery, with its row locked: what a hook writes commits or rolls back with it; nothing external is called inside.
 */
export interface DeliveryHooks {
  /** A carrier accepted: the order's timeline says who brings it and when. */
  assigned(
    tx: Queryable,
    d: DeliveryOutcome & { readonly carrier: string; readonly eta: number | null },
  ): Promise<void>;
  /** No carrier accepted while the promise could still be kept: the order is cancelled and its payment voided. */
  unassigned(tx: Queryable, d: DeliveryOutcome & { readonly reason: string }): Promise<void>;
  /** Delivered, with its proof (a photo or signature reference; whether an age check PIN was taken). */
  delivered(
    tx: Queryable,
    d: DeliveryOutcome & { readonly proof: { readonly kind: string; readonly ref: string } },
  ): Promise<void>;
  /** Failed at the door: the goods go back to the store (RETURNING); the order's timeline says why. */
  failed(tx: Queryable, d: DeliveryOutcome & { readonly reason: string }): Promise<void>;
  /** The goods of a failed delivery are back in the store's stock: the order is refunded. */
  returned(tx: Queryable, d: DeliveryOutcome): Promise<void>;
}

/** A port the workflows layer fills (it may import this module; other modules never ask for it). */
export const DELIVERY_HOOKS = definePort<DeliveryHooks>(
  'delivery.hooks',
  'the flows told when a delivery is assigned, not assigned, delivered, failed or returned',
);
