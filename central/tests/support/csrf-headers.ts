import { CSRF_HEADER, csrfTokenFor } from '../../src/kernel/edge/csrf.js';

/**
 * The `X-CSRF-Token` header a browser page would send beside `cookie` (a `Cookie` header value such as `t.login()`
 * gives, `sf_session=…` and/or `sf_customer=…`): the token of its staff session, else of its customer session; none
 * when it holds neither (issue #27, kernel/edge/csrf.ts).
 */
export function csrfHeaderFor(cookie: string | undefined): Record<string, string> {
  if (!cookie) return {};
  const jar = new Map<string, string>();
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    if (eq > 0 && !jar.has(name)) jar.set(name, part.slice(eq + 1).trim()); // the first wins, as the hub reads it
  }
  const session = jar.get('sf_session') ?? jar.get('sf_customer');
  if (!session) return {};
  let token: string;
  try {
    token = csrfTokenFor(decodeURIComponent(session));
  } catch {
    return {}; // an unreadable cookie (a test of that) gets no token: the hub refuses it first
  }
  return { [CSRF_HEADER.toLowerCase()]: token };
}

/** `Cookie` plus the matching `X-CSRF-Token`: the headers of a console or shop page's write. */
export function cookieHeaders(cookie: string): Record<string, string> {
  return { cookie, ...csrfHeaderFor(cookie) };
}
