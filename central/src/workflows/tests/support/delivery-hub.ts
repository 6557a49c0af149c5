import type { DeliveryRequest } from '@storefleet/shared';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub, type ApiAnswer } from '../../../../tests/support/test-hub.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import { provide } from '../../../kernel/ports.js';
import { PAYMENTS_PROVIDER } from '../../../modules/orders/index.js';
import { NOTIFICATIONS_SENDER } from '../../index.js';
import { DeliveryDeskFake, deliveryModuleFake } from './delivery-desk-fake.js';
import { FlowHub } from './flow-hub.js';

/** What a customer asks for: within two hours, to a door a few km from the stores (which stand at 40.7, -74). */
export const twoHour = (over: Partial<DeliveryRequest> = {}): DeliveryRequest => ({
  speed: 'TWO_HOUR',
  address: { line1: '12 Canal Street', city: 'New York', postcode: '10013', lat: 40.72, lon: -74.0 },
  phone: '+1 212 555 0100',
  ...over,
});

/** FlowHub whose delivery module is the desk stand-in (`desk`), with a helper to place DELIVERY orders. */
export class DeliveryFlowHub extends FlowHub {
  readonly desk = new DeliveryDeskFake();

  override async start(target: DbTarget, codes: [string, string]): Promise<this> {
    const modules = [...(await discoverModules()).filter((m) => m.name !== 'delivery'), deliveryModuleFake(this.desk)];
    this.t = await TestHub.start(target, {
      logLevel: 'silent',
      modules,
      externals: [provide(PAYMENTS_PROVIDER, this.payments), provide(NOTIFICATIONS_SENDER, this.notifier)],
    });
    this.admin = { cookie: await this.t.login() };
    this.storeA = await this.t.store(codes[0], this.admin.cookie!);
    this.storeB = await this.t.store(codes[1], this.admin.cookie!);
    return this;
  }

  /** A new customer's DELIVERY order from `storeId`, as placed (the answer, whatever it is). */
  async placeDelivery(
    storeId: string,
    sku: string,
    qty: number,
    key: string,
    delivery: unknown = twoHour(),
  ): Promise<ApiAnswer & { customerId: string }> {
    const customerId = (await this.t.call('POST', '/api/customers', { name: `Dana ${key}` }, this.admin)).body
      .id as string;
    const placed = await this.t.call(
      'POST',
      '/api/orders',
      { customerId, placeKey: key, lines: [{ sku, qty }], fulfilment: { type: 'DELIVERY', storeId, delivery } },
      this.admin,
    );
    return { ...placed, customerId };
  }

  async reserved(storeId: string, sku: string): Promise<number> {
    const { rows } = await this.t.hub.db.query<{ r: number }>(
      'SELECT reserved AS r FROM inventory_stock WHERE store_id = $1 AND sku = $2',
      [storeId, sku],
    );
    return Number(rows[0]?.r ?? 0);
  }
}
