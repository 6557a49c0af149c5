import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expandOptionalGroups, openApiPath } from '../http/openapi.js';

/**
 * Test helpers for the OpenAPI documents the hub and the store node serve (issue #26): a structural check of a
 * document (what an OpenAPI 3.1 reader relies on), the routes a walk found that the document does not document, and
 * validators for the answers a route gives, from the document's own response schemas (ajv, JSON Schema 2020-12).
 */

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Where the document's components live for ajv; `#/components/schemas/X` refs are rewritten to point there. */
const COMPONENTS_ID = 'https://storefleet.invalid/openapi-components';

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')
        ? `${COMPONENTS_ID}#/$defs/${v.slice('#/components/schemas/'.length)}`
        : rewriteRefs(v);
  }
  return out;
}

function pointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!at || typeof at !== 'object' || !(key in at)) return undefined;
    at = (at as Json)[key];
  }
  return at;
}

/** Every operation of the document, with its method, path and path item. */
export function operationsOf(doc: Json): { method: string; path: string; op: Json; item: Json }[] {
  const out: { method: string; path: string; op: Json; item: Json }[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>))
    for (const method of METHODS) if (item[method]) out.push({ method, path, op: item[method] as Json, item });
  return out;
}

/** Reads an OpenAPI 3.1 document and compiles its schemas; `problems()` says what is wrong, one line each. */
export class OpenApiDocument {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  readonly #doc: Json;

  constructor(doc: unknown) {
    this.#doc = doc as Json;
    const schemas = ((this.#doc.components as Json | undefined)?.schemas ?? {}) as Json;
    this.#ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(schemas) as Json });
  }

  #deref<T>(value: T): T {
    const ref = (value as { $ref?: unknown } | undefined)?.$ref;
    return typeof ref === 'string' ? (pointer(this.#doc, ref) as T) : value;
  }

  /** A validator for a JSON Schema taken from the document. */
  compile(schema: unknown): ValidateFunction {
    return this.#ajv.compile(rewriteRefs(schema) as Json);
  }

  /** The JSON Schema of the answer `method path` gives with `status`, or undefined when the document has none. */
  answerSchema(method: string, path: string, status: number): unknown {
    const op = (this.#doc.paths as Record<string, Json> | undefined)?.[path]?.[method.toLowerCase()] as
      | Json
      | undefined;
    const responses = (op?.responses ?? {}) as Json;
    const answer = this.#deref(responses[String(status)] ?? responses[`${String(status)[0]}XX`]) as Json | undefined;
    return ((answer?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
  }

  /** What is wrong with the document as OpenAPI 3.1, one line per problem; empty when nothing is. */
  problems(): string[] {
    const problems: string[] = [];
    const doc = this.#doc;
    if (typeof doc.openapi !== 'string' || !/^3\.1\.\d+$/.test(doc.openapi))
      problems.push(`openapi is ${String(doc.openapi)}, not 3.1.x`);
    const info = doc.info as Json | undefined;
    if (typeof info?.title !== 'string' || typeof info.version !== 'string')
      problems.push('info needs title and version');
    const refs: string[] = [];
    const collect = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) k === '$ref' && typeof x === 'string' ? refs.push(x) : collect(x);
    };
    collect(doc);
    for (const ref of new Set(refs))
      if (pointer(doc, ref) === undefined) problems.push(`$ref ${ref} resolves to nothing`);
    const ids = new Set<string>();
    for (const { method, path, op, item } of operationsOf(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!path.startsWith('/')) problems.push(`${where}: a path must start with /`);
      if (typeof op.summary !== 'string' || !op.summary.trim()) problems.push(`${where}: no summary`);
      if (typeof op.operationId === 'string') {
        if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} is used twice`);
        ids.add(op.operationId);
      }
      const responses = op.responses as Json | undefined;
      if (!responses || !Object.keys(responses).length) problems.push(`${where}: no responses`);
      const params = [...((item.parameters ?? []) as Json[]), ...((op.parameters ?? []) as Json[])].map((p) =>
        this.#deref(p),
      );
      const inPath = new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!));
      const declared = new Set(params.filter((p) => p?.in === 'path').map((p) => String(p.name)));
      for (const name of inPath)
        if (!declared.has(name)) problems.push(`${where}: path parameter ${name} is not declared`);
      for (const name of declared)
        if (!inPath.has(name)) problems.push(`${where}: parameter ${name} is not in the path`);
      for (const p of params)
        if (p?.in === 'path' && p.required !== true) problems.push(`${where}: ${p.name} must be required`);
      const schemas: [string, unknown][] = params.map((p) => [`parameter ${String(p?.name)}`, p?.schema]);
      const body = this.#deref(op.requestBody as Json | undefined);
      for (const [type, media] of Object.entries((body?.content ?? {}) as Record<string, Json>))
        schemas.push([`request body ${type}`, media.schema]);
      for (const [status, raw] of Object.entries(responses ?? {})) {
        const answer = this.#deref(raw as Json);
        if (typeof answer?.description !== 'string') problems.push(`${where}: answer ${status} has no description`);
        for (const [type, media] of Object.entries((answer?.content ?? {}) as Record<string, Json>))
          schemas.push([`answer ${status} ${type}`, media.schema]);
      }
      for (const [what, schema] of schemas) {
        if (schema === undefined) continue;
        try {
          this.compile(schema);
        } catch (err) {
          problems.push(`${where}: ${what}: the schema does not compile: ${(err as Error).message}`);
        }
      }
    }
    return problems;
  }

  /**
   * The routes of `routes` (as a walk of the express app found them) the document lists without their own
   * description, or not at all: one line each, `GET /api/things/:id`. `covered` are path prefixes the document writes
   * by hand (`/graphql`).
   */
  undocumented(routes: readonly { method: string; path: string }[], covered: readonly string[] = []): string[] {
    const paths = (this.#doc.paths ?? {}) as Record<string, Json>;
    return routes
      .filter((r) => !covered.some((c) => r.path === c || r.path.startsWith(`${c}/`)))
      .filter((r) =>
        expandOptionalGroups(r.path).some((p) => {
          const op = paths[openApiPath(p)]?.[r.method.toLowerCase()] as Json | undefined;
          return !op || String(op.summary).startsWith('(undocumented)');
        }),
      )
      .map((r) => `${r.method} ${r.path}`);
  }
}
