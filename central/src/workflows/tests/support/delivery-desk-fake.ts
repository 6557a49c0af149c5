import type { Db } from '../../../db/db.js';
import type { HubModule } from '../../../kernel/module-contract.js';
import { provide } from '../../../kernel/ports.js';
import { DELIVERY_DESK, type DeliveryDesk, type DeliveryOrder } from '../../../kernel/ports/delivery.js';
import { DELIVERY_HOOKS, type DeliveryHooks } from '../../../modules/delivery/index.js';

const HOUR = 3_600_000;

/**
 * A stand-in for the delivery module, for the one race real carriers cannot be made to run on demand (every carrier
 * declining before `request` has returned to the saga): it promises every delivery, and with `declinedAtOnce` set
 * tells the workflows' `unassigned` hook — in a transaction of the hub's database, as the module does — before
 * `request` returns. Cancels are recorded; a cancel of an unassigned delivery is a no-op, as the module's is.
 */
export class DeliveryDeskFake implements DeliveryDesk {
  readonly requests = new Map<string, { id: string; order: DeliveryOrder; status: string }>();
  declinedAtOnce: string | null = null;
  #db?: Db;
  #hooks?: () => DeliveryHooks | undefined;

  attach(db: Db, hooks: () => DeliveryHooks | undefined): void {
    this.#db = db;
    this.#hooks = hooks;
  }

  async promise(): ReturnType<DeliveryDesk['promise']> {
    return { ok: true, window: { from: Date.now(), to: Date.now() + 2 * HOUR }, carriers: 1 };
  }

  async request(order: DeliveryOrder): ReturnType<DeliveryDesk['request']> {
    const made = this.requests.get(order.orderId) ?? {
      id: `0190a000-0000-7000-8000-${String(this.requests.size + 1).padStart(12, '0')}`,
      order,
      status: 'REQUESTED',
    };
    this.requests.set(order.orderId, made);
    if (this.declinedAtOnce && made.status === 'REQUESTED') {
      made.status = 'UNASSIGNED';
      const reason = this.declinedAtOnce;
      const outcome = {
        deliveryId: made.id,
        orderId: order.orderId,
        orderNumber: order.orderNumber,
        storeId: order.storeId,
        at: Date.now(),
        reason,
      };
      await this.#db!.transaction((tx) => this.#hooks!()!.unassigned(tx, outcome));
    }
    return { deliveryId: made.id, window: { from: Date.now(), to: Date.now() + 2 * HOUR } };
  }

  async cancel(orderId: string): Promise<void> {
    const d = this.requests.get(orderId);
    if (d?.status === 'REQUESTED') d.status = 'CANCELLED';
  }
}

/** The stand-in as the hub's `delivery` module: it provides the desk and asks for the hooks. */
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
