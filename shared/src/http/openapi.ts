import { z } from 'zod';
import { routeDocOf, type RouteAccess, type RouteAnswer, type RouteDoc } from './route-doc.js';

/**
 * The OpenAPI 3.1 document of an express app, built from the routes themselves (issue #26): `collectRoutes` walks
 * express 5 routers by their shape (this package imports no express), reading the `RouteDoc` each route carries as its
 * first handler (`apiDoc`), and `buildOpenApi` turns those into paths whose schemas come from the same zod schemas the
 * handlers validate with (zod 4's own `z.toJSONSchema`), so the document cannot say something the route does not do.
 *
 * The walk reads the `router` package's layers: a router's `stack`; a layer with `route` (its `path`, `methods`, and
 * the `stack` of handlers, each with its `method`); a nested router as a layer whose `handle.stack` exists, mounted at
 * the layer's `rawPath`. If express changes that shape the walk finds nothing, and the coverage tests say so.
 */

/** One route as the walk finds it. */
export interface CollectedRoute {
  /** Upper case: `GET`, `POST`. */
  readonly method: string;
  /** As express declares it, prefixes joined: `/api/carts/:customerId/lines`. */
  readonly path: string;
  /** What the route says about itself; undefined for a route without `apiDoc` (the coverage tests list those). */
  readonly doc?: RouteDoc;
}

interface HandlerLayerLike {
  readonly method?: string;
  readonly handle?: unknown;
}

interface LayerLike {
  readonly rawPath?: unknown;
  readonly route?: {
    readonly path: unknown;
    readonly methods: Record<string, boolean>;
    readonly stack?: readonly HandlerLayerLike[];
  };
  readonly handle?: { readonly stack?: readonly LayerLike[] };
}

/** An express router, or an app (whose router is `app.router`). */
export type RouterLike = { readonly stack?: readonly unknown[] } | { readonly router?: { readonly stack?: unknown } };

const joinPath = (prefix: string, path: string): string => {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') || '/' : joined;
};

function stackOf(router: RouterLike): readonly LayerLike[] {
  const r = router as { stack?: unknown; router?: { stack?: unknown } };
  const stack = Array.isArray(r.stack) ? r.stack : r.router?.stack;
  if (!Array.isArray(stack)) throw new Error('not an express 5 router or app: it has no layer stack');
  return stack as LayerLike[];
}

/**
 * Every route of `router` (and of the routers mounted in it), with `prefix` in front, in declaration order; a method
 * declared twice for one path is listed once (express answers with the first). Routes with a non-string path (a
 * RegExp, an array) cannot be documented and are left out; the coverage tests find them through their own walk.
 */
