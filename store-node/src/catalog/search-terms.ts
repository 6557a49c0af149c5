/** At most this many words of a search are used: a pasted paragraph is not a product name. */
const MAX_TERMS = 8;
/** A longer word is cut: no product word is longer, and the index's work stays bounded. */
const MAX_TERM_LENGTH = 40;

/**
 * The words of what a customer or cashier typed: runs of letters and digits (any script), NFKC-normalised. Everything
 * else — quotes, `*`, `:`, `^`, parentheses, NUL — separates words, so no input can reach FTS5's query syntax.
 */
export function searchTerms(text: string): string[] {
  const words = text.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.slice(0, MAX_TERMS).map((w) => w.slice(0, MAX_TERM_LENGTH));
}

/**
 * An FTS5 MATCH expression that finds every word, each as a whole word or as the start of one (search as you type:
 * "choc" finds chocolate). A whole-word match also matches the prefix phrase, so bm25 counts it twice: "cola" ranks
 * Coca-Cola above Colada. One-letter words match only whole words (a one-letter prefix matches half the catalog).
 * Each word is a quoted string, so `NEAR`, `OR`, `AND` and `NOT` are words too. Null when there is no word.
 */
export function ftsMatch(terms: readonly string[]): string | null {
  if (!terms.length) return null;
  return terms.map((t) => (t.length > 1 ? `("${t}" OR "${t}" *)` : `"${t}"`)).join(' AND ');
}
