import type { Logger } from 'pino';
import type { HubMode } from '../../../kernel/hub-settings.js';
import type { Carrier } from '../types.js';
import { DEFAULT_SIMULATION, type CarrierAdapter, type CarrierNetwork, type Integration } from './carrier.js';
import type { DriverApps } from './driver-app.js';
import { InHouseVan, SimulatedCarrier } from './simulated-carrier.js';

/**
 * The carriers as the hub reaches them by itself, configured like the other external parties (hub-settings.ts):
 * - an in-house VAN is the hub's own (its rule, not a simulator), in every mode; with a `simulator` on its row, its
 *   answers are simulated (delays, drop-outs) and the rule still applies;
 * - a GIG, DSP or DRONE row with a `simulator` is simulated in every mode — in production the hub warns at start and
 *   the carrier's reads say `simulator`, never silently;
 * - one without (`simulator: null`) is, in production, reached through its driver app (`driver-app`: offers pushed to
 *   the carrier's open drivers' sockets, answered there — carriers/driver-app.ts); in demo and test mode it is
 *   simulated with its kind's default behaviour, as before, so the demo's carriers answer by themselves. A hub built
 *   without the drivers' sockets (`apps` left out) reaches none of them in production.
 */
export class BuiltInNetwork implements CarrierNetwork {
  readonly #adapters = new Map<string, { updatedAt: number; adapter: CarrierAdapter & { stop(): void } }>();
  #stopped = false;

  constructor(
    readonly mode: HubMode,
    readonly log: Logger,
    readonly apps?: DriverApps,
  ) {}

  integrationOf(c: Carrier): Integration {
    if (c.kind === 'VAN') return c.simulator ? 'simulator' : 'in-house';
    if (this.apps?.reaches(c)) return 'driver-app';
    return c.simulator || this.mode !== 'production' ? 'simulator' : 'none';
  }

  adapterFor(c: Carrier): CarrierAdapter | null {
    const integration = this.integrationOf(c);
    if (this.#stopped || integration === 'none') return null;
    const known = this.#adapters.get(c.id);
    if (known && known.updatedAt === c.updatedAt) return known.adapter;
    // A carrier whose row changed gets a new adapter; the old one keeps its timers (answers already on their way).
    const adapter =
      integration === 'driver-app' && this.apps
        ? this.apps.adapterFor(c)
        : c.kind === 'VAN' && !c.simulator
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
