/**
 * Lists what an express 5 app answers by walking its router: every route (method + path as declared, with its mount
 * prefixes) and every static-file mount. Used by the authorization matrix and the fuzz tests, so a route that exists
 * is always one they check. Reads the `router` package's layers (`stack`, `route`, `rawPath`, a nested router's
 * `handle.stack`); if a future express changes them, `discoverRoutes` throws rather than finding nothing.
 */
export interface DiscoveredRoute {
  readonly method: string;
  /** The path as express declares it, prefixes joined: `/api/locations/:id`. */
  readonly path: string;
}

export interface DiscoveredStatic {
  /** Where express.static is mounted: `/console`, `/shared`, `/` for the root. */
  readonly mount: string;
}

interface LayerLike {
  readonly name?: string;
  readonly rawPath?: unknown;
  readonly route?: { readonly path: unknown; readonly methods: Record<string, boolean> };
  readonly handle?: { readonly stack?: readonly LayerLike[] };
}

const join = (prefix: string, path: string): string => {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') || '/' : joined;
};

function pathOf(raw: unknown, what: string): string {
  if (raw === undefined || raw === null) return '/';
  if (typeof raw !== 'string') throw new Error(`${what}: only string paths can be listed, got ${String(raw)}`);
  return raw;
}

/** Every route and static mount of `app` (an express 5 application), in declaration order, without duplicates. */
export function discoverRoutes(app: { readonly router: { readonly stack: readonly LayerLike[] } }): {
  routes: DiscoveredRoute[];
  statics: DiscoveredStatic[];
} {
  const routes: DiscoveredRoute[] = [];
  const statics: DiscoveredStatic[] = [];
  const seen = new Set<string>();
  const walk = (stack: readonly LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = join(prefix, pathOf(layer.route.path, 'route'));
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (!on || method === '_all') continue;
          const key = `${method.toUpperCase()} ${path}`;
          if (seen.has(key)) continue;
          seen.add(key);
          routes.push({ method: method.toUpperCase(), path });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, join(prefix, pathOf(layer.rawPath, 'mounted router')));
      } else if (layer.name === 'serveStatic') {
        statics.push({ mount: join(prefix, pathOf(layer.rawPath, 'static mount')) });
      }
    }
  };
  if (!Array.isArray(app.router?.stack)) throw new Error('not an express 5 app: app.router.stack is missing');
  walk(app.router.stack, '/');
  if (!routes.length) throw new Error('no routes found: has express changed how it keeps its layers?');
  return { routes, statics };
}
