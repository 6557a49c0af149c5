import type { CarrierKind, DeliveryChanged, DeliveryReturned, DeliverySpeed, DeliveryStatus } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { LocalDelivery } from './delivery-desk.js';

interface Row {
  id: string;
  order_number: string;
  reservation_id: string;
  status: string;
  speed: string;
  window_from: number;
  window_to: number;
  customer_name: string;
  area: string;
  lines: string;
  carrier_kind: string | null;
  carrier_name: string | null;
  driver_name: string | null;
  driver_vehicle: string | null;
  collect_by: number | null;
  age_restricted: number;
  updated_at: number;
  handed_at: number | null;
  handed_to: string | null;
  returned_at: number | null;
  applied_at: number | null;
  return_reason: string | null;
  return_units: number | null;
}

type Lines = { sku: string; qty: number }[];

const toLocal = (r: Row): LocalDelivery => ({
  id: r.id,
  orderNumber: r.order_number,
  reservationId: r.reservation_id,
  status: r.status as DeliveryStatus,
  speed: r.speed as DeliverySpeed,
  window: { from: r.window_from, to: r.window_to },
  customerName: r.customer_name,
  area: r.area,
  lines: JSON.parse(r.lines) as Lines,
  carrier: r.carrier_name ? { kind: r.carrier_kind as CarrierKind, name: r.carrier_name } : null,
  driver: r.driver_name ? { name: r.driver_name, vehicle: r.driver_vehicle ?? '' } : null,
  collectBy: r.collect_by,
  ageRestricted: r.age_restricted === 1,
  updatedAt: r.updated_at,
  handedAt: r.handed_at,
  handedTo: r.handed_to,
  returned:
    r.returned_at === null
      ? null
      : { at: r.returned_at, appliedAt: r.applied_at!, reason: r.return_reason!, units: r.return_units ?? 0 },
});

/** A delivery with its return, if any: the one shape every read of the desk gets. */
const SELECT = `SELECT d.*, r.returned_at, r.applied_at, r.reason AS return_reason,
    (SELECT sum(json_extract(l.value, '$.qty')) FROM json_each(r.lines) l) AS return_units
  FROM deliveries d LEFT JOIN delivery_returns r ON r.delivery_id = d.id`;

/** All SQL of the store's delivery desk. */
export class DeliveryRepository {
  readonly #get;
  readonly #byReservation;
  readonly #upsert;