export function collectRoutes(
  router: RouterLike,
  prefix = '',
  options: { readonly ownRoutesOnly?: boolean } = {},
): CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  const seen = new Set<string>();
  const walk = (stack: readonly LayerLike[], at: string) => {
    for (const layer of stack) {
      if (layer.route) {
        if (typeof layer.route.path !== 'string') continue;
        const path = joinPath(at, layer.route.path);
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (!on || method === '_all') continue;
          const key = `${method.toUpperCase()} ${path}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const doc = (layer.route.stack ?? [])
            .filter((h) => h.method === undefined || h.method === method)
            .map((h) => routeDocOf(h.handle))
            .find((d) => d !== undefined);
          routes.push({ method: method.toUpperCase(), path, ...(doc ? { doc } : {}) });
        }
      } else if (!options.ownRoutesOnly && Array.isArray(layer.handle?.stack)) {
        const mount = layer.rawPath === undefined || layer.rawPath === null ? '/' : layer.rawPath;
        if (typeof mount === 'string') walk(layer.handle.stack, joinPath(at, mount));
      }
    }
  };
  walk(stackOf(router), prefix || '/');
  return routes;
}

/** `/api/carts/:customerId` → `/api/carts/{customerId}`; a `*rest` wildcard becomes `{rest}` too. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]"([^"]+)"|[:*]([A-Za-z_$][\w$]*)/g, (_m, quoted: string, plain: string) => {
    return `{${quoted ?? plain}}`;
  });
}

/**
 * An express 5 path with optional groups (`/files{/:name}`) as every path it stands for (`/files`, `/files/:name`):
 * OpenAPI has no optional path segments.
 */
export function expandOptionalGroups(expressPath: string): string[] {
  const open = expressPath.indexOf('{');
  if (open < 0) return [expressPath];
  let depth = 0;
  let close = -1;
  for (let i = open; i < expressPath.length; i++) {
    if (expressPath[i] === '{') depth++;
    else if (expressPath[i] === '}' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return [expressPath];
  const before = expressPath.slice(0, open);
  const inner = expressPath.slice(open + 1, close);
  const after = expressPath.slice(close + 1);
  return [...expandOptionalGroups(`${before}${after}`), ...expandOptionalGroups(`${before}${inner}${after}`)].map(
    (p) => p || '/',
  );
}

/** A group of routes for the document: a router, where it is mounted, and the tag its routes get by default. */
export interface OpenApiGroup {
  readonly prefix: string;
  readonly router: RouterLike;
  /** The module's name (or the hub part's); the docs page groups by it. */
  readonly tag: string;
  /**
   * Only the routes declared on `router` itself, not those of the routers mounted in it: an app's own few routes
   * (`/healthz`) when its routers are groups of their own.
   */
  readonly ownRoutesOnly?: boolean;
}

type JsonObject = Record<string, unknown>;

export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  readonly groups: readonly OpenApiGroup[];
  /** Paths that are not express routes (the GraphQL endpoint), written as OpenAPI path items. */
  readonly extraPaths?: Readonly<Record<string, JsonObject>>;
  /** The security schemes the API has; the hub's when left out. */
  readonly securitySchemes?: Readonly<Record<string, JsonObject>>;
  /** Which schemes admit each kind of caller (`RouteDoc.access`); the hub's when left out. */
  readonly accessSchemes?: Readonly<Partial<Record<RouteAccess, readonly string[]>>>;
}

/** The hub's credentials: a console session (cookie or bearer), a store's token, a customer's session. */
export const HUB_SECURITY_SCHEMES: Readonly<Record<string, JsonObject>> = {
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'sf_session',
    description: 'A console user’s session, set by POST /api/auth/login.',
  },
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A console user’s session token (POST /api/auth/login) or a store’s token (POST /api/auth/store-token).',
  },
  customerBearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'A customer’s session token (`sfc_…`, from sign-up, sign-in or a guest session).',
  },
  customerCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'sf_customer',
    description: 'A customer’s session as the cookie sign-in sets.',
  },
};

const HUB_ACCESS_SCHEMES: Readonly<Record<RouteAccess, readonly string[]>> = {
  public: [],
  staff: ['sessionCookie', 'bearer'],
  admin: ['sessionCookie', 'bearer'],
  store: ['bearer'],
  customer: ['customerBearer', 'customerCookie'],
};

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'An error as RFC 9457 problem details; `detail` says what was wrong in words a person reads.',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', description: 'A URI naming the kind of error.' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
  additionalProperties: true,
};

const problemAnswer = (description: string): JsonObject => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const MEDIA_TYPE = /^[\w.+-]+\/[\w.+*-]+(;.*)?$/;

const STATUS_WORDS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  206: 'Partial content',
  301: 'Moved permanently',
  302: 'Found (a redirect)',
  304: 'Not modified',
  307: 'Temporary redirect',
  308: 'Permanent redirect',
};

/**
 * Turns zod schemas into JSON Schema for the document. Definitions a schema carries (`$defs`: recursive or registered
 * schemas) move to `components.schemas`, with their `$ref`s rewritten, since a `#/$defs/…` pointer inside an OpenAPI
 * document would point at the document's root.
 */
class SchemaWriter {
  readonly components: Record<string, unknown> = { Problem: PROBLEM_SCHEMA };

  write(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
    let json: JsonObject;
    try {
      json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io }) as JsonObject;
    } catch (err) {
      return { description: `not representable as JSON Schema: ${(err as Error).message}` };
    }
    const { $schema: _ignored, $defs, ...rest } = json;
    if (!$defs || typeof $defs !== 'object') return rest;
    const renamed = new Map<string, string>();
    for (const name of Object.keys($defs as JsonObject)) {
      let unique = name.replace(/[^\w.-]/g, '_');
      for (let n = 2; unique in this.components; n++) unique = `${name.replace(/[^\w.-]/g, '_')}_${n}`;
      renamed.set(name, unique);
      this.components[unique] = null; // claimed before the definitions are rewritten, which may refer to each other
    }
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (!value || typeof value !== 'object') return value;
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const local = k === '$ref' && typeof v === 'string' && /^#\/\$defs\/(.+)$/.exec(v);
        out[k] = local ? `#/components/schemas/${renamed.get(local[1]!) ?? local[1]}` : rewrite(v);
      }
      return out;
    };
    for (const [name, def] of Object.entries($defs as JsonObject)) this.components[renamed.get(name)!] = rewrite(def);
    return rewrite(rest) as JsonObject;
  }
}

function parametersOf(
  where: 'path' | 'query',
  schema: z.ZodObject | undefined,
  writer: SchemaWriter,
  names?: readonly string[],
): JsonObject[] {
  const json = schema ? writer.write(schema, 'input') : {};
  const props = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required ?? []) as string[]);
  const list = where === 'path' ? (names ?? []) : Object.keys(props);
  return list.map((name) => {
    const { description, ...fieldSchema } = props[name] ?? { type: 'string' };
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: fieldSchema,
    };
  });
}

