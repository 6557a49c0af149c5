import {
  AppError,
  ConflictError,
  NotFoundError,
  parseEventPayload,
  ValidationError,
  type DeliveryHandedToDriver,
  type FeedEntry,
} from '@storefleet/shared';
import type { SyncLogger } from '@storefleet/sync';
import type { BopisService } from '../bopis/bopis-service.js';
import { StockLedger } from '../stock/stock-ledger.js';
import type { Emit, StoreSync } from '../sync/store-sync.js';
import type { DeliveryRepository } from './delivery-repository.js';
import {
  groupByCollector,
  handRefusal,
  orderNumberTyped,
  storeDay,
  type DeskDelivery,
  type DeskGroup,
  type LocalDelivery,
} from './delivery-desk.js';

/** Bags the desk lists for one day at most (a busy store sends a few hundred). */
export const DESK_DAY_LIMIT = 500;

/**
 * The store's delivery desk (issue #18): what leaves from this store, from the hub's feed, and the hand-over to the
 * driver, offline too. Handing a bag over is ONE local write: the order's hold is handed over as a pickup is (PICKUP
 * stock movements, `reservation.picked-up`) and `delivery.handed-to-driver` goes into the outbox beside them; the hub
 * hears both whenever it is reachable. Goods of a failed delivery come back through the feed (`delivery.returned`)
 * and are put back into stock once per delivery.
 */
export class DeliveryService {
  readonly stock: StockLedger;
  /** Appends to the outbox inside the feed's transaction (a return's stock movements go up like any other). */
  readonly #feedEmit: Emit;

  /** @param profile The store's time zone (`StoreProfile`): "today" and every time the desk shows are the store's. */
  constructor(
    readonly repo: DeliveryRepository,
    readonly sync: StoreSync,
    readonly bopis: BopisService,
    readonly now: () => number,
    readonly profile: { readonly timeZone: string },
    readonly log: SyncLogger,
  ) {
    this.stock = new StockLedger(repo.db);
    this.#feedEmit = Object.assign((type: string, payload: unknown) => sync.outbox.append(type, payload), {
      all: (events: readonly { type: string; payload: unknown }[]) => sync.outbox.appendAll(events),
    });
  }

  /**
   * Feed handler for `delivery.changed`: keeps the newest copy by the hub's `updatedAt`. A payload that is not a
   * delivery (shared schema) throws: the entry is parked, the rest of the page applies.
   */
  applyChanged(entry: FeedEntry): void {
    this.repo.upsertFromHub(parseEventPayload('delivery.changed', entry.payload));
  }

  /**
   * Feed handler for `delivery.returned`: puts each line back into stock (a RETURN movement, ref `delivery:<id>`), once
   * per delivery however often the entry comes. Goods this store never handed over never left its count: their return
   * is recorded (the desk shows it) and moves no stock.
   */
  applyReturned(entry: FeedEntry): void {
    const r = parseEventPayload('delivery.returned', entry.payload);
    const d = this.repo.get(r.id);
    const handedHere = !d || d.handedAt !== null || this.bopis.repo.get(d.reservationId)?.status === 'FULFILLED';
    if (!this.repo.recordReturn(r, this.now(), handedHere)) return;
    if (!handedHere) {
      this.log.warn(
        { deliveryId: r.id, orderNumber: r.orderNumber },
        'goods of a delivery came back that this store never handed over: no stock moved',
      );
      return;
    }
    const moves = r.lines.map((l) => ({ sku: l.sku, delta: l.qty }));
    this.stock.moveAll(this.#feedEmit, moves, 'RETURN', this.now(), `delivery:${r.id}`);
    // The uploader is woken after the feed page commits (a feed page does not wake it by itself).
    setImmediate(() => {
      try {
        this.sync.client?.outboxChanged();
      } catch (err) {
        this.log.warn({ err }, 'could not wake the uploader after a delivery return; it goes up with the next event');
      }
    });
  }

  /** The order number of the delivery a hold is for, if any (the pickup desk never hands such a hold to a customer). */
  leavesByDelivery(reservationId: string): string | undefined {
    return this.repo.orderLeavingBy(reservationId);
  }

  /** Today at the store: every bag grouped by who collects it. */
  today(): { day: string; timeZone: string; groups: DeskGroup[] } {
    const timeZone = this.profile.timeZone;
    const { day, from, to } = storeDay(this.now(), timeZone);
    return { day, timeZone, groups: groupByCollector(this.#desk(this.repo.day(from, to, DESK_DAY_LIMIT))) };
  }

  /**
   * Bags by order number (`SF-10482`, `sf 10482`, or its digits), any day, grouped as the day's list is; throws a
   * validation error for text that is not an order number.
   */
  find(q: string, limit: number): { timeZone: string; groups: DeskGroup[] } {
    const typed = orderNumberTyped(q);
    if (!typed) throw new ValidationError('search the delivery desk by order number, like SF-10482');
    // Digits are most often the whole number (`10482`): that is one indexed look-up; only when it finds nothing are
    // they read as the number's end, which reads every order number.
    const exact = 'digits' in typed ? this.repo.search({ exact: `SF-${typed.digits}` }, limit) : [];
    const found = exact.length ? exact : this.repo.search(typed, limit);
    return { timeZone: this.profile.timeZone, groups: groupByCollector(this.#desk(found)) };
  }

  get(id: string): DeskDelivery {
    const d = this.repo.get(id);
    if (!d) throw new NotFoundError('delivery', id);
    return this.#desk([d])[0]!;
  }

  /**
   * The goods of delivery `id` go to its driver: in one local write, the order's hold is handed over (stock moves,
   * `reservation.picked-up`) and `delivery.handed-to-driver` is emitted. Needs no hub. Refused with a sentence (409)
   * when the delivery is cancelled or unassigned, has no driver yet, has left already, or its hold is not open here.
   * @param driverName The driver's name as the associate checked it; the assigned driver's when absent.
   */
  handToDriver(id: string, driverName?: string): DeskDelivery {
    return this.sync.write((emit) => {
      const d = this.repo.get(id);
      if (!d) throw new NotFoundError('delivery', id);
      const refusal = handRefusal(d, this.profile.timeZone);
      if (refusal) throw new ConflictError(refusal, { status: d.status });
      try {
        this.bopis.handOver(d.reservationId, 'driver'); // a savepoint of this write
      } catch (err) {
        if (err instanceof NotFoundError)
          throw new ConflictError(
            `the hold of ${d.orderNumber} has not reached this store yet: wait for the sync, then try again`,
          );
        if (err instanceof AppError)
          throw new ConflictError(`${d.orderNumber} cannot be handed over: ${err.message}`, { status: d.status });
        throw err;
      }
      const at = this.now();
      const name = driverName ?? d.driver!.name;
      emit('delivery.handed-to-driver', { deliveryId: d.id, at, driverName: name } satisfies DeliveryHandedToDriver);
      this.repo.markHanded(d.id, at, name);
      return this.#desk([this.repo.get(d.id)!])[0]!;
    });
  }

  /** Bags as the desk shows them: product names from the store's catalog, units, and why a hand-over is refused. */
  #desk(list: readonly LocalDelivery[]): DeskDelivery[] {
    const products = this.repo.products(list.flatMap((d) => d.lines.map((l) => l.sku)));
    const zone = this.profile.timeZone;
    return list.map((d) => ({
      ...d,
      lines: d.lines.map((l) => ({ ...l, name: products.get(l.sku)?.name, category: products.get(l.sku)?.category })),
      units: d.lines.reduce((n, l) => n + l.qty, 0),
      refusal: handRefusal(d, zone),
    }));
  }
}
