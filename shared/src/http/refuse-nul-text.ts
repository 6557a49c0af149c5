import { ValidationError } from '../errors.js';

/**
 * U+0000 in text is refused at the edge, by the hub and the store node alike: Postgres cannot store it (a 500 deep in
 * a statement, which in a group commit also failed its neighbours) and SQLite would keep it silently, so one rule
 * everywhere. Mount after `express.json()`: it checks the URL (path and query, raw `%00` and decoded), every string
 * and key of the JSON body. Typed structurally so `shared` does not depend on express.
 */
export interface NulCheckedRequest {
  readonly originalUrl: string;
  readonly path: string;
  readonly query?: unknown;
  readonly body?: unknown;
}

const hasNul = (s: string) => s.includes('\u0000');

interface Step {
  readonly value: unknown;
  readonly key: string | undefined;
  readonly parent: Step | undefined;
}

/** The dotted path to `step` (its last 16 keys at most: bodies may nest very deep). */
const pathOf = (step: Step): string => {
  const keys: string[] = [];
  let s: Step | undefined = step;
  for (; s?.key !== undefined && keys.length < 16; s = s.parent) keys.push(s.key.replace(/\u0000/g, '\\u0000').slice(0, 64));
  if (s?.key !== undefined) keys.push('…');
  return keys.reverse().join('.') || '(root)';
};

/**
 * Where in `value` a U+0000 sits (a dotted path, `(root)` for the value itself), or undefined. Iterative, so a deeply
 * nested body cannot overflow the stack; paths are built only for a hit (this runs on every request and event).
 */
export function findNulText(value: unknown): string | undefined {
  const stack: Step[] = [{ value, key: undefined, parent: undefined }];
  while (stack.length) {
    const step = stack.pop()!;
    const v = step.value;
    if (typeof v === 'string') {
      if (hasNul(v)) return pathOf(step);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: String(i), parent: step });
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        const child: Step = { value: (v as Record<string, unknown>)[k], key: k, parent: step };
        if (hasNul(k)) return `${pathOf(child)} (a key)`;
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

export function refuseNulText(req: NulCheckedRequest, _res: unknown, next: (err?: unknown) => void): void {
  const url = req.originalUrl;
  if (/%00/i.test(url) || hasNul(url) || hasNul(decodedOrRaw(req.path))) {
    throw new ValidationError('the URL contains a NUL character (%00); text may not contain U+0000', [{ path: '(url)', message: 'contains U+0000' }]);
  }
  const inQuery = findNulText(req.query);
  if (inQuery) throw new ValidationError(`query ${inQuery}: text may not contain U+0000 (NUL)`, [{ path: inQuery, message: 'contains U+0000' }]);
  const inBody = findNulText(req.body);
  if (inBody) throw new ValidationError(`${inBody}: text may not contain U+0000 (NUL)`, [{ path: inBody, message: 'contains U+0000' }]);
  next();
}
