import { ValidationError } from '@storefleet/shared';
import {
  GraphQLError,
  type ASTVisitor,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/** What a list field costs per item when its `first` is left out (the schema's usual default). */
export const DEFAULT_FIRST = 20;
/**
 * What a list field costs per item when its `first` comes from a variable: validation runs before variables are
 * read, so the largest page any resolver answers (resolvers clamp `first` to it) stands in for the value.
 */
export const MAX_FIRST = 100;

/**
 * A list field's `first`, checked as every list field checks it: left out, `fallback`; below 1 or over `max` a
 * BAD_USER_INPUT naming the allowed range (never clamped in silence: a client asking for 0 or 500 has a bug to see).
 */
export function pageFirst(first: number | null | undefined, fallback: number, max: number = MAX_FIRST): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ValidationError(`first must be 1 to ${max}, not ${n}`);
  return n;
}

const refusal = (code: 'QUERY_TOO_DEEP' | 'QUERY_TOO_COSTLY', message: string) =>
  new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

/**
 * What one `__schema` or `__type` costs: the whole schema is several kB of answer, so 1,000 aliases of it (86 kB of
 * query) once made 11 MB. At 200, 25 of them fill the default budget; the one a client or a tool sends costs little.
 * What they select is not measured further (yoga's own introspection depth guard bounds its nesting).
 */
export const INTROSPECTION_COST = 200;
/**
 * The most fields one operation selects, fragments followed (each spread counted where it is spread; aliases count as
 * the fields they are). A shop page selects a few dozen; 5,000 aliases of one cheap field are no client's query.
 */
export const MAX_FIELDS = 2_000;

/** `__schema` and `__type` cost INTROSPECTION_COST; `__typename` is free. */
const introspection = (f: FieldNode) => f.name.value.startsWith('__');

interface Measure {
  readonly depth: number;
  readonly cost: number;
  /** Fields selected, fragments followed. */
  readonly fields: number;
}

/** Thrown inside a walk the moment a limit is passed: nothing further needs measuring. */
class Refused extends Error {
  constructor(readonly refusal: GraphQLError) {
    super(refusal.message);
  }
}

interface Limits {
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxFields: number;
}

/**
 * Measures an operation before anything runs: its depth (fields nested, fragments followed), its cost (each field 1, a
 * list field `first` × what it selects per item; a page's `items` the page's `first`) and how many fields it selects.
 *
 * Linear in the document, whatever it holds: each fragment is measured once per page size it is spread under and
 * remembered (a fragment that spreads the next one twice, thirty deep, once walked 2^30 selections and held the event
 * loop for hours), the walk stops the moment a limit is passed (every part of an operation costs at least its own
 * cost, so a part over the budget is enough to refuse), and a fragment spread inside itself (graphql's own rules
 * refuse it anyway) counts nothing further.
 */
class Measurer {
  readonly #memo = new Map<string, Measure>();
  readonly #open = new Set<string>();

  constructor(
    private readonly ctx: ValidationContext,
    private readonly limits: Limits,
    private readonly name: string,
  ) {}

  selection(set: SelectionSetNode | undefined, type: GraphQLOutputType | undefined, page: number | undefined): Measure {
    if (!set) return { depth: 0, cost: 0, fields: 0 };
    const named = type ? getNamedType(type) : undefined;
    let depth = 0;
    let cost = 0;
    let fields = 0;
    for (const sel of set.selections) {
      let m: Measure;
      if (sel.kind === 'Field') m = this.#field(sel, named, page);
      else if (sel.kind === 'InlineFragment') {
        const cond = sel.typeCondition ? this.ctx.getSchema().getType(sel.typeCondition.name.value) : named;
        m = this.selection(sel.selectionSet, cond as GraphQLOutputType | undefined, page);
      } else m = this.#fragment(sel.name.value, page);
      depth = Math.max(depth, m.depth);
      cost += m.cost;
      fields += m.fields;
      this.#check(depth, cost, fields);
    }
    return { depth, cost, fields };
  }

