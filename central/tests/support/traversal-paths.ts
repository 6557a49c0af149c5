import { rawCall } from './raw-http.js';

/**
 * Requests that try to step out of a static root (`prefix` is the root's URL with its trailing slash), each aimed at
 * a file that exists outside it: the repository's package.json (climbing up to eight levels, so nested roots are
 * covered too) or /etc/passwd. Sent as written, without URL normalisation.
 */
export function traversalPaths(prefix: string): string[] {
  const targets = ['package.json', 'etc/passwd'];
  const ups = [
    '../',
    '..%2f',
    '..%2F',
    '%2e%2e/',
    '%2e%2e%2f',
    '%2E%2E%2F',
    '.%2e/',
    '%2e./',
    '..%5c',
    '..\\',
    '%2e%2e%5c',
    '%252e%252e%252f',
    '..%252f',
    '%c0%ae%c0%ae/',
    '..%c0%af',
    '....//',
    '..;/',
    '.../',
    '..%00/',
    '%2e%2e%00/',
  ];
  const out = new Set<string>();
  for (const up of ups) {
    for (let depth = 1; depth <= 8; depth++) for (const t of targets) out.add(prefix + up.repeat(depth) + t);
  }
  for (const t of [
    '/etc/passwd',
    '%2fetc%2fpasswd',
    '%2Fetc%2Fpasswd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    'file:///etc/passwd',
    'C:%5cWindows%5cwin.ini',
  ])
    out.add(prefix + t);
  out.add(`${prefix}/etc/passwd`); // a doubled slash: `//etc/passwd`
  out.add(`${prefix}%00`);
  out.add(`${prefix}index.html%00.js`);
  out.add(`${prefix}..`);
  out.add(`${prefix}%2e%2e`);
  return [...out];
}

/** Text that appears in the files those paths aim at, and in no file a static root serves. */
export const OUTSIDE_MARKERS = [
  '"workspaces"',
  '"devDependencies"',
  'root:x:0:0',
  '"compilerOptions"',
  '@storefleet/central"',
];

/**
 * Asks for `path` and says what went wrong, if anything: an answer that is not a 4xx, or one that carries text of a
 * file outside the roots. A redirect serves nothing by itself; it is followed once (as a browser would, normalising
 * the URL) and where it lands must not carry outside text either.
 */
export async function traversalLeak(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<string | undefined> {
  const res = await rawCall(base, { method: 'GET', path, headers });
  const leakedIn = (text: string) => OUTSIDE_MARKERS.filter((m) => text.includes(m));
  const where = `${path} ${JSON.stringify(headers)} → ${res.status}`;
  if (leakedIn(res.text).length) return `${where}: served ${leakedIn(res.text).join(' ')}`;
  if (res.status >= 300 && res.status < 400 && typeof res.headers.location === 'string') {
    const target = new URL(res.headers.location, new URL(base));
    if (target.origin !== new URL(base).origin) return `${where}: redirected off the server to ${target.href}`;
    const followed = await rawCall(base, { method: 'GET', path: target.pathname + target.search, headers });
    return leakedIn(followed.text).length
      ? `${where} → ${target.pathname}: served ${leakedIn(followed.text).join(' ')}`
      : undefined;
  }
  if (res.status < 400 || res.status >= 500) return `${where}: expected a 4xx`;
  return undefined;
}
