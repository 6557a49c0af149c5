/**
 * A SQL script's statements, comments left out, for running them one at a time (Postgres runs a script sent at once
 * as one implicit transaction, where CREATE INDEX CONCURRENTLY is refused). Knows what can hide a `;`: quoted strings
 * and identifiers, dollar-quoted bodies, and comments. Pure; no SQL is checked here.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  const flush = () => {
    const text = current.trim();
    if (text) statements.push(text);
    current = '';
  };
  while (i < script.length) {
    const end = skipped(script, i);
    if (end === null) {
      if (script[i] === ';') flush();
      else current += script[i];
      i++;
      continue;
    }
    const comment = script.startsWith('--', i) || script.startsWith('/*', i);
    current += comment ? ' ' : script.slice(i, end);
    i = end;
  }
  flush();
  return statements;
}

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** Where a comment, quoted text or dollar-quoted body starting at `i` ends (the script's end if unclosed); else null. */
function skipped(script: string, i: number): number | null {
  if (script.startsWith('--', i)) return until(script, '\n', i + 2);
  if (script.startsWith('/*', i)) return until(script, '*/', i + 2);
  const ch = script[i]!;
  if (ch === "'" || ch === '"') return quoted(script, ch, i + 1);
  if (ch !== '$') return null;
  const tag = DOLLAR_TAG.exec(script.slice(i, i + 64));
  return tag ? until(script, tag[0], i + tag[0].length) : null;
}

function until(script: string, closing: string, from: number): number {
  const at = script.indexOf(closing, from);
  return at < 0 ? script.length : at + closing.length;
}

/** A quote doubled inside quoted text is the character itself, not the end. */
function quoted(script: string, quote: string, from: number): number {
  for (let at = from; ; ) {
    const next = script.indexOf(quote, at);
    if (next < 0) return script.length;
    if (script[next + 1] !== quote) return next + 1;
    at = next + 2;
  }
}
