/**
 * Typed ports: how modules reach each other without importing each other (issue #15). A port names a service and
 * carries its TypeScript type; a module lists the ports it fills (`provides`) and the ones it asks for (`needs`,
 * `uses`), and `ctx.services.get(PORT)` returns the port's type. The ports between modules live in `kernel/ports/`
 * with their interfaces; a port whose other side is the workflows layer or an external party lives with its module.
 */
export class Port<T> {
  /** Only carries `T` for the type checker (invariant: a provider must give exactly the port's type or a subtype). */
  declare readonly type: (t: T) => T;
  constructor(
    /** The service's name, as messages show it (`inventory.holds`). */
    readonly name: string,
    /** What the service is for, in a sentence a reader of a start-up failure understands. */
    readonly purpose: string,
  ) {}
}

export const definePort = <T>(name: string, purpose: string): Port<T> => new Port<T>(name, purpose);

/** A port of any service type, as lists of ports hold it: only its name, purpose and identity are used. */
type AnyPort = Pick<Port<unknown>, 'name' | 'purpose'>;

/** One port filled with its service; made by `provide`, so the service is checked against the port's type. */
export interface Provision {
  readonly port: AnyPort;
  readonly service: unknown;
}

export const provide = <T>(port: Port<T>, service: NoInfer<T>): Provision => ({ port, service });

/** The service a list of provisions fills `port` with (tests and benches reach one module's service this way). */
export const provided = <T>(provisions: readonly Provision[], port: Port<T>): T | undefined =>
  provisions.find((p) => p.port === port)?.service as T | undefined;

/** What a module declares it asks for: `needs` must have exactly one provider at start; `uses` may have none. */
export interface PortDeclarations {
  readonly needs?: readonly AnyPort[];
  readonly uses?: readonly AnyPort[];
}

/** The services one module (or the workflows layer) may ask for: the ports it declared, nothing else. */
export interface Services {
  /** The port's service; throws when nobody provides it. */
  get<T>(port: Port<T>): T;
  /** The port's service, or undefined when nobody provides it (a `uses` port). */
  find<T>(port: Port<T>): T | undefined;
}

/**
 * The hub's table of ports and their providers. Every port has at most one provider; `check` stops the hub when a
 * declared need has none. Each module sees the table through `servicesFor`, which refuses a port it did not declare.
 */
export class ServiceRegistry {
  readonly #providers = new Map<string, { by: string; port: AnyPort; service: unknown }>();
  readonly #declared: { by: string; ports: PortDeclarations }[] = [];

  provide(by: string, provisions: readonly Provision[]): void {
    for (const { port, service } of provisions) {
      const existing = this.#providers.get(port.name);
      if (existing)
        throw new Error(`${port.name} is provided by both ${existing.by} and ${by}; a port has one provider`);
      this.#providers.set(port.name, { by, port, service });
    }
  }

  /** Stops the hub (throws) when a module needs a port no module, workflow or external party provides. */
  check(): void {
    for (const { by, ports } of this.#declared) {
      for (const port of ports.needs ?? []) {
        if (!this.#providers.has(port.name))
          throw new Error(`${by} needs ${port.name} (${port.purpose}), which no module provides`);
      }
    }
  }

  /** A service by name, for the hub's own conventions (`<module>.retention`); modules ask by port. */
  byName(name: string): unknown {
    return this.#providers.get(name)?.service;
  }

  servicesFor(by: string, ports: PortDeclarations): Services {
    this.#declared.push({ by, ports });
    const declared = new Set([...(ports.needs ?? []), ...(ports.uses ?? [])].map((p) => p.name));
    const find = <T>(port: Port<T>): T | undefined => {
      // Checked at the call: a module asks lazily (inside routes and sweeps), so only the call shows what it uses.
      if (!declared.has(port.name))
        throw new Error(`${by} asked for ${port.name} without declaring it in its needs or uses`);
      return this.#providers.get(port.name)?.service as T | undefined;
    };
    return {
      find,
      get: (port) => {
        const service = find(port);
        if (service === undefined)
          throw new Error(`${by} asked for ${port.name} (${port.purpose}), which no module provides`);
        return service;
      },
    };
  }
}
