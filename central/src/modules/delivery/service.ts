import { AppError, ConflictError, NotFoundError, uuidv7, type DeliveryRequest } from '@storefleet/shared';
import type { Db, Queryable } from '../../db/db.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import type { CatalogProducts } from '../../kernel/ports/catalog.js';
import type { DeliveryDesk, DeliveryOrder, DeliveryPromise } from '../../kernel/ports/delivery.js';
import type { Assignment, Ranked } from './assignment.js';
import type { CarrierNetwork } from './carriers/carrier.js';
import { storeCopy } from './feed-copy.js';
import { goodsOf } from './goods.js';
import { clockTime } from './local-time.js';
import { noCarrierSentence, windowFor, type Job, type Window } from './promise.js';
import { DeliveryRepository, type DeliveryEvent } from './repository.js';
import type { Carrier, Delivery, Offer } from './types.js';

/** Speeds from the fastest; a refusal names the first slower one that a carrier can keep. */
const SLOWER: Record<DeliveryRequest['speed'], readonly ('SAME_DAY' | 'NEXT_DAY')[]> = {
  TWO_HOUR: ['SAME_DAY', 'NEXT_DAY'],
  SAME_DAY: ['NEXT_DAY'],
  NEXT_DAY: [],
  WINDOW: ['NEXT_DAY'],
};
const SPEED_WORDS = { SAME_DAY: 'same-day', NEXT_DAY: 'next-day' } as const;
const GONE = ['OUT_FOR_DELIVERY', 'ARRIVING', 'DELIVERED', 'FAILED', 'RETURNING', 'RETURNED'] as const;

/** A carrier as deliveries and offers name it. */
export type CarrierSummary = Pick<Carrier, 'id' | 'code' | 'name' | 'kind'>;

/** One delivery with everything the console shows of it. */
export interface DeliveryDetail {
  readonly delivery: Delivery;
  readonly carrier: CarrierSummary | null;
  readonly offers: readonly (Offer & { readonly carrier: CarrierSummary | null })[];
  readonly timeline: readonly DeliveryEvent[];
}

const summary = (c: Carrier | undefined): CarrierSummary | null =>
  c ? { id: c.id, code: c.code, name: c.name, kind: c.kind } : null;

/**
 * The delivery desk (the DELIVERY_DESK port orders call, and the reads of the routes): the promise checked against
 * the carriers that could keep it, the delivery created once per order and offered (assignment.ts), cancelled before
 * the goods leave the store.
 */
export class DeliveryService implements DeliveryDesk {
  constructor(
    readonly db: Db,
    readonly now: () => number,
    readonly feed: FeedWriter,
    readonly catalog: () => CatalogProducts,
    readonly assignment: Assignment,
    readonly network: CarrierNetwork,
  ) {}

  async promise(order: Omit<DeliveryOrder, 'orderId' | 'orderNumber' | 'reservationId'>): Promise<DeliveryPromise> {
    const p = await this.#promise(order);
    return p.ok ? { ok: true, window: p.job.window, carriers: p.ranked.length } : { ok: false, reason: p.reason };
  }

