import { hlcEncode } from '@storefleet/shared';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';
import { provide } from '../../../kernel/ports.js';
import { PAYMENTS_PROVIDER, SimulatedPaymentProvider } from '../../../modules/orders/index.js';
import { NOTIFICATIONS_SENDER, SimulatedNotifier } from '../../index.js';

/** Bounded wait for what a runner does after a commit (the saga's runner, the capture runner, the sender: each second). */
export async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

/**
 * A hub with the payment provider and notification sender simulators, two stores at the same spot (each the
 * other's nearest) and an admin; helpers to stock them, place a pickup order and send a store's events up.
 */
export class FlowHub {
  readonly payments = new SimulatedPaymentProvider(150);
  readonly notifier = new SimulatedNotifier();
  readonly #seqs = new Map<string, number>();
  t!: TestHub;
  admin!: Caller;
  storeA!: { id: string; token: string };
  storeB!: { id: string; token: string };

  async start(target: DbTarget, codes: [string, string]): Promise<this> {
    this.t = await TestHub.start(target, {
      logLevel: 'silent',
      externals: [provide(PAYMENTS_PROVIDER, this.payments), provide(NOTIFICATIONS_SENDER, this.notifier)],
    });
    this.admin = { cookie: await this.t.login() };
    this.storeA = await this.t.store(codes[0], this.admin.cookie!);
    this.storeB = await this.t.store(codes[1], this.admin.cookie!);
    return this;
  }

  stop(): Promise<void> {
    return this.t?.stop();
  }

  async products(...skus: string[]): Promise<void> {
    const items = skus.map((sku) => ({ sku, name: sku, category: 'Home', priceMinor: 2500, taxClass: 'STANDARD' }));
    await this.t.call('POST', '/api/catalog/products/import', { items }, this.admin);
  }

  /** An event from `storeId`'s outbox, as the sync server applies it; `atMs` is the store's clock. */
  async storeEvent(storeId: string, type: string, payload: unknown, atMs = Date.now()): Promise<void> {
    const seq = (this.#seqs.get(storeId) ?? 0) + 1;
    this.#seqs.set(storeId, seq);
    await this.t.hub.sync.repo.applyBatch(
      storeId,
      [{ origin: storeId, seq, hlc: hlcEncode({ wallMs: atMs, counter: 0, node: storeId }), type, payload }],
      0,
    );
  }

  stock(storeId: string, sku: string, delta: number, kind: 'RECEIVE' | 'SALE'): Promise<void> {
    return this.storeEvent(storeId, 'stock.moved', { sku, delta, kind });
  }

  /** A confirmed pickup order at `storeId` (its id, hold and total). */
  async placePickup(
    storeId: string,
    sku: string,
    qty: number,
    key: string,
  ): Promise<{ id: string; reservationId: string; totalMinor: number; customerId: string }> {
    const customerId = (await this.t.call('POST', '/api/customers', { name: `Customer ${key}` }, this.admin)).body
      .id as string;
    const placed = await this.t.call(
      'POST',
      '/api/orders',
      { customerId, placeKey: key, lines: [{ sku, qty }], fulfilment: { type: 'PICKUP', storeId } },
      this.admin,
    );
    if (placed.body.status !== 'CONFIRMED') throw new Error(`order not confirmed: ${JSON.stringify(placed.body)}`);
    return {
      id: placed.body.id,
      reservationId: placed.body.reservationId,
      totalMinor: placed.body.totalMinor,
      customerId,
    };
  }

  /**
   * A workflow incident, raised as in the field: head office cancels a pickup order, then its store's hand-over of
   * the hold (done offline, at `handedOverAt`) reaches the hub.
   */
  async handedOverAfterCancel(
    storeId: string,
    sku: string,
    key: string,
    handedOverAt = Date.now(),
  ): Promise<{ id: string; reservationId: string }> {
    const order = await this.placePickup(storeId, sku, 1, key);
    const cancel = await this.t.call('POST', `/api/orders/${order.id}/cancel`, undefined, this.admin);
    if (cancel.status !== 200) throw new Error(`cancel failed: ${JSON.stringify(cancel.body)}`);
    await this.storeEvent(storeId, 'reservation.picked-up', { reservationId: order.reservationId }, handedOverAt);
    return order;
  }

  async order(id: string): Promise<{
    status: string;
    orderNumber: string;
    pickedUp: { storeId: string; at: number } | null;
    fulfilment: { storeId: string };
    timeline: { kind: string; detail: any }[];
  }> {
    return (await this.t.call('GET', `/api/orders/${id}`, undefined, this.admin)).body;
  }

  async hold(id: string): Promise<{ status: string; storeId: string }> {
    return (await this.t.call('GET', `/api/reservations/${id}`, undefined, this.admin)).body;
  }
}

export const kinds = (o: { timeline: { kind: string }[] }) => o.timeline.map((e) => e.kind);
