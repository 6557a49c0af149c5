import { feedEntry } from '@storefleet/shared';
import type { Db, Queryable } from '../../db/db.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import { ReservationRepository } from './repository.js';
import { freeCodeHashes, TypedCodes } from './pickup-codes.js';
import type { HoldHooks, IncidentDesk, IncidentRef, Reservation, StockHolds } from './types.js';

export const RESOURCE_RADIUS_KM = 50;

export type RepairAction =
  | { reservationId: string; action: 'RESOURCED'; toStoreId: string; distanceKm: number }
  | { reservationId: string; action: 'CANCELLED'; notice: string };

/**
 * Repairs oversell incidents: a store sold offline units the hub had promised. The holds at that store that include
 * the short sku move, newest first, to the nearest store within 50 km that can cover all their lines (under those rows'
 * locks, like any hold); a hold no store can take is cancelled with a notice for the customer. Both stores' feeds
 * learn of every move, and so do the `hooks` (an order follows its hold to the new store, or is cancelled with it) in
 * the same transaction. Safe with a repairer on every replica (SKIP LOCKED).
 */
export class OversellRepair {
  constructor(
    readonly db: Db,
    readonly holds: StockHolds,
    readonly desk: IncidentDesk,
    readonly feed: FeedWriter,
    readonly now: () => number,
    /** Who hears of each move and cancellation (the hub's workflows); none when nobody listens. */
    readonly hooks: () => HoldHooks | undefined = () => undefined,
  ) {}

  async repairOpen(limit = 20): Promise<number> {
    await this.#typedCodes(); // loaded outside the transaction (a moved hold's code is hashed for its new store)
    return this.db.transaction(async (tx) => {
      const open = await this.desk.lockOpen(tx, limit);
      await this.#lockEveryRowAMoveMayTouch(tx, open);
      // Read again under the stock rows' locks: a sale that landed since the first read (or while the incident was
      // open, folded into it) counts, so no hold-covered shortfall outlives its incident.
      const fresh = new Map((await this.desk.lockOpen(tx, limit)).map((i) => [i.id, i.short]));
      for (const first of open) {
        const incident = { ...first, short: Math.max(first.short, fresh.get(first.id) ?? 0) };
        const actions = await this.#repair(tx, incident);
        await this.desk.resolve(tx, incident.id, { short: incident.short, actions }, this.now());
      }
      return open.length;
    });
  }

  /**
   * Locks, in one sorted statement (the hold batcher's order), the stock rows of every hold these incidents may move
   * at its own store and at each candidate store. Locking them move by move would take a lower key after a higher one
   * and could deadlock with a batch of holds, failing that batch's customers.
   */
  async #lockEveryRowAMoveMayTouch(tx: Queryable, incidents: readonly IncidentRef[]): Promise<void> {
    const repo = new ReservationRepository(tx);
    const keys: { storeId: string; sku: string }[] = [];
    for (const incident of incidents) {
      const near = await this.desk.storesNear(tx, incident.storeId, RESOURCE_RADIUS_KM, 10);
      for (const r of await repo.lockHoldingSku(incident.storeId, incident.sku)) {
        for (const l of r.lines)
          keys.push({ storeId: r.storeId, sku: l.sku }, ...near.map((n) => ({ storeId: n.storeId, sku: l.sku })));
      }
    }
    await this.holds.lockAvailable(tx, keys, this.now());
  }

  async #repair(tx: Queryable, incident: IncidentRef): Promise<RepairAction[]> {
    const repo = new ReservationRepository(tx);
    const actions: RepairAction[] = [];
    let remaining = incident.short;
    const near = await this.desk.storesNear(tx, incident.storeId, RESOURCE_RADIUS_KM, 10);
    for (const r of await repo.lockHoldingSku(incident.storeId, incident.sku)) {
      if (remaining <= 0) break;
      remaining -= r.lines.find((l) => l.sku === incident.sku)?.qty ?? 0;
      actions.push(await this.#moveOrCancel(tx, repo, r, near));
    }
    return actions;
  }

  #codes: Promise<TypedCodes> | undefined;
  #typedCodes(): Promise<TypedCodes> {
    this.#codes ??= TypedCodes.load(this.db, this.now()).catch((err: unknown) => {
      this.#codes = undefined;
      throw err;
    });
    return this.#codes;
  }

  async #moveOrCancel(
    tx: Queryable,
    repo: ReservationRepository,
    r: Reservation,
    near: { storeId: string; distanceKm: number }[],
  ): Promise<RepairAction> {
    const now = this.now();
    const give = r.lines.map((l) => ({ storeId: r.storeId, sku: l.sku, qty: -l.qty }));
    for (const candidate of near) {
      // Both stores' rows in one statement, so they lock in the same (store, sku) order the hold batcher uses.
      const keys = r.lines.flatMap((l) => [
        { storeId: r.storeId, sku: l.sku },
        { storeId: candidate.storeId, sku: l.sku },
      ]);
      const available = await this.holds.lockAvailable(tx, keys, now);
      if (!r.lines.every((l) => (available.get(`${candidate.storeId}/${l.sku}`) ?? 0) >= l.qty)) continue;
      await this.holds.addReserved(
        tx,
        [...give, ...r.lines.map((l) => ({ storeId: candidate.storeId, sku: l.sku, qty: l.qty }))],
        now,
      );
      // The typed code is hashed under the new store's key (and changes only if it would repeat one of that store's).
      const [hash] = r.pickupCodeHash
        ? await freeCodeHashes(await this.#typedCodes(), (pairs) => repo.openCodeHashes(pairs), [
            { id: r.id, storeId: candidate.storeId },
          ])
        : [null];
      const moved = await repo.moveToStore(r.id, candidate.storeId, hash ?? null, now);
      await this.feed.appendMany(tx, [
        {
          storeId: r.storeId,
          ...feedEntry('reservation.changed', { ...r, status: 'RELEASED', updatedAt: now, movedTo: candidate.storeId }),
        },
        { storeId: candidate.storeId, ...feedEntry('reservation.changed', moved) },
      ]);
      await this.hooks()?.moved(tx, {
        hold: moved,
        fromStoreId: r.storeId,
        toStoreId: candidate.storeId,
        distanceKm: candidate.distanceKm,
      });
      return {
        reservationId: r.id,
        action: 'RESOURCED',
        toStoreId: candidate.storeId,
        distanceKm: candidate.distanceKm,
      };
    }
    await this.holds.addReserved(tx, give, now);
    const cancelled = await repo.setStatus(r.id, 'RELEASED', r.expiresAt, now);
    const notice = `sorry: the store sold out of these items and no store within ${RESOURCE_RADIUS_KM} km has them; the order was cancelled`;
    await this.feed.append(tx, r.storeId, [feedEntry('reservation.changed', { ...cancelled, notice })]);
    await this.hooks()?.ended(tx, cancelled, { how: 'CANCELLED_BY_REPAIR', notice });
    return { reservationId: r.id, action: 'CANCELLED', notice };
  }
}
