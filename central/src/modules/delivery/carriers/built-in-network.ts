import type { Logger } from 'pino';
import type { HubMode } from '../../../kernel/hub-settings.js';
import type { Carrier } from '../types.js';
import { DEFAULT_SIMULATION, type CarrierAdapter, type CarrierNetwork, type Integration } from './carrier.js';
import { InHouseVan, SimulatedCarrier } from './simulated-carrier.js';

/**
 * The carriers as the hub reaches them by itself, configured like the other external parties (hub-settings.ts):
 * - an in-house VAN is the hub's own (its rule, not a simulator), in every mode; with a `simulator` on its row, its
 *   answers are simulated (delays, drop-outs) and the rule still applies;
 * - a GIG, DSP or DRONE row with a `simulator` is simulated in every mode — in production the hub warns at start and
 *   the carrier's reads say `simulator`, never silently;
 * - one without is simulated with its kind's default behaviour in demo and test mode only; in production nothing can
 *   reach it (real integrations are not built), so it is never offered a delivery and never promised.
 */
export class BuiltInNetwork implements CarrierNetwork {
  readonly #adapters = new Map<string, { updatedAt: number; adapter: CarrierAdapter & { stop(): void } }>();
  #stopped = false;

  constructor(
    readonly mode: HubMode,
    readonly log: Logger,
  ) {}

  integrationOf(c: Carrier): Integration {
    if (c.kind === 'VAN') return c.simulator ? 'simulator' : 'in-house';
    return c.simulator || this.mode !== 'production' ? 'simulator' : 'none';
  }

  adapterFor(c: Carrier): CarrierAdapter | null {
    if (this.#stopped || this.integrationOf(c) === 'none') return null;
    const known = this.#adapters.get(c.id);
    if (known && known.updatedAt === c.updatedAt) return known.adapter;
    // A carrier whose row changed gets a new adapter; the old one keeps its timers (answers already on their way).
    const adapter =
      c.kind === 'VAN' && !c.simulator
        ? new InHouseVan(c, this.log)
        : new SimulatedCarrier(
            c,
            c.simulator ?? DEFAULT_SIMULATION[c.kind as Exclude<Carrier['kind'], 'VAN'>],
            this.log,
          );
    if (known) this.#retired.push(known.adapter);
    this.#adapters.set(c.id, { updatedAt: c.updatedAt, adapter });
    return adapter;
  }

  readonly #retired: { stop(): void }[] = [];

  stop(): void {
    this.#stopped = true;
    for (const { adapter } of this.#adapters.values()) adapter.stop();
    for (const a of this.#retired) a.stop();
    this.#adapters.clear();
    this.#retired.length = 0;
  }
}