  #field(sel: FieldNode, named: ReturnType<typeof getNamedType> | undefined, page: number | undefined): Measure {
    if (introspection(sel))
      return { depth: 0, cost: sel.name.value === '__typename' ? 0 : INTROSPECTION_COST, fields: 1 };
    const parent = named && isCompositeType(named) ? (named as GraphQLCompositeType) : undefined;
    const def =
      parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[sel.name.value] : undefined;
    const isList = def ? isListType(getNullableType(def.type)) : false;
    const asks = sel.arguments?.some((a) => a.name.value === 'first') === true;
    // a page (`products(first:) { items }`): its list without a `first` of its own holds the page's `first`
    const inner = this.selection(sel.selectionSet, def?.type, !isList && asks ? firstOf(sel) : undefined);
    const items = asks ? firstOf(sel) : (page ?? DEFAULT_FIRST);
    return {
      depth: inner.depth + 1,
      cost: 1 + (isList ? items * Math.max(1, inner.cost) : inner.cost),
      fields: inner.fields + 1,
    };
  }

  #fragment(name: string, page: number | undefined): Measure {
    const key = `${name}\u0000${page ?? ''}`;
    const known = this.#memo.get(key);
    if (known) return known;
    const frag = this.#open.has(name) ? undefined : this.ctx.getFragment(name);
    if (!frag) return { depth: 0, cost: 0, fields: 0 };
    const cond = this.ctx.getSchema().getType(frag.typeCondition.name.value) as GraphQLOutputType | undefined;
    this.#open.add(name);
    try {
      const m = this.selection(frag.selectionSet, cond, page);
      this.#memo.set(key, m);
      return m;
    } finally {
      this.#open.delete(name);
    }
  }

  /** Refuses as soon as a part of the operation passes a limit (the whole can only be more). */
  #check(depth: number, cost: number, fields: number): void {
    const { maxDepth, maxCost, maxFields } = this.limits;
    if (depth > maxDepth)
      throw new Refused(
        refusal('QUERY_TOO_DEEP', `${this.name} nests ${depth} fields deep; at most ${maxDepth} are run`),
      );
    if (cost > maxCost)
      throw new Refused(
        refusal(
          'QUERY_TOO_COSTLY',
          `${this.name} costs ${cost} or more (a list field costs its first × what it selects); at most ${maxCost} is run`,
        ),
      );
    if (fields > maxFields)
      throw new Refused(
        refusal(
          'QUERY_TOO_COSTLY',
          `${this.name} selects over ${maxFields} fields (aliases and fragments counted); at most ${maxFields} are run`,
        ),
      );
  }
}

/** The `first` a list field asks for: its literal, the largest page for a variable, else the default. */
function firstOf(field: FieldNode): number {
  const arg = field.arguments?.find((a) => a.name.value === 'first');
  if (!arg) return DEFAULT_FIRST;
  if (arg.value.kind === 'IntValue') return Math.max(0, Math.min(MAX_FIRST, Number(arg.value.value)));
  return MAX_FIRST;
}

/**
 * A validation rule that refuses an operation deeper than `maxDepth` (QUERY_TOO_DEEP), costlier than `maxCost` or
 * selecting more than `maxFields` fields (QUERY_TOO_COSTLY). Validation runs before execution, so a refused query
 * reads nothing; yoga answers it with 400.
 */
export function queryLimits(maxDepth: number, maxCost: number, maxFields: number = MAX_FIELDS) {
  return (ctx: ValidationContext): ASTVisitor => ({
    OperationDefinition(op) {
      const root = ctx.getSchema().getRootType(op.operation) ?? undefined;
      const name = op.name ? `operation ${op.name.value}` : 'the operation';
      try {
        new Measurer(ctx, { maxDepth, maxCost, maxFields }, name).selection(op.selectionSet, root, undefined);
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        ctx.reportError(err.refusal);
      }
    },
  });
}
