import { isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { ForbiddenError } from '@storefleet/shared';

/**
 * The store node answers only for itself, and takes writes only from its own pages. It runs in front of the screen
 * guard, for every page and API:
 *
 * - **Host**: an IP literal (v4, or v6 in brackets), `localhost`, or a name configured in `hostnames`
 *   (`STORE_HOSTNAMES`), any port. Any other name is refused: a site that rebinds its own DNS name to this node's
 *   address (DNS rebinding) gets its pages' requests refused, so it reads and writes nothing through a lane's trust.
 *   A request without a Host is refused too (every browser sends one).
 * - **Writes** (every method but GET, HEAD, OPTIONS): refused when the browser says the request is not from this
 *   node's own pages (`Sec-Fetch-Site` present and not `same-origin` or `none`: `cross-site`, and `same-site` too —
 *   another port of this machine or a sibling name is another site's page) or sends an `Origin` that is not the
 *   request's own (`null` included). A request with neither (curl, the tests, a device's own client) is not a
 *   browser's cross-site request and passes.
 */
export const FOREIGN_HOST = 'this store node does not answer to that host name';
export const CROSS_SITE_WRITE =
  'a write from another site is refused: the store node takes writes only from its own pages';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host name of a `Host` header (lower case, no port, IPv6 without brackets), or undefined when it is malformed. */
export function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? bracketed[1] : undefined;
  const plain = /^([^:[\]]+)(?::\d{1,5})?$/.exec(h);
  return plain?.[1];
}

/** Whether the node answers to this Host header: an IP literal, `localhost`, or one of `names` (lower case). */
export function answersTo(header: string | undefined, names: ReadonlySet<string>): boolean {
  const host = hostOf(header);
  if (host === undefined) return false;
  return isIP(host) !== 0 || host === 'localhost' || names.has(host);
}

/**
 * Whether the browser's fetch metadata allows that this request comes from this node's own pages or from a person
 * (an address typed, a bookmark): `Sec-Fetch-Site` is `same-origin` or `none`, or absent (curl, a device's own client,
 * a browser too old to send it). `same-site` and `cross-site` are another site's page.
 */
export function fromOwnPages(req: Pick<Request, 'get'>): boolean {
  const site = req.get('Sec-Fetch-Site');
  if (site === undefined) return true;
  const s = site.trim().toLowerCase();
  return s === 'same-origin' || s === 'none';
}

/** Why a write is refused as cross-site, or undefined when it may pass. */
export function crossSiteWrite(req: Pick<Request, 'method' | 'protocol' | 'get'>): string | undefined {
  if (SAFE_METHODS.has(req.method)) return undefined;
  if (!fromOwnPages(req)) return 'cross-site';
  const origin = req.get('Origin');
  if (origin === undefined) return undefined;
  try {
    return new URL(origin).origin === new URL(`${req.protocol}://${req.get('Host')}`).origin
      ? undefined
      : 'foreign origin';
  } catch {
    return 'unreadable origin';
  }
}

const shown = (s: string | undefined) => JSON.stringify((s ?? '').slice(0, 100));

export function siteGuard(hostnames: readonly string[] = []): RequestHandler {
  const names = new Set(hostnames.map((n) => n.trim().toLowerCase()).filter(Boolean));
  return (req, _res, next) => {
    const host = req.get('Host');
    if (!answersTo(host, names)) {
      throw new ForbiddenError(
        `${FOREIGN_HOST} (${shown(host)}): open it by its address (http://127.0.0.1:port) or add the name to STORE_HOSTNAMES`,
      );
    }
    if (crossSiteWrite(req)) throw new ForbiddenError(`${CROSS_SITE_WRITE} (Origin ${shown(req.get('Origin'))})`);
    next();
  };
}
