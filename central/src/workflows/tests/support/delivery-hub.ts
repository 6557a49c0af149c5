import type { DeliveryRequest } from '@storefleet/shared';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub, type ApiAnswer } from '../../../../tests/support/test-hub.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import { provide } from '../../../kernel/ports.js';
import { PAYMENTS_PROVIDER } from '../../../modules/orders/index.js';
import { NOTIFICATIONS_SENDER } from '../../index.js';
import { deliveryModuleFake, type DeliveryDeskFake } from './delivery-desk-fake.js';
import { FlowHub, until } from './flow-hub.js';

/** A door `km` north of `from` (a degree of latitude is ~111.2 km). */
export const north = (from: { lat: number; lon: number }, km: number) => ({
  lat: from.lat + km / 111.195,
  lon: from.lon,
});

/** Where the test stores stand (TestHub registers every store there). */
export const STORE_AT = { lat: 40.7, lon: -74 };

/** What a customer asks for: within two hours, to a door `km` north of `from` (2 km north of the stores by default). */
export const twoHour = (from = STORE_AT, km = 2, over: Partial<DeliveryRequest> = {}): DeliveryRequest => ({
  speed: 'TWO_HOUR',
  address: { line1: '12 Canal Street', city: 'New York', postcode: '10013', ...north(from, km) },
  phone: '+1 212 555 0100',
  ...over,
});

/** A simulated carrier's behaviour: answers in `answerMs`, accepting every offer or none; never silent or failing. */
export const simulator = (accepts: boolean, answerMs: [number, number] = [0, 0]) => ({
  acceptRate: accepts ? 1 : 0,
  answerMs,
  silentRate: 0,
  dropOutRate: 0,
  failRate: 0,
});

/**
 * FlowHub with the hub's delivery module (carriers added through its API, simulated as their rows say), or — for the
 * one race real carriers cannot be made to run on demand — the desk stand-in `desk`.
 */
export class DeliveryFlowHub extends FlowHub {
  constructor(readonly desk?: DeliveryDeskFake) {
    super();
  }

  override async start(target: DbTarget, codes: [string, string]): Promise<this> {
    const fake = this.desk;
    const modules = fake
      ? [...(await discoverModules()).filter((m) => m.name !== 'delivery'), deliveryModuleFake(fake)]
      : undefined;
    this.t = await TestHub.start(target, {
      logLevel: 'silent',
      ...(modules ? { modules } : {}),
      externals: [provide(PAYMENTS_PROVIDER, this.payments), provide(NOTIFICATIONS_SENDER, this.notifier)],
    });
    this.admin = { cookie: await this.t.login() };
    this.storeA = await this.t.store(codes[0], this.admin.cookie!);
    this.storeB = await this.t.store(codes[1], this.admin.cookie!);
    return this;
  }

  /** Moves a store (and sets its zone), as head office edits a location. */
  async locate(storeId: string, at: { lat: number; lon: number; timezone?: string }): Promise<void> {
    const r = await this.t.call('PATCH', `/api/locations/${storeId}`, at, this.admin);
    if (r.status !== 200) throw new Error(`store ${storeId}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /**
   * A carrier added through the delivery module's API (GIG by default, 20 km around `at`; null for one that starts
   * from its `depotId`); its row and driver token.
   */
  async carrier(
    code: string,
    at: { lat: number; lon: number } | null,
    over: Record<string, unknown> = {},
  ): Promise<{ id: string; code: string; driverToken: string }> {
    const body = {
      code,
      name: `Carrier ${code}`,
      kind: 'GIG',
      ...(at ?? {}),
      radiusKm: 20,
      capacityGrams: 50_000,
      capacityStops: 10,
      speedKmh: 30,
      costBaseMinor: 400,
      costPerKmMinor: 50,
      ...over,
    };
    const r = await this.t.call('POST', '/api/delivery/carriers', body, this.admin);
    if (r.status !== 201) throw new Error(`carrier ${code}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
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

  /** The order's delivery as head office reads it (`GET /api/delivery/deliveries/:id`). */
  async delivery(order: { fulfilmentRef: string }): Promise<any> {
    const id = order.fulfilmentRef.slice('delivery:'.length);
    const r = await this.t.call('GET', `/api/delivery/deliveries/${id}`, undefined, this.admin);
    if (r.status !== 200) throw new Error(`delivery ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Waits (bounded) for the order's delivery to reach `status`. */
  deliveryReaches(order: { fulfilmentRef: string }, status: string): Promise<any> {
    return until(
      () => this.delivery(order),
      (d) => d.delivery.status === status,
      `delivery ${status}`,
    );
  }

  async reserved(storeId: string, sku: string): Promise<number> {
    const { rows } = await this.t.hub.db.query<{ r: number }>(
      'SELECT reserved AS r FROM inventory_stock WHERE store_id = $1 AND sku = $2',
      [storeId, sku],
    );
    return Number(rows[0]?.r ?? 0);
  }
}
