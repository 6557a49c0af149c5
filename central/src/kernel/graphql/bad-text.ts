import { badTextIn, type BadTextProblem, findBadText } from '@storefleet/shared';
import {
  type ASTNode,
  type ASTVisitor,
  GraphQLError,
  Kind,
  type StringValueNode,
  type ValidationContext,
} from 'graphql';

/**
 * Text our databases cannot keep (U+0000, lone surrogates: shared/src/http/refuse-bad-text.ts) is refused before a
 * GraphQL operation runs, wherever it arrives. The hub's edge check sees only the request's JSON strings; GraphQL
 * decodes more text of its own — a string literal's `\u0000` escape, a socket frame's raw text, GET `variables` JSON —
 * which reached resolvers and failed deep in a statement (INTERNAL, an error-level log line, a failed write).
 */

const says = (problem: BadTextProblem) =>
  problem === 'contains U+0000 (NUL)'
    ? 'text may not contain U+0000 (NUL)'
    : 'text may not contain a lone surrogate (U+D800–U+DFFF outside a pair)';

/** `inYoga`: refused during yoga's validation, which answers 400 when told so (and does not send the `http` member). */
const badInput = (message: string, nodes?: ASTNode, inYoga = false) =>
  new GraphQLError(message, {
    nodes,
    extensions: inYoga ? { code: 'BAD_USER_INPUT', http: { status: 400 } } : { code: 'BAD_USER_INPUT' },
  });

/** Where a string literal sits, for the refusal: `argument sku of product`, `the default of $s`. */
function placeOf(ancestors: readonly (ASTNode | readonly ASTNode[])[]): string {
  const fieldPath: string[] = [];
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i];
    if (!a || Array.isArray(a)) continue;
    const node = a as ASTNode;
    if (node.kind === Kind.OBJECT_FIELD) fieldPath.unshift(node.name.value);
    else if (node.kind === Kind.ARGUMENT) {
      const owner = ancestors
        .slice(0, i)
        .reverse()
        .find((o): o is ASTNode => !Array.isArray(o) && (o as ASTNode).kind in OWNERS);
      const of = owner && 'name' in owner && owner.name ? ` of ${OWNERS[owner.kind]}${owner.name.value}` : '';
      return `argument ${[node.name.value, ...fieldPath].join('.')}${of}`;
    } else if (node.kind === Kind.VARIABLE_DEFINITION)
      return `the default of $${[node.variable.name.value, ...fieldPath].join('.')}`;
  }
  return 'a string in the query';
}
const OWNERS: Partial<Record<string, string>> = { [Kind.FIELD]: '', [Kind.DIRECTIVE]: '@' };

/** A validation rule: a string literal (quoted or block) holding bad text is BAD_USER_INPUT naming its argument. */
export function refuseBadTextLiterals(ctx: ValidationContext): ASTVisitor {
  return {
    StringValue(node: StringValueNode, _key, parent, _path, ancestors) {
      const problem = badTextIn(node.value);
      if (!problem) return;
      // graphql hands the parent (the argument, for a plain literal) apart from the ancestors above it
      const place = placeOf(parent ? [...ancestors, parent] : ancestors);
      ctx.reportError(badInput(`${place}: ${says(problem)}`, node, true));
    },
  };
}

/** The refusal for variables holding bad text (`variable $s: text may not contain …`), or undefined. */
export function badTextInVariables(variables: unknown): GraphQLError | undefined {
  const hit = findBadText(variables);
  return hit ? badInput(`variable $${hit.path}: ${says(hit.problem)}`) : undefined;
}