function answerOf(status: number, answer: RouteAnswer, writer: SchemaWriter): JsonObject {
  const error = status >= 400;
  if (typeof answer === 'string') {
    if (MEDIA_TYPE.test(answer))
      return { description: STATUS_WORDS[status] ?? String(status), content: { [answer]: { schema: {} } } };
    return error ? problemAnswer(answer) : { description: answer };
  }
  if (answer instanceof z.ZodType)
    return {
      description: STATUS_WORDS[status] ?? String(status),
      content: { 'application/json': { schema: writer.write(answer, 'output') } },
    };
  if (error && !answer.schema && !answer.mediaType) return problemAnswer(answer.description);
  const mediaType = answer.mediaType ?? (answer.schema ? 'application/json' : undefined);
  return {
    description: answer.description,
    ...(mediaType
      ? { content: { [mediaType]: { schema: answer.schema ? writer.write(answer.schema, 'output') : {} } } }
      : {}),
  };
}

function operationOf(
  method: string,
  path: string,
  doc: RouteDoc | undefined,
  tag: string,
  writer: SchemaWriter,
  accessSchemes: Readonly<Partial<Record<RouteAccess, readonly string[]>>>,
): JsonObject {
  const pathNames = [...openApiPath(path).matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const parameters: JsonObject[] = [
    ...parametersOf('path', doc?.params, writer, pathNames),
    ...parametersOf('query', doc?.query, writer),
    ...(WRITES.has(method) ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
  ];
  const responses: Record<string, JsonObject> = {};
  for (const [status, answer] of Object.entries(doc?.responses ?? {}))
    responses[status] = answerOf(Number(status), answer, writer);
  if (!Object.keys(responses).some((s) => Number(s) < 400))
    responses['2XX'] = { description: 'Success (the answer’s body is not described)' };
  const access = doc?.access ?? ['staff'];
  const signedIn = access.filter((a) => a !== 'public');
  if (doc?.params || doc?.query || doc?.body || doc?.rawBody || pathNames.length)
    responses['400'] ??= problemAnswer('The request is malformed or a value is out of range (detail says which).');
  if (signedIn.length && !access.includes('public')) {
    responses['401'] ??= problemAnswer('Nobody is signed in, or the session has ended.');
    responses['403'] ??= problemAnswer('The caller is signed in but may not do this.');
  }
  if (pathNames.length) responses['404'] ??= problemAnswer('Nothing has that id (or the caller may not see it).');
  responses['5XX'] ??= problemAnswer('The server failed; detail says nothing internal.');
  const schemes = [...new Set(signedIn.flatMap((a) => accessSchemes[a] ?? []))];
  const security = [...(access.includes('public') ? [{}] : []), ...schemes.map((s) => ({ [s]: [] }))];
  const body: JsonObject | undefined = doc?.body
    ? { required: true, content: { 'application/json': { schema: writer.write(doc.body, 'input') } } }
    : doc?.rawBody
      ? {
          required: true,
          content: Object.fromEntries(doc.rawBody.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
        }
      : undefined;
  return {
    operationId: `${method.toLowerCase()}${openApiPath(path)
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join('')}`,
    summary: doc?.summary ?? `(undocumented) ${method} ${path}`,
    ...(doc?.description ? { description: doc.description } : {}),
    tags: [...(doc?.tags ?? [tag])],
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses,
    security: security.length ? security : [{}],
    'x-access': [...access],
    ...(doc?.deprecated ? { deprecated: true } : {}),
  };
}

/**
 * The OpenAPI 3.1 document of the routes in `groups` (built once, at start or on the first ask: the walk and the
 * schema conversion take milliseconds). An undocumented route is still listed, with a summary saying so, so the
 * document never hides a route that exists; the coverage tests fail on it.
 */
export function buildOpenApi(options: OpenApiOptions): JsonObject {
  const writer = new SchemaWriter();
  const accessSchemes = options.accessSchemes ?? HUB_ACCESS_SCHEMES;
  const paths: Record<string, Record<string, JsonObject>> = {};
  const tags = new Set<string>();
  for (const group of options.groups) {
    for (const route of collectRoutes(group.router, group.prefix, group)) {
      for (const expressPath of expandOptionalGroups(route.path)) {
        const path = openApiPath(expressPath);
        paths[path] ??= {};
        const item = paths[path];
        const method = route.method.toLowerCase();
        if (item[method]) continue; // the first declaration answers, as in express
        const op = operationOf(route.method, expressPath, route.doc, group.tag, writer, accessSchemes);
        for (const t of op.tags as string[]) tags.add(t);
        item[method] = op;
      }
    }
  }
  for (const [path, item] of Object.entries(options.extraPaths ?? {})) paths[path] = item as Record<string, JsonObject>;
  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      ...(options.description ? { description: options.description } : {}),
    },
    // No `jsonSchemaDialect`: OpenAPI 3.1's default (its base vocabulary over JSON Schema 2020-12) is what zod writes,
    // and naming the plain 2020-12 meta-schema makes Swagger UI warn on every page that it does not support it.
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      schemas: writer.components,
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes a retried write safe: the same key with the same request gets the first answer again without ' +
            'doing the work twice; the same key with another request is refused (422), one still running answers 409.',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]+$' },
        },
      },
      securitySchemes: options.securitySchemes ?? HUB_SECURITY_SCHEMES,
    },
  };
}
