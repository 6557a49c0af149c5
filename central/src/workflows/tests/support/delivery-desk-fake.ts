import { AppError, ConflictError } from '@storefleet/shared';
import type { Db } from '../../../db/db.js';
import type { HubModule } from '../../../kernel/module-contract.js';
import { provide } from '../../../kernel/ports.js';
import { DELIVERY_DESK, type DeliveryDesk, type DeliveryOrder } from '../../../kernel/ports/delivery.js';
import { DELIVERY_HOOKS, type DeliveryHooks } from '../../../modules/delivery/index.js';

const HOUR = 3_600_000;

/**
 * A stand-in for the delivery module while it is being built: answers the promise as told, records requests and
 * cancels by order, refuses a cancel once told the driver has the goods, and calls the workflows' hooks in a
 * transaction of the hub's database, as the module does.
 */
export class DeliveryDeskFake implements DeliveryDesk {
  readonly requests = new Map<string, { id: string; order: DeliveryOrder; status: string }>();
  /** Why no carrier can keep the promise (promise answers it; request refuses with it when `lostAtRequest`). */
  noCarrier: string | null = null;
  lostAtRequest: string | null = null;
  /** Every carrier declines at once: the delivery is unassigned before `request` returns (its saga still running). */
  declinedAtOnce: string | null = null;
  #db?: Db;
  #hooks?: () => DeliveryHooks | undefined;

  attach(db: Db, hooks: () => DeliveryHooks | undefined): void {
    this.#db = db;
    this.#hooks = hooks;
  }

  async promise(): ReturnType<DeliveryDesk['promise']> {
    if (this.noCarrier) return { ok: false, reason: this.noCarrier };
    return { ok: true, window: { from: Date.now(), to: Date.now() + 2 * HOUR }, carriers: 1 };
  }

  async request(order: DeliveryOrder): ReturnType<DeliveryDesk['request']> {
    if (this.lostAtRequest) throw new AppError('unprocessable', this.lostAtRequest);
    const made = this.requests.get(order.orderId) ?? {
      id: `0190a000-0000-7000-8000-${String(this.requests.size + 1).padStart(12, '0')}`,
      order,
      status: 'REQUESTED',
    };
    this.requests.set(order.orderId, made);
    if (this.declinedAtOnce) {
      made.status = 'UNASSIGNED';
      await this.tell('unassigned', order.orderId, { reason: this.declinedAtOnce });
    }
    return { deliveryId: made.id, window: { from: 1_800_000_000_000, to: 1_800_000_000_000 + 2 * HOUR } };
  }

  async cancel(orderId: string): Promise<void> {
    const d = this.requests.get(orderId);
    if (!d || d.status === 'CANCELLED' || d.status === 'UNASSIGNED') return;
    if (d.status === 'OUT_FOR_DELIVERY') throw new ConflictError(`delivery ${d.id} is out for delivery`);
    d.status = 'CANCELLED';
  }

  /** The delivery module telling the flows, inside its transaction. */
  async tell<K extends keyof DeliveryHooks>(
    kind: K,
    orderId: string,
    extra: Omit<Parameters<DeliveryHooks[K]>[1], 'deliveryId' | 'orderId' | 'orderNumber' | 'storeId' | 'at'>,
  ): Promise<void> {
    const d = this.requests.get(orderId)!;
    const outcome = {
      deliveryId: d.id,
      orderId,
      orderNumber: d.order.orderNumber,
      storeId: d.order.storeId,
      at: Date.now(),
      ...extra,
    };
    await this.#db!.transaction((tx) =>
      (this.#hooks!()![kind] as (tx: unknown, o: unknown) => Promise<void>)(tx, outcome),
    );
  }
}

/** The fake as the hub's `delivery` module: it provides the desk and asks for the hooks. */
export function deliveryModuleFake(desk: DeliveryDeskFake): HubModule {
  return {
    name: 'delivery',
    uses: [DELIVERY_HOOKS],
    provides: () => [provide(DELIVERY_DESK, desk)],
    async start(ctx) {
      desk.attach(ctx.db, () => ctx.services.find(DELIVERY_HOOKS));
    },
  };
}
