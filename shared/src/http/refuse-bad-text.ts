import { ValidationError } from '../errors.js';

/**
 * Text our databases cannot keep as sent is refused at the edge, by the hub and the store node alike:
 * - U+0000: Postgres cannot store it (a 500 deep in a statement, which in a group commit also failed its neighbours)
 *   and SQLite would keep it silently;
 * - a lone surrogate (U+D800–U+DFFF not in a high-low pair; `JSON.parse('"\\ud800"')` makes one): it has no UTF-8
 *   form, so the database driver would silently store U+FFFD instead of what was sent.
 * One rule everywhere: requests (path, query, JSON body strings and keys), uploaded events and synced documents.
 */
export interface NulCheckedRequest {
  readonly originalUrl: string;
  readonly path: string;
  readonly query?: unknown;
  readonly body?: unknown;
}

/** What is wrong with a piece of text, as `findBadText` reports it. */
export type BadTextProblem = 'contains U+0000 (NUL)' | 'contains a lone surrogate (U+D800–U+DFFF outside a pair)';

/** A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding U+0000 is this pattern's job
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The problem with `s`, or undefined when it may be stored as is. */
export function badTextIn(s: string): BadTextProblem | undefined {
  const hit = BAD_TEXT.exec(s);
  if (!hit) return undefined;
  return hit[0] === '\u0000' ? 'contains U+0000 (NUL)' : 'contains a lone surrogate (U+D800–U+DFFF outside a pair)';
}

interface Step {
  readonly value: unknown;
  readonly key: string | undefined;
  readonly parent: Step | undefined;
}

/** `key` as it may be shown in a message: NUL and lone surrogates escaped, 64 characters at most. */
const shown = (key: string): string =>
  key
    .replace(new RegExp(BAD_TEXT.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .slice(0, 64);

/** The dotted path to `step` (its last 16 keys at most: bodies may nest very deep). */
const pathOf = (step: Step): string => {
  const keys: string[] = [];
  let s: Step | undefined = step;
  for (; s?.key !== undefined && keys.length < 16; s = s.parent) keys.push(shown(s.key));
  if (s?.key !== undefined) keys.push('…');
  return keys.reverse().join('.') || '(root)';
};

/** Where bad text sits in a value, and what is wrong with it. */
export interface BadTextHit {
  /** A dotted path (`lines.0.name`), `(root)` for the value itself; ends in ` (a key)` when a key is at fault. */
  readonly path: string;
  readonly problem: BadTextProblem;
}

/**
 * The first string or key in `value` (plain JSON, or an Automerge document) holding U+0000 or a lone surrogate, or
 * undefined. Iterative, so a deeply nested body cannot overflow the stack; paths are built only for a hit (this runs
 * on every request, event and document change).
 */
export function findBadText(value: unknown): BadTextHit | undefined {
  const stack: Step[] = [{ value, key: undefined, parent: undefined }];
  while (stack.length) {
    const step = stack.pop()!;
    const v = step.value;
    if (typeof v === 'string') {
      const problem = badTextIn(v);
      if (problem) return { path: pathOf(step), problem };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: String(i), parent: step });
    } else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      for (const k of Object.keys(v)) {
        const child: Step = { value: (v as Record<string, unknown>)[k], key: k, parent: step };
        const problem = badTextIn(k);
        if (problem) return { path: `${pathOf(child)} (a key)`, problem };
        stack.push(child);
      }
    }
  }
  return undefined;
}

function decodedOrRaw(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** How deep a request's JSON may nest: deeper bodies are refused before any route (or a fingerprint) walks them. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `value` nests arrays/objects deeper than `max` levels. Iterative: a body nested 100,000 levels deep (which
 * `JSON.parse` accepts) would overflow the stack of any recursive walk after it — `JSON.stringify` in a request
 * fingerprint, a schema check — and answer 500.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

const refusal = (where: string, problem: BadTextProblem) =>
  new ValidationError(
    `${where}: text may not contain ${problem === 'contains U+0000 (NUL)' ? 'U+0000 (NUL)' : 'a lone surrogate (U+D800–U+DFFF outside a pair)'}`,
    [{ path: where, message: problem }],
  );

/**
 * Express middleware (typed structurally so `shared` does not depend on express), mounted after `express.json()` by
 * the hub and the store node: a request whose URL (path and query, raw `%00` and decoded), JSON body string or key
 * carries U+0000 or a lone surrogate, or whose body nests deeper than MAX_JSON_DEPTH, is refused with a 400
 * `validation` problem naming where, before any route runs.
 */
export function refuseBadText(req: NulCheckedRequest, _res: unknown, next: (err?: unknown) => void): void {
  const url = req.originalUrl;
  if (/%00/i.test(url) || url.includes('\u0000') || decodedOrRaw(req.path).includes('\u0000')) {
    throw new ValidationError('the URL contains a NUL character (%00); text may not contain U+0000', [
      { path: '(url)', message: 'contains U+0000' },
    ]);
  }
  const inPath = badTextIn(decodedOrRaw(req.path));
  if (inPath) throw refusal('(url)', inPath);
  const inQuery = findBadText(req.query);
  if (inQuery) throw refusal(`query ${inQuery.path}`, inQuery.problem);
  if (nestsDeeperThan(req.body, MAX_JSON_DEPTH)) {
    throw new ValidationError(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, [
      { path: '(body)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
  const inBody = findBadText(req.body);
  if (inBody) throw refusal(inBody.path, inBody.problem);
  next();
}