  constructor(readonly db: SqliteDb) {
    this.#get = db.prepare(`${SELECT} WHERE d.id = ?`);
    this.#byReservation = db.prepare('SELECT order_number FROM deliveries WHERE reservation_id = ? LIMIT 1').pluck();
    // The newest copy by the hub's updatedAt wins (a parked entry replayed late does not undo a later one); what this
    // store did (handed_at, handed_to) is never in the SET: the hub's copy cannot undo a hand-over made here.
    this.#upsert = db.prepare(
      `INSERT INTO deliveries (id, order_number, reservation_id, status, speed, window_from, window_to, customer_name, area,
         lines, carrier_kind, carrier_name, driver_name, driver_vehicle, collect_by, age_restricted, updated_at)
       VALUES (@id, @orderNumber, @reservationId, @status, @speed, @windowFrom, @windowTo, @customerName, @area,
         @lines, @carrierKind, @carrierName, @driverName, @driverVehicle, @collectBy, @ageRestricted, @updatedAt)
       ON CONFLICT (id) DO UPDATE SET
         order_number = excluded.order_number, reservation_id = excluded.reservation_id, status = excluded.status,
         speed = excluded.speed, window_from = excluded.window_from, window_to = excluded.window_to,
         customer_name = excluded.customer_name, area = excluded.area, lines = excluded.lines,
         carrier_kind = excluded.carrier_kind, carrier_name = excluded.carrier_name, driver_name = excluded.driver_name,
         driver_vehicle = excluded.driver_vehicle, collect_by = excluded.collect_by,
         age_restricted = excluded.age_restricted, updated_at = excluded.updated_at
       WHERE excluded.updated_at > deliveries.updated_at`,
    );
  }

  /** Keeps the hub's copy unless this store already has one at least as new. True when it was taken. */
  upsertFromHub(d: DeliveryChanged): boolean {
    return (
      this.#upsert.run({
        id: d.id,
        orderNumber: d.orderNumber,
        reservationId: d.reservationId,
        status: d.status,
        speed: d.speed,
        windowFrom: d.window.from,
        windowTo: d.window.to,
        customerName: d.customerName,
        area: d.area,
        lines: JSON.stringify(d.lines),
        carrierKind: d.carrier?.kind ?? null,
        carrierName: d.carrier?.name ?? null,
        driverName: d.driver?.name ?? null,
        driverVehicle: d.driver?.vehicle ?? null,
        collectBy: d.collectBy,
        ageRestricted: d.ageRestricted ? 1 : 0,
        updatedAt: d.updatedAt,
      }).changes > 0
    );
  }

  get(id: string): LocalDelivery | undefined {
    const row = this.#get.get(id) as Row | undefined;
    return row && toLocal(row);
  }

  /**
   * The order number of the delivery `reservationId` is the hold of, if any. A cancelled one counts too: its order is
   * cancelled with it, so its hold is never a customer's pickup (the hub releases it).
   */
  orderLeavingBy(reservationId: string): string | undefined {
    return (this.#byReservation.get(reservationId) as string | undefined) ?? undefined;
  }

  /**
   * The desk's day [from, to): bags due for collection that day (by collect-by, else the window's start), bags from
   * before it still waiting for their driver, and bags handed over or back in stock that day.
   */
  day(from: number, to: number, limit: number): LocalDelivery[] {
    const rows = this.db
      .prepare(
        `WITH ids AS (
           SELECT id FROM deliveries WHERE coalesce(collect_by, window_from) >= @from AND coalesce(collect_by, window_from) < @to
           UNION SELECT id FROM deliveries WHERE handed_at IS NULL AND status IN ('REQUESTED', 'ASSIGNED') AND coalesce(collect_by, window_from) < @from
           UNION SELECT id FROM deliveries WHERE handed_at >= @from AND handed_at < @to
           UNION SELECT delivery_id FROM delivery_returns WHERE applied_at >= @from AND applied_at < @to
         )
         ${SELECT} WHERE d.id IN (SELECT id FROM ids)
         ORDER BY coalesce(d.collect_by, d.window_from), d.order_number LIMIT @limit`,
      )
      .all({ from, to, limit }) as Row[];
    return rows.map(toLocal);
  }

  /** Deliveries by order number: exactly (`SF-10482`), or ending in these digits (`10482`); the newest first. */
  search(q: { exact: string } | { digits: string }, limit: number): LocalDelivery[] {
    const rows = this.db
      .prepare(
        `${SELECT} WHERE ${'exact' in q ? 'd.order_number = @q' : "d.order_number LIKE '%' || @q"}
         ORDER BY coalesce(d.collect_by, d.window_from) DESC LIMIT @limit`,
      )
      .all({ q: 'exact' in q ? q.exact : q.digits, limit }) as Row[];
    return rows.map(toLocal);
  }

  markHanded(id: string, at: number, driverName: string): void {
    this.db.prepare('UPDATE deliveries SET handed_at = ?, handed_to = ? WHERE id = ?').run(at, driverName, id);
  }

  /**
   * Records the goods of a failed delivery as back at this store, once per delivery: false (nothing recorded) when
   * this delivery's return was recorded before.
   */
  recordReturn(r: DeliveryReturned, appliedAt: number, stockMoved: boolean): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO delivery_returns (delivery_id, order_number, lines, reason, returned_at, applied_at, stock_moved)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING`,
        )
        .run(r.id, r.orderNumber, JSON.stringify(r.lines), r.reason, r.at, appliedAt, stockMoved ? 1 : 0).changes > 0
    );
  }

  /** Names and categories of these skus from the store's copy of the catalog (skus it does not have are left out). */
  products(skus: readonly string[]): Map<string, { name: string; category: string }> {
    if (!skus.length) return new Map();
    const rows = this.db
      .prepare('SELECT sku, name, category FROM catalog_products WHERE sku IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify([...new Set(skus)])) as { sku: string; name: string; category: string }[];
    return new Map(rows.map((r) => [r.sku, { name: r.name, category: r.category }]));
  }
}
