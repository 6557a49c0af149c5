import type { Warehouse } from './types.js';

/** The distribution centres' shipping desk, simulated: shipments by the order's key; tests make it refuse. */
export class SimulatedWarehouse implements Warehouse {
  readonly shipments = new Map<string, { dcId: string; cancelled: boolean }>();
  refuseNext = 0;

  async createShipment(req: {
    key: string;
    dcId: string;
    lines: readonly { sku: string; qty: number }[];
  }): Promise<{ ref: string }> {
    const existing = this.shipments.get(req.key);
    if (existing && !existing.cancelled) return { ref: `ship-${req.key}` };
    if (this.refuseNext > 0) {
      this.refuseNext--;
      throw new Error('the distribution centre cannot take shipments now');
    }
    this.shipments.set(req.key, { dcId: req.dcId, cancelled: false });
    return { ref: `ship-${req.key}` };
  }

  async cancelShipment(key: string): Promise<void> {
    const s = this.shipments.get(key);
    if (s) s.cancelled = true;
  }

  active(key: string): boolean {
    return this.shipments.get(key)?.cancelled === false;
  }
}
