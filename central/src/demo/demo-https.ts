/**
 * How the demo reaches its own hub (issue #27): the hub serves HTTPS with a private CA made in `<dataDir>/tls` at first
 * start, which no system trusts, so every call the demo makes to the hub goes through a fetch that trusts that CA only
 * (the store node's pinned fetch, over node:https: node's own fetch takes no CA without the undici package). A hub on
 * plain HTTP (the seed functions' tests start one) is called with node's own fetch.
 */
import { readFileSync } from 'node:fs';
import { CSRF_COOKIE, CSRF_HEADER } from '../kernel/edge/csrf.js';
import { type HubFetch, pinnedFetch } from '../../../store-node/src/hub-link/pinned-fetch.js';

export type { HubFetch };

/** A fetch for `hubUrl`: pinned to the CA in `caFile` when the hub is on https, else node's own. */
export function hubFetchFor(hubUrl: string, caFile: string | null): HubFetch {
  if (!hubUrl.startsWith('https:')) return (url, init) => fetch(url, init);
  if (!caFile) throw new Error(`the hub is at ${hubUrl} but the demo names no CA to trust`);
  return pinnedFetch({ ca: readFileSync(caFile, 'utf8') });
}

/**
 * The headers a console session's writes carry, from a sign-in's answer: its cookies (the session and `sf_csrf`) and
 * `X-CSRF-Token` equal to the CSRF cookie, as the console's own pages send it.
 */
export function sessionHeaders(signIn: Response): Record<string, string> {
  const pairs = signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!.trim())
    .filter((c) => c.includes('=') && !c.endsWith('='));
  const csrf = pairs.find((c) => c.startsWith(`${CSRF_COOKIE}=`))?.slice(CSRF_COOKIE.length + 1);
  return {
    cookie: pairs.join('; '),
    ...(csrf ? { [CSRF_HEADER.toLowerCase()]: decodeURIComponent(csrf) } : {}),
  };
}
