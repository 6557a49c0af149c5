import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The process's own figures (CPU, memory, GC, event-loop delay) per metric prefix: one collector for the process, not
 * one per registry — each collector keeps a GC observer and an event-loop histogram for as long as the process runs,
 * so a process that starts hub after hub (a test worker) would otherwise pile them up.
 */
const processRegistries = new Map<string, Registry>();
const processOf = new WeakMap<Registry, Registry>();

/**
 * One registry per hub instance, so several hubs in one process (tests) keep separate figures; `metricsRoute` serves
 * it with the process's figures under the same prefix.
 */
export function createRegistry(prefix: string): Registry {
  const registry = new Registry();
  let proc = processRegistries.get(prefix);
  if (!proc) {
    proc = new Registry();
    collectDefaultMetrics({ register: proc, prefix });
    processRegistries.set(prefix, proc);
  }
  processOf.set(registry, proc);
  return registry;
}

interface MetricsRequest {
  readonly method: string;
  readonly baseUrl: string;
  readonly route?: { readonly path: unknown } | undefined;
}
interface MetricsResponse {
  readonly statusCode: number;
  readonly locals: Record<string, unknown>;
  on(event: 'finish', listener: () => void): unknown;
}

export function httpMetrics(registry: Registry, prefix: string) {
  const requests = new Counter({
    name: `${prefix}http_requests_total`,
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return (req: MetricsRequest, res: MetricsResponse, next: () => void): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      // The route pattern, not the raw path: ids in paths would make unbounded label sets.
      // Express has restored `baseUrl` by now: `markRoutePrefix` kept the prefix of the router that matched.
      const prefix = typeof res.locals.routePrefix === 'string' ? res.locals.routePrefix : req.baseUrl;
      const route = req.route ? `${prefix}${String(req.route.path)}` : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}

export function metricsRoute(registry: Registry) {
  return async (_req: unknown, res: { type(t: string): { send(body: string): unknown } }): Promise<void> => {
    const proc = processOf.get(registry);
    res.type(registry.contentType).send((await registry.metrics()) + (proc ? await proc.metrics() : ''));
  };
}

/** Mount at the top of a sub-router so route labels keep its prefix (`/api/locations/:id`, not `/locations/:id`). */
export function markRoutePrefix(
  req: { readonly baseUrl: string },
  res: { readonly locals: Record<string, unknown> },
  next: () => void,
): void {
  res.locals.routePrefix = req.baseUrl;
  next();
}
