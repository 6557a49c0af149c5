/**
 * The tag query language (issue #20): parse, print, normalise and evaluate boolean queries over tags and paths. The
 * hub's tags module answers them from its bitmap index; a store node answers them offline from its copy.
 */
export {
  type AndNode,
  isOperatorWord as isTagQueryOperatorWord,
  normalise as normaliseTagQuery,
  type NotNode,
  type OrNode,
  type PathTerm,
  TAG_QUERY_LIMITS,
  TAG_SLUG_PATTERN,
  type TagQuery,
  type TagTerm,
  toText as tagQueryToText,
} from './ast.js';
export { evaluate as evaluateTagQuery, JsSetAlgebra, type SetAlgebra as TagSetAlgebra } from './evaluate.js';
export type { QueryError as TagQueryError } from './lexer.js';
export {
  formatQueryError as formatTagQueryError,
  type ParseResult as TagQueryParseResult,
  parseTagQuery,
} from './parser.js';
export {
  type LocatedTagQueryTerm,
  locateTerm as locateTagQueryTerm,
  locateTerms,
  termsOf as tagQueryTerms,
} from './locate.js';