  async #promise(
    order: Pick<DeliveryOrder, 'storeId' | 'request' | 'lines'>,
  ): Promise<
    | { ok: true; job: Job; ranked: Ranked[]; goods: { weightGrams: number; ageRestricted: boolean } }
    | { ok: false; reason: string }
  > {
    const now = this.now();
    const store = await this.assignment.origin(this.db, order.storeId);
    if (!store) return { ok: false, reason: `the store ${order.storeId} is not known to the hub` };
    const products = await this.catalog().many([...new Set(order.lines.map((l) => l.sku))]);
    const goods = goodsOf(order.lines, products);
    const jobFor = (window: Window): Job => ({
      store,
      door: { lat: order.request.address.lat, lon: order.request.address.lon },
      ...goods,
      window,
    });
    // The first slower speed some carrier can keep, for the refusal's last words.
    const slower = async () => {
      for (const speed of SLOWER[order.request.speed]) {
        const w = windowFor({ speed }, now, store);
        if (w.ok && (await this.assignment.rank(this.db, jobFor(w.window), null)).length) return SPEED_WORDS[speed];
      }
      return null;
    };
    const w = windowFor(order.request, now, store);
    if (!w.ok) {
      const alternative = await slower();
      return { ok: false, reason: `${w.reason}${alternative ? `; ${alternative} delivery can` : ''}` };
    }
    const job = jobFor(w.window);
    const ranked = await this.assignment.rank(this.db, job, null);
    if (ranked.length) return { ok: true, job, ranked, goods };
    const weighed = await this.assignment.blockers(this.db, job, null);
    return { ok: false, reason: noCarrierSentence(job, now, weighed, await slower()) };
  }

  async request(order: DeliveryOrder): Promise<{ deliveryId: string; window: { from: number; to: number } }> {
    const repo = new DeliveryRepository(this.db);
    const known = await repo.byOrder(order.orderId);
    if (known) return { deliveryId: known.id, window: known.window };
    const p = await this.#promise(order);
    if (!p.ok) throw new AppError('unprocessable', p.reason);
    const now = this.now();
    const d = await this.db.transaction(async (tx) => {
      const r = new DeliveryRepository(tx);
      const { delivery, created } = await r.insertDelivery({
        id: uuidv7(now),
        orderId: order.orderId,
        orderNumber: order.orderNumber,
        storeId: order.storeId,
        reservationId: order.reservationId,
        customerName: order.customerName,
        request: order.request,
        lines: order.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
        weightGrams: p.goods.weightGrams,
        ageRestricted: p.goods.ageRestricted,
        window: p.job.window,
        status: 'REQUESTED',
        carrierId: null,
        driver: null,
        collectBy: null,
        eta: null,
        failure: null,
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      if (!created) return delivery; // the same order's request, a moment earlier
      const tz = p.job.store.timezone;
      await r.addEvent(delivery.id, now, 'REQUESTED', {
        speed: order.request.speed,
        window: p.job.window,
        weightGrams: p.goods.weightGrams,
        ageRestricted: p.goods.ageRestricted,
        text: `requested ${order.request.speed.replace('_', '-').toLowerCase()}: ${clockTime(p.job.window.from, now, tz)} to ${clockTime(p.job.window.to, now, tz)}, ${p.ranked.length} carrier${p.ranked.length === 1 ? '' : 's'} could take it`,
      });
      await this.feed.append(tx, delivery.storeId, [storeCopy(delivery, null)]);
      // The promise just held; if it went in between, the order is refused rather than accepted and cancelled.
      await this.assignment.offerNext(tx, delivery, (reason) => new AppError('unprocessable', reason));
      return delivery;
    });
    return { deliveryId: d.id, window: d.window };
  }

  async cancel(orderId: string, within?: Queryable): Promise<void> {
    const repo = new DeliveryRepository(within ?? this.db);
    if (!(await repo.byOrder(orderId))) return;
    const inTx = <T>(fn: (tx: Queryable) => Promise<T>) => (within ? fn(within) : this.db.transaction(fn));
    await inTx(async (tx) => {
      const r = new DeliveryRepository(tx);
      const d = (await r.byOrder(orderId, true))!;
      if (d.status === 'CANCELLED' || d.status === 'UNASSIGNED') return;
      if ((GONE as readonly string[]).includes(d.status))
        throw new ConflictError(
          `the delivery of ${d.orderNumber} is ${d.status.replaceAll('_', ' ').toLowerCase()}: the goods have left the store`,
          { status: d.status },
        );
      const now = this.now();
      const open = await r.pendingOffer(d.id);
      const offered = open && (await r.carrier(open.carrierId));
      if (open) {
        await r.closeOffer(open.id, 'PENDING', 'WITHDRAWN', now, 'the order was cancelled');
        await r.addEvent(d.id, now, 'WITHDRAWN', {
          offerId: open.id,
          carrier: offered?.code ?? null,
          text: `offer to ${offered?.code ?? 'the carrier'} withdrawn: the order was cancelled`,
        });
        if (offered) tx.afterCommit(() => this.network.adapterFor(offered)?.withdraw(open.id));
      }
      const carrier = d.carrierId ? await r.carrier(d.carrierId) : undefined;
      const cancelled = await r.setDelivery(d.id, { status: 'CANCELLED', failure: 'the order was cancelled' }, now);
      await r.addEvent(d.id, now, 'CANCELLED', {
        carrier: carrier?.code ?? null,
        text: carrier ? `cancelled; ${carrier.code} told not to come` : 'cancelled before any carrier accepted',
      });
      await this.feed.append(tx, d.storeId, [storeCopy(cancelled, carrier ?? null)]);
      if (carrier) {
        tx.afterCommit(() => this.network.adapterFor(carrier)?.cancel(d.id));
        if (carrier.kind === 'VAN') tx.afterCommit(() => this.assignment.deps.replanSoon(carrier.depotId ?? d.storeId));
      }
    });
  }

  // ── reads ──

  async get(id: string): Promise<DeliveryDetail> {
    const repo = new DeliveryRepository(this.db);
    const delivery = await repo.delivery(id);
    if (!delivery) throw new NotFoundError('delivery', id);
    const [offers, timeline] = await Promise.all([repo.offersOf(id), repo.events(id)]);
    const carriers = await repo.carriersByIds([
      ...new Set([...offers.map((o) => o.carrierId), ...(delivery.carrierId ? [delivery.carrierId] : [])]),
    ]);
    return {
      delivery,
      carrier: summary(delivery.carrierId ? carriers.get(delivery.carrierId) : undefined),
      offers: offers.map((o) => ({ ...o, carrier: summary(carriers.get(o.carrierId)) })),
      timeline,
    };
  }

  /** The store a delivery leaves from, or undefined (for the access check before anything else is read). */
  async storeOf(id: string): Promise<string | undefined> {
    return (await new DeliveryRepository(this.db).delivery(id))?.storeId;
  }

  async list(filter: Parameters<DeliveryRepository['deliveries']>[0]): Promise<{
    items: (Delivery & { readonly carrier: CarrierSummary | null })[];
    next: string | null;
  }> {
    const repo = new DeliveryRepository(this.db);
    const rows = await repo.deliveries(filter);
    const carriers = await repo.carriersByIds([...new Set(rows.flatMap((d) => (d.carrierId ? [d.carrierId] : [])))]);
    return {
      items: rows.map((d) => ({ ...d, carrier: summary(d.carrierId ? carriers.get(d.carrierId) : undefined) })),
      next: rows.length === filter.limit ? rows.at(-1)!.id : null,
    };
  }
}
