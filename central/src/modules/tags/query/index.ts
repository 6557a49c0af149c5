/** The tag query language (issue #20): parse, print, normalise and evaluate boolean queries over tags and paths. */
export {
  type AndNode,
  isOperatorWord,
  normalise,
  type NotNode,
  type OrNode,
  type PathTerm,
  TAG_QUERY_LIMITS,
  TAG_SLUG_PATTERN,
  type TagQuery,
  type TagTerm,
  toText,
} from './ast.js';
export { evaluate, JsSetAlgebra, type SetAlgebra } from './evaluate.js';
export type { QueryError } from './lexer.js';
export { formatQueryError, type ParseResult, parseTagQuery } from './parser.js';
