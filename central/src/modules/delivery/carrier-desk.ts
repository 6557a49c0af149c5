import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, uuidv7, ValidationError } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import type { HubMode } from '../../kernel/hub-settings.js';
import type { Assignment } from './assignment.js';
import type { CarrierNetwork, Integration } from './carriers/carrier.js';
import { shiftProblem } from './promise.js';
import { DeliveryRepository, type CarrierPatch } from './repository.js';
import { reliabilityShare, type Reliability } from './scoring.js';
import type { Carrier, CarrierSimulation } from './types.js';

const DAYS_30_MS = 30 * 86_400_000;

/** What head office gives to add a carrier (routes.ts validates the shape; the desk checks what needs the database). */
export interface NewCarrier {
  readonly code: string;
  readonly name: string;
  readonly kind: Carrier['kind'];
  readonly depotId?: string | undefined;
  readonly lat?: number | undefined;
  readonly lon?: number | undefined;
  readonly radiusKm: number;
  readonly capacityGrams: number;
  readonly capacityStops: number;
  readonly speedKmh?: number | undefined;
  readonly shiftStartMin?: number | undefined;
  readonly shiftEndMin?: number | undefined;
  readonly costBaseMinor?: number | undefined;
  readonly costPerKmMinor?: number | undefined;
  readonly grounded?: boolean | undefined;
  readonly active?: boolean | undefined;
  readonly simulator?: CarrierSimulation | null | undefined;
}

/** A carrier's last 30 days as the console shows it. */
export interface CarrierReliability extends Reliability {
  /** Offers accepted of those answered or timed out; null with none. */
  readonly acceptRate: number | null;
  /** Deliveries brought by the window's close of those finished; null with none. */
  readonly onTimeRate: number | null;
  /** What the assignment scores it with (both shares smoothed toward 80 %). */
  readonly score: number;
}

/** A carrier as the routes answer it: never its driver token's hash. */
export type CarrierView = Carrier & { readonly integration: Integration; readonly reliability: CarrierReliability };

/** How fast each kind goes when the row does not say (km/h, door to door in a city). */
const DEFAULT_SPEED_KMH: Record<Carrier['kind'], number> = { VAN: 30, GIG: 25, DSP: 30, DRONE: 60 };

const rate = (hits: number, tries: number) => (tries ? Math.round((hits / tries) * 1000) / 1000 : null);
export function reliabilityView(r: Reliability): CarrierReliability {
  return {
    ...r,
    acceptRate: rate(r.accepted, r.offers),
    onTimeRate: rate(r.onTime, r.finished),
    score: Math.round(reliabilityShare(r) * 1000) / 1000,
  };
}

/** The driver app's token: `drv_` and 32 random bytes; the hub keeps only its sha-256. */
export function newDriverToken(): { token: string; hash: string } {
  const token = `drv_${randomBytes(32).toString('base64url')}`;
  return { token, hash: driverTokenHash(token) };
}
export const driverTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Head office's carriers: added (the driver app's token answered once), listed and read with how the hub reaches them
 * and their last 30 days, changed (a carrier made inactive or grounded has its open offers withdrawn and moved on).
 */
export class CarrierDesk {
  constructor(
    readonly db: Db,
    readonly now: () => number,
    readonly network: CarrierNetwork,
    readonly assignment: Assignment,
    readonly log: Logger,
    /** The hub's mode: a simulated carrier in production is warned about. */
    readonly mode: HubMode,
  ) {}

  /**
   * Told when a carrier's driver token stops working here (rotated, or the carrier made inactive): tracking closes its
   * drivers' sockets in this process at once (other hub processes notice at their next re-check).
   */
  driverRevoked: (carrierId: string) => void = () => {};

