import { isUuid, NotFoundError, uuidv7 } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../../db/db.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import type { AnswerOutcome, CarrierAnswers, CarrierNetwork, Driver, OfferSent } from './carriers/carrier.js';
import { storeCopy } from './feed-copy.js';
import { formatKm } from './geo.js';
import { clockTime, zoneOrUtc } from './local-time.js';
import type { DeliveryHooks, DeliveryOutcome } from './ports.js';
import { evaluate, noCarrierSentence, type Blocker, type Fit, type Job, type Origin } from './promise.js';
import { DeliveryRepository, type CarrierWithLoad, type Reach } from './repository.js';
import { byScore, scoreOf, type Reliability } from './scoring.js';
import type { Carrier, Delivery, Offer, OfferScore } from './types.js';

/**
 * Assignment: each REQUESTED delivery is offered to one carrier at a time, best score first; a decline, no answer
 * within the offer timeout, or a driver dropping out moves it to the next carrier not yet asked; when none is left
 * (or the window can no longer be kept) it is UNASSIGNED with the reason, and the hooks are told in that transaction.
 *
 * Invariants, held by the database rather than by this process (so two hubs, or a hub restarted mid-offer, agree):
 * - at most one PENDING and one ACCEPTED offer per delivery (partial unique indexes); every change of an offer
 *   happens under its delivery's row lock, and only from PENDING (`closeOffer`), so a carrier answering twice, an
 *   answer racing the timeout sweep, or two hubs sweeping the same offer make one change and one assignment;
 * - lock order: the delivery's row, then its offers, then (accepting) the carrier's row — never the other way;
 * - a carrier hears of an offer only after the offer's transaction commits (`afterCommit`), so it never answers an
 *   offer that was rolled back; a hub that starts hands every open offer to its carriers again (their timers died
 *   with the old process) and the first answer wins.
 *
 *   REQUESTED ──offer──▶ (PENDING) ──accept──▶ ASSIGNED ──drop-out──▶ REQUESTED (next carrier)
 *        ▲                   │ decline / timeout
 *        └───── next ────────┘            none left / window lost ──▶ UNASSIGNED
 */
export interface AssignmentDeps {
  readonly db: Db;
  readonly now: () => number;
  readonly feed: FeedWriter;
  readonly log: Logger;
  readonly network: CarrierNetwork;
  readonly offerTimeoutMs: number;
  readonly hooks: () => DeliveryHooks | undefined;
  /** Asks the van planner to re-plan a depot's vans soon (planning/index.ts). */
  readonly replanSoon: (depotId: string) => void;
  /**
   * Off: every active carrier is loaded and weighed for each decision instead of those the database's box lets
   * through (the benchmark's anchor: the same scoring, same writes). Default on.
   */
  readonly prefilter?: boolean;
}

/** A feasible carrier with how it would do it and its score (its terms' sentences left empty: see `explained`). */
export interface Ranked {
  readonly carrier: Carrier;
  readonly fit: Fit;
  readonly score: OfferScore;
  readonly reliability: Reliability;
}

const RELIABILITY_TTL_MS = 60_000;
const RELIABILITY_DAYS_MS = 30 * 86_400_000;
const ORIGIN_TTL_MS = 60_000;

export class Assignment implements CarrierAnswers {
  /** Reliability moves slowly (30 days of answers): read at most once a minute per carrier per hub. */
  readonly #reliability = new Map<string, { at: number; value: Reliability }>();
  readonly #origins = new Map<string, { at: number; value: Origin | undefined }>();

  constructor(readonly deps: AssignmentDeps) {}

  // ── ranking ──

  /** Where a delivery leaves from (a location row; cached a minute: stores do not move often). */
  async origin(q: Queryable, id: string): Promise<Origin | undefined> {
    const now = Date.now();
    const hit = this.#origins.get(id);
    if (hit && now - hit.at < ORIGIN_TTL_MS) return hit.value;
    const row = await new DeliveryRepository(q).origin(id);
    const value = row && { ...row, timezone: zoneOrUtc(row.timezone) };
    this.#origins.set(id, { at: now, value });
    return value;
  }

