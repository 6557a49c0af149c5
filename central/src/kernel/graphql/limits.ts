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

/** The introspection fields (`__schema`, `__type`, `__typename`) are the docs: neither deep nor costly. */
const introspection = (f: FieldNode) => f.name.value.startsWith('__');

interface Measure {
  readonly depth: number;
  readonly cost: number;
}

/**
 * Measures an operation before anything runs: its depth (fields nested, fragments followed) and its cost (each
 * field 1, a list field `first` × what it selects per item; a page's `items` the page's `first`). A fragment that spreads itself (refused by graphql's
 * own rules anyway) is cut off by `seen`.
 */
function measure(
  ctx: ValidationContext,
  set: SelectionSetNode | undefined,
  type: GraphQLOutputType | undefined,
  seen: ReadonlySet<string>,
  page: number | undefined,
): Measure {
  if (!set) return { depth: 0, cost: 0 };
  const named = type ? getNamedType(type) : undefined;
  let depth = 0;
  let cost = 0;
  for (const sel of set.selections) {
    let m: Measure;
    if (sel.kind === 'Field') {
      if (introspection(sel)) continue;
      const parent = named && isCompositeType(named) ? (named as GraphQLCompositeType) : undefined;
      const def =
        parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[sel.name.value] : undefined;
      const isList = def ? isListType(getNullableType(def.type)) : false;
      const asks = sel.arguments?.some((a) => a.name.value === 'first') === true;
      // a page (`products(first:) { items }`): its list without a `first` of its own holds the page's `first`
      const inner = measure(ctx, sel.selectionSet, def?.type, seen, !isList && asks ? firstOf(sel) : undefined);
      const items = asks ? firstOf(sel) : (page ?? DEFAULT_FIRST);
      m = { depth: inner.depth + 1, cost: 1 + (isList ? items * Math.max(1, inner.cost) : inner.cost) };
    } else if (sel.kind === 'InlineFragment') {
      const cond = sel.typeCondition ? ctx.getSchema().getType(sel.typeCondition.name.value) : named;
      m = measure(ctx, sel.selectionSet, cond as GraphQLOutputType | undefined, seen, page);
    } else {
      const name = sel.name.value;
      const frag = seen.has(name) ? undefined : ctx.getFragment(name);
      if (!frag) continue;
      const cond = ctx.getSchema().getType(frag.typeCondition.name.value) as GraphQLOutputType | undefined;
      m = measure(ctx, frag.selectionSet, cond, new Set([...seen, name]), page);
    }
    depth = Math.max(depth, m.depth);
    cost += m.cost;
  }
  return { depth, cost };
}

/** The `first` a list field asks for: its literal, the largest page for a variable, else the default. */
function firstOf(field: FieldNode): number {
  const arg = field.arguments?.find((a) => a.name.value === 'first');
  if (!arg) return DEFAULT_FIRST;
  if (arg.value.kind === 'IntValue') return Math.max(0, Math.min(MAX_FIRST, Number(arg.value.value)));
  return MAX_FIRST;
}

/**
 * A validation rule that refuses an operation deeper than `maxDepth` (QUERY_TOO_DEEP) or costlier than `maxCost`
 * (QUERY_TOO_COSTLY). Validation runs before execution, so a refused query reads nothing; yoga answers it with 400.
 */
export function queryLimits(maxDepth: number, maxCost: number) {
  return (ctx: ValidationContext): ASTVisitor => ({
    OperationDefinition(op) {
      const root = ctx.getSchema().getRootType(op.operation) ?? undefined;
      const { depth, cost } = measure(ctx, op.selectionSet, root, new Set(), undefined);
      const name = op.name ? `operation ${op.name.value}` : 'the operation';
      if (depth > maxDepth)
        ctx.reportError(refusal('QUERY_TOO_DEEP', `${name} nests ${depth} fields deep; at most ${maxDepth} are run`));
      else if (cost > maxCost)
        ctx.reportError(
          refusal(
            'QUERY_TOO_COSTLY',
            `${name} costs ${cost} (a list field costs its first × what it selects); at most ${maxCost} is run`,
          ),
        );
    },
  });
}