  async create(input: NewCarrier): Promise<{ carrier: CarrierView; driverToken: string }> {
    const repo = new DeliveryRepository(this.db);
    let at: { lat: number; lon: number };
    if (input.depotId) {
      const depot = await repo.origin(input.depotId);
      if (!depot)
        throw new ValidationError(`depot ${input.depotId} is not a store or distribution centre`, [
          { path: 'depotId', message: 'no such location' },
        ]);
      at = { lat: depot.lat, lon: depot.lon };
    } else at = { lat: input.lat!, lon: input.lon! };
    const now = this.now();
    const { token, hash } = newDriverToken();
    const created = await repo.insertCarrier(
      {
        id: uuidv7(now),
        code: input.code,
        name: input.name,
        kind: input.kind,
        depotId: input.depotId ?? null,
        ...at,
        radiusKm: input.radiusKm,
        capacityGrams: input.capacityGrams,
        capacityStops: input.capacityStops,
        speedKmh: input.speedKmh ?? DEFAULT_SPEED_KMH[input.kind],
        shiftStartMin: input.shiftStartMin ?? 0,
        shiftEndMin: input.shiftEndMin ?? 1440,
        costBaseMinor: input.costBaseMinor ?? 0,
        costPerKmMinor: input.costPerKmMinor ?? 0,
        grounded: input.grounded ?? false,
        active: input.active ?? true,
        simulator: input.simulator ?? null,
        createdAt: now,
        updatedAt: now,
      },
      hash,
    );
    if (!created) throw new ConflictError(`a carrier with the code ${input.code} exists already`, { code: input.code });
    this.#warnIfSimulatedInProduction(created);
    return { carrier: (await this.views([created]))[0]!, driverToken: token };
  }

  async get(id: string): Promise<CarrierView> {
    const c = await new DeliveryRepository(this.db).carrier(id);
    if (!c) throw new NotFoundError('carrier', id);
    return (await this.views([c]))[0]!;
  }

  async list(
    filter: Parameters<DeliveryRepository['carriers']>[0],
  ): Promise<{ items: CarrierView[]; next: string | null }> {
    const rows = await new DeliveryRepository(this.db).carriers(filter);
    return { items: await this.views(rows), next: rows.length === filter.limit ? rows.at(-1)!.code : null };
  }

  async update(id: string, patch: CarrierPatch): Promise<CarrierView> {
    const repo = new DeliveryRepository(this.db);
    const before = await repo.carrier(id);
    if (!before) throw new NotFoundError('carrier', id);
    const shift = shiftProblem(patch.shiftStartMin ?? before.shiftStartMin, patch.shiftEndMin ?? before.shiftEndMin);
    if (shift)
      throw new ValidationError(`${before.code}'s shift: ${shift}`, [
        { path: patch.shiftEndMin === undefined ? 'shiftStartMin' : 'shiftEndMin', message: shift },
      ]);
    if (patch.grounded && before.kind !== 'DRONE')
      throw new ValidationError(`${before.code} is a ${before.kind}: only drones are grounded by the weather`, [
        { path: 'grounded', message: 'only drones are grounded; deactivate other carriers (active: false)' },
      ]);
    const after = (await repo.updateCarrier(id, patch, this.now()))!;
    this.#warnIfSimulatedInProduction(after);
    // Its open offers cannot be kept any more: each goes to the next carrier now rather than at its timeout.
    const gone = (!after.active && before.active) || (after.grounded && !before.grounded);
    if (!after.active && before.active) this.driverRevoked(id);
    if (gone) {
      const why = after.active ? 'grounded by the weather' : 'the carrier was made inactive';
      await this.assignment.withdrawOffersOf(after, why);
      // What it accepted and has not collected goes to the next carrier too (a van's, to the depot's other vans).
      if (after.kind !== 'VAN') await this.assignment.reassignFrom(after, why);
      else if (after.depotId) this.assignment.deps.replanSoon(after.depotId);
    }
    return (await this.views([after]))[0]!;
  }

  /** A new driver token for the carrier (the old one stops working); answered once. */
  async rotateToken(id: string): Promise<{ driverToken: string }> {
    const { token, hash } = newDriverToken();
    if (!(await new DeliveryRepository(this.db).setDriverTokenHash(id, hash, this.now())))
      throw new NotFoundError('carrier', id);
    this.driverRevoked(id);
    return { driverToken: token };
  }

  async views(rows: readonly Carrier[]): Promise<CarrierView[]> {
    const rel = await new DeliveryRepository(this.db).reliability(
      rows.map((c) => c.id),
      this.now() - DAYS_30_MS,
    );
    return rows.map((c) => ({
      ...c,
      integration: this.network.integrationOf(c),
      reliability: reliabilityView(rel.get(c.id)!),
    }));
  }

  #warnIfSimulatedInProduction(c: Carrier): void {
    if (this.network.integrationOf(c) === 'simulator' && this.mode === 'production')
      this.log.warn(
        { carrier: c.code },
        `carrier ${c.code} runs on a simulator in production: its answers are made up`,
      );
  }
}