  jobOf(d: Delivery, store: Origin): Job {
    const { lat, lon } = d.request.address;
    return {
      store,
      door: { lat, lon },
      weightGrams: d.weightGrams,
      ageRestricted: d.ageRestricted,
      window: d.window,
    };
  }

  async reliabilityOf(q: Queryable, ids: readonly string[]): Promise<Map<string, Reliability>> {
    const now = Date.now();
    const out = new Map<string, Reliability>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.#reliability.get(id);
      if (hit && now - hit.at < RELIABILITY_TTL_MS) out.set(id, hit.value);
      else missing.push(id);
    }
    if (missing.length) {
      const read = await new DeliveryRepository(q).reliability(missing, this.deps.now() - RELIABILITY_DAYS_MS);
      for (const [id, value] of read) {
        out.set(id, value);
        this.#reliability.set(id, { at: now, value });
      }
    }
    return out;
  }

  /**
   * Every carrier that can keep `job` now, scored, best first. `prefilter`: ask the database only for carriers whose
   * area's box holds the store and the door, that are not grounded and can carry the weight (off: every active
   * carrier is weighed — the benchmark's anchor). `notOfferedFor`: leaves out carriers this delivery was offered to.
   */
  async rank(q: Queryable, job: Job, notOfferedFor: string | null, prefilter = true): Promise<Ranked[]> {
    const now = this.deps.now();
    const reach: Reach = { store: job.store, door: job.door, weightGrams: job.weightGrams };
    const candidates = await new DeliveryRepository(q).candidates(reach, prefilter, notOfferedFor);
    const fits: { carrier: Carrier; fit: Fit }[] = [];
    for (const { carrier, load } of candidates) {
      const e = evaluate(carrier, load, job, now, this.deps.network.adapterFor(carrier) !== null);
      if (e.ok) fits.push({ carrier, fit: e.fit });
    }
    if (!fits.length) return [];
    const reliability = await this.reliabilityOf(
      q,
      fits.map((f) => f.carrier.id),
    );
    return fits
      .map((f) => {
        const r = reliability.get(f.carrier.id)!;
        return { ...f, reliability: r, score: scoreOf(f.carrier, f.fit, job, r, now, false) };
      })
      .sort(byScore);
  }

  /** The score of a ranked carrier with each term's sentence (the one offered the delivery). */
  explained(r: Ranked, job: Job): OfferScore {
    return scoreOf(r.carrier, r.fit, job, r.reliability, this.deps.now());
  }

  /** Every active carrier (not yet offered `notOfferedFor`) with why it cannot keep `job`: for the refusal's sentence. */
  async blockers(
    q: Queryable,
    job: Job,
    notOfferedFor: string | null,
  ): Promise<{ carrier: Carrier; blockers: readonly Blocker[]; eta: number | null }[]> {
    const now = this.deps.now();
    const all: CarrierWithLoad[] = await new DeliveryRepository(q).candidates(job, false, notOfferedFor);
    return all.map(({ carrier, load }) => {
      const e = evaluate(carrier, load, job, now, this.deps.network.adapterFor(carrier) !== null);
      return e.ok ? { carrier, blockers: [], eta: e.fit.eta } : { carrier, blockers: e.blockers, eta: e.eta };
    });
  }

  // ── offering ──

  /**
   * With the delivery's row locked (in `tx`): offers it to the best carrier not yet asked, or — none left, or the
   * window lost — makes it UNASSIGNED and tells the hooks. `refuseWhenNone`: throw instead (the first offer, inside
   * the order's request: the order is refused rather than accepted and then cancelled).
   */
  async offerNext(tx: Queryable, d: Delivery, refuseWhenNone?: (reason: string) => Error): Promise<Delivery> {
    const repo = new DeliveryRepository(tx);
    if (d.status !== 'REQUESTED') return d;
    const { asked, open } = await repo.offerTally(d.id);
    if (open) return d;
    const now = this.deps.now();
    const store = await this.origin(tx, d.storeId);
    if (!store) return this.#unassign(tx, d, `its store ${d.storeId} is no longer known`);
    const job = this.jobOf(d, store);
    if (now >= d.window.to)
      return this.#unassign(
        tx,
        d,
        `the window closed at ${clockTime(d.window.to, now, store.timezone)} before any carrier accepted`,
      );
    const ranked = await this.rank(tx, job, d.id, this.deps.prefilter ?? true);
    const best = ranked[0];
    if (!best) {
      const rest = noCarrierSentence(job, now, await this.blockers(tx, job, d.id), null);
      const reason = asked
        ? `${asked} ${asked === 1 ? 'carrier was' : 'carriers were'} asked and none took it; ${rest}`
        : rest;
      if (refuseWhenNone) throw refuseWhenNone(reason);
      return this.#unassign(tx, d, reason);
    }
    const score = this.explained(best, job);
    const offer = await repo.insertOffer({
      id: uuidv7(now),
      deliveryId: d.id,
      carrierId: best.carrier.id,
      rank: asked + 1,
      score,
      status: 'PENDING',
      offeredAt: now,
      expiresAt: now + this.deps.offerTimeoutMs,
      answeredAt: null,
      note: null,
    });
    await repo.addEvent(d.id, now, 'OFFERED', {
      offerId: offer.id,
      carrier: best.carrier.code,
      rank: offer.rank,
      score: score.total,
      feasible: ranked.length,
      text: `offered to ${best.carrier.code} (${best.carrier.name}), choice ${offer.rank}, score ${score.total} of 100; ${ranked.length} carrier${ranked.length === 1 ? '' : 's'} could take it`,
    });
    tx.afterCommit(() => this.#send(best.carrier, offer, d, best.fit));
    return d;
  }

  /** Hands an offer to its carrier (after the commit that made it). */
  #send(carrier: Carrier, offer: Offer, d: Delivery, fit: Pick<Fit, 'collectBy'> | null): void {
    const adapter = this.deps.network.adapterFor(carrier);
    if (!adapter) return; // unreachable now (its row changed): it times out and moves on
    const sent: OfferSent = {
      offerId: offer.id,
      deliveryId: d.id,
      carrierId: carrier.id,
      orderNumber: d.orderNumber,
      rank: offer.rank,
      weightGrams: d.weightGrams,
      stops: 1,
      window: d.window,
      collectBy: fit?.collectBy ?? d.window.from,
      expiresAt: offer.expiresAt,
    };
    try {
      adapter.offer(sent, this);
    } catch (err) {
      this.deps.log.warn({ err, carrier: carrier.code, offerId: offer.id }, 'a carrier could not be sent its offer');
    }
  }

  async #unassign(tx: Queryable, d: Delivery, reason: string): Promise<Delivery> {
    const now = this.deps.now();
    const repo = new DeliveryRepository(tx);
    const ended = await repo.setDelivery(d.id, { status: 'UNASSIGNED', failure: reason.slice(0, 1000) }, now);
    await repo.addEvent(d.id, now, 'UNASSIGNED', { reason, text: `not assigned: ${reason}` });
    await this.deps.feed.append(tx, d.storeId, [storeCopy(ended, null)]);
    await this.deps.hooks()?.unassigned(tx, { ...outcomeOf(ended, now), reason });
    return ended;
  }

  // ── answers (CarrierAnswers) ──

  /** A carrier's answer to an offer; a repeat, a late one or one to a withdrawn offer changes nothing (`ignored`). */
  async answer(
    offerId: string,
    carrierId: string,
    verdict: 'ACCEPT' | 'DECLINE',
    note: string | null,
    driver?: Driver,
  ): Promise<AnswerOutcome> {
    if (!isUuid(offerId) || !isUuid(carrierId)) throw new NotFoundError('offer', offerId);
    const seen = await new DeliveryRepository(this.deps.db).offer(offerId);
    if (!seen || seen.carrierId !== carrierId) throw new NotFoundError('offer', offerId);
    return this.deps.db.transaction(async (tx) => {
      const repo = new DeliveryRepository(tx);
      const d = (await repo.delivery(seen.deliveryId, true))!;
      const o = (await repo.offer(offerId, true))!;
      if (o.status !== 'PENDING') return { outcome: 'ignored', status: o.status } as const;
      const now = this.deps.now();
      const carrier = (await repo.carrier(carrierId, verdict === 'ACCEPT'))!;
      if (now > o.expiresAt) {
        await this.#timeOut(tx, d, o, carrier, 'answered after the offer had expired');
        return { outcome: 'ignored', status: 'TIMED_OUT' } as const;
      }
      if (d.status !== 'REQUESTED') {
        await repo.closeOffer(o.id, 'PENDING', 'WITHDRAWN', now, `the delivery is ${d.status}`);
        return { outcome: 'ignored', status: 'WITHDRAWN' } as const;
      }
      if (verdict === 'DECLINE') return { outcome: 'declined', delivery: await this.#decline(tx, d, o, carrier, note) };
      // The in-house rule, and a check on every carrier: it must still have room (stops and weight) on its shift
      // and arrive in the window, read under its row lock so two offers racing for its last slot get one.
      const store = await this.origin(tx, d.storeId);
      const e = store
        ? evaluate(carrier, await repo.loadOf(carrier.id), this.jobOf(d, store), now)
        : ({ ok: false, blockers: [], eta: null } as const);
      if (!e.ok) {
        const why = e.blockers.includes('full')
          ? 'no room left on its run'
          : `it can no longer keep the window (${e.blockers.join(', ') || 'store unknown'})`;
        return { outcome: 'declined', delivery: await this.#decline(tx, d, o, carrier, `accepted, but ${why}`) };
      }
      await repo.closeOffer(o.id, 'PENDING', 'ACCEPTED', now, note?.slice(0, 500) ?? null);
      const who = driver ?? { name: carrier.name.slice(0, 100), vehicle: carrier.code.slice(0, 40) };
      const assigned = await repo.setDelivery(
        d.id,
        { status: 'ASSIGNED', carrierId: carrier.id, driver: who, collectBy: e.fit.collectBy, eta: e.fit.eta },
        now,
      );
      const tz = store!.timezone;
      await repo.addEvent(d.id, now, 'ACCEPTED', {
        offerId: o.id,
        carrier: carrier.code,
        text: `${carrier.code} accepted`,
      });
      await repo.addEvent(d.id, now, 'ASSIGNED', {
        carrier: carrier.code,
        driver: who,
        collectBy: e.fit.collectBy,
        eta: e.fit.eta,
        text: `${carrier.code} (${who.name}, ${who.vehicle}) collects by ${clockTime(e.fit.collectBy, now, tz)}, arrives about ${clockTime(e.fit.eta, now, tz)} (${formatKm(e.fit.km)})`,
      });
      await this.deps.feed.append(tx, d.storeId, [storeCopy(assigned, carrier)]);
      await this.deps.hooks()?.assigned(tx, { ...outcomeOf(assigned, now), carrier: carrier.code, eta: e.fit.eta });
      if (carrier.kind === 'VAN') tx.afterCommit(() => this.deps.replanSoon(carrier.depotId ?? d.storeId));
      return { outcome: 'assigned', delivery: assigned } as const;
    });
  }

  async #decline(tx: Queryable, d: Delivery, o: Offer, carrier: Carrier, note: string | null): Promise<Delivery> {
    const now = this.deps.now();
    const repo = new DeliveryRepository(tx);
    await repo.closeOffer(o.id, 'PENDING', 'DECLINED', now, note?.slice(0, 500) ?? null);
    await repo.addEvent(d.id, now, 'DECLINED', {
      offerId: o.id,
      carrier: carrier.code,
      note,
      text: `${carrier.code} declined${note ? `: ${note}` : ''}`,
    });
    return this.offerNext(tx, d);
  }

  async #timeOut(tx: Queryable, d: Delivery, o: Offer, carrier: Carrier | undefined, note: string): Promise<Delivery> {
    const now = this.deps.now();
    const repo = new DeliveryRepository(tx);
    if (!(await repo.closeOffer(o.id, 'PENDING', 'TIMED_OUT', now, note))) return d;
    await repo.addEvent(d.id, now, 'TIMED_OUT', {
      offerId: o.id,
      carrier: carrier?.code ?? null,
      text: `${carrier?.code ?? 'the carrier'} did not answer: ${note}`,
    });
    if (carrier) tx.afterCommit(() => this.deps.network.adapterFor(carrier)?.withdraw(o.id));
    return this.offerNext(tx, d);
  }

  /** The driver of an accepted delivery gave it up before collecting: the run is declined after all, and re-offered. */
  async dropOut(deliveryId: string, carrierId: string, reason: string): Promise<AnswerOutcome> {
    if (!isUuid(deliveryId) || !isUuid(carrierId)) throw new NotFoundError('delivery', deliveryId);
    return this.deps.db.transaction(async (tx) => {
      const repo = new DeliveryRepository(tx);
      const d = await repo.delivery(deliveryId, true);
      if (!d) throw new NotFoundError('delivery', deliveryId);
      if (d.status !== 'ASSIGNED' || d.carrierId !== carrierId)
        return { outcome: 'ignored', status: 'WITHDRAWN' } as const;
      const now = this.deps.now();
      const carrier = (await repo.carrier(carrierId))!;
      const accepted = await repo.acceptedOffer(d.id);
      if (accepted)
        await repo.closeOffer(
          accepted.id,
          'ACCEPTED',
          'DECLINED',
          now,
          `dropped out before collecting: ${reason}`.slice(0, 500),
        );
      const reopened = await repo.setDelivery(
        d.id,
        { status: 'REQUESTED', carrierId: null, driver: null, collectBy: null, eta: null },
        now,
      );
      await repo.addEvent(d.id, now, 'DROPPED_OUT', {
        carrier: carrier.code,
        reason,
        text: `${carrier.code} dropped out: ${reason}; offered again`,
      });
      await this.deps.feed.append(tx, d.storeId, [storeCopy(reopened, null)]);
      if (carrier.kind === 'VAN') tx.afterCommit(() => this.deps.replanSoon(carrier.depotId ?? d.storeId));
      const next = await this.offerNext(tx, reopened);
      return { outcome: 'declined', delivery: next } as const;
    });
  }

  // ── sweeps ──

  /**
   * Times out the open offers past their answer time (up to `limit`) and moves each delivery on; then offers the
   * REQUESTED deliveries left with no open offer. Safe on several hubs at once: each offer changes once, under its
   * delivery's lock. Returns how many offers timed out.
   */
  async expireDue(limit = 200): Promise<number> {
    const repo = new DeliveryRepository(this.deps.db);
    const due = await repo.dueOffers(this.deps.now(), limit);
    let expired = 0;
    for (const { id, deliveryId } of due) {
      await this.deps.db.transaction(async (tx) => {
        const r = new DeliveryRepository(tx);
        const d = (await r.delivery(deliveryId, true))!;
        const o = (await r.offer(id, true))!;
        if (o.status !== 'PENDING' || o.expiresAt > this.deps.now()) return;
        const carrier = await r.carrier(o.carrierId);
        await this.#timeOut(tx, d, o, carrier, `no answer within ${Math.round(this.deps.offerTimeoutMs / 1000)} s`);
        expired++;
      });
    }
    // A carrier taken off duty by another hub (or this one, stopped before it moved them on) left deliveries waiting.
    for (const { deliveryId, carrierId } of await repo.abandoned(50))
      await this.#reassign(deliveryId, carrierId, 'the carrier is no longer on duty');
    for (const id of await repo.stranded(50)) await this.reconsider(id);
    return expired;
  }

  /** Offers a REQUESTED delivery with no open offer to its next carrier (or ends it unassigned). */
  async reconsider(deliveryId: string): Promise<Delivery | undefined> {
    return this.deps.db.transaction(async (tx) => {
      const d = await new DeliveryRepository(tx).delivery(deliveryId, true);
      return d && this.offerNext(tx, d);
    });
  }

  /** A carrier made inactive or grounded: its open offers are withdrawn and each delivery goes to the next carrier. */
  async withdrawOffersOf(carrier: Carrier, note: string): Promise<number> {
    let withdrawn = 0;
    for (const deliveryId of await new DeliveryRepository(this.deps.db).pendingFor(carrier.id)) {
      await this.deps.db.transaction(async (tx) => {
        const repo = new DeliveryRepository(tx);
        const d = (await repo.delivery(deliveryId, true))!;
        const o = await repo.pendingOffer(d.id);
        if (!o || o.carrierId !== carrier.id) return;
        const now = this.deps.now();
        await repo.closeOffer(o.id, 'PENDING', 'WITHDRAWN', now, note);
        await repo.addEvent(d.id, now, 'WITHDRAWN', {
          offerId: o.id,
          carrier: carrier.code,
          text: `offer to ${carrier.code} withdrawn: ${note}`,
        });
        tx.afterCommit(() => this.deps.network.adapterFor(carrier)?.withdraw(o.id));
        await this.offerNext(tx, d);
        withdrawn++;
      });
    }
    return withdrawn;
  }

  /**
   * A gig driver, DSP or drone taken off duty (or grounded): each delivery it accepted and has not collected goes back
   * to the assignment — the next carrier is offered it — and the carrier is told not to come. What its driver has
   * on board stays with it (they bring it, or it fails and comes back). Vans are the route planner's.
   */
  async reassignFrom(carrier: Carrier, note: string): Promise<number> {
    let moved = 0;
    for (const id of await new DeliveryRepository(this.deps.db).assignedTo(carrier.id))
      if (await this.#reassign(id, carrier.id, note)) moved++;
    return moved;
  }

  /** Takes an ASSIGNED delivery off `carrierId` (still its carrier, under the row's lock) and offers it again. */
  async #reassign(deliveryId: string, carrierId: string, note: string): Promise<boolean> {
    return this.deps.db.transaction(async (tx) => {
      const repo = new DeliveryRepository(tx);
      const d = await repo.delivery(deliveryId, true);
      if (d?.status !== 'ASSIGNED' || d.carrierId !== carrierId) return false;
      const carrier = (await repo.carrier(carrierId))!;
      const now = this.deps.now();
      // WITHDRAWN, not DECLINED: head office took it off the carrier, which does not count against its acceptance.
      const accepted = await repo.acceptedOffer(d.id);
      if (accepted) await repo.closeOffer(accepted.id, 'ACCEPTED', 'WITHDRAWN', now, note.slice(0, 500));
      const reopened = await repo.setDelivery(
        d.id,
        { status: 'REQUESTED', carrierId: null, driver: null, collectBy: null, eta: null },
        now,
      );
      await repo.addEvent(d.id, now, 'REASSIGNED', {
        carrier: carrier.code,
        reason: note,
        text: `taken off ${carrier.code}: ${note}; offered again`,
      });
      await this.deps.feed.append(tx, d.storeId, [storeCopy(reopened, null)]);
      tx.afterCommit(() => this.deps.network.adapterFor(carrier)?.cancel(d.id));
      await this.offerNext(tx, reopened);
      return true;
    });
  }

  /** At start: every open offer is handed to its carrier again (simulators' timers died with the last process). */
  async resendOpenOffers(): Promise<number> {
    const open = await new DeliveryRepository(this.deps.db).openOffers(10_000);
    const carriers = await new DeliveryRepository(this.deps.db).carriersByIds([
      ...new Set(open.map((x) => x.offer.carrierId)),
    ]);
    for (const { offer, delivery } of open) {
      const carrier = carriers.get(offer.carrierId);
      if (carrier)
        this.#send(carrier, offer, delivery, delivery.collectBy === null ? null : { collectBy: delivery.collectBy });
    }
    return open.length;
  }
}

export function outcomeOf(d: Delivery, at: number): DeliveryOutcome {
  return { deliveryId: d.id, orderId: d.orderId, orderNumber: d.orderNumber, storeId: d.storeId, at };
}
