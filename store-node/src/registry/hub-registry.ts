import { OCI_DIGEST, OCI_MEDIA_TYPES } from '@storefleet/shared';

/** No answer from the hub (no network, the timeout): the caller waits and tries again, or serves offline. */
export class HubRegistryUnreachable extends Error {}

/** The Accept header of a manifest pull: every manifest type the hub's registry stores. */
export const MANIFEST_ACCEPT = [
  OCI_MEDIA_TYPES.imageManifest,
  OCI_MEDIA_TYPES.imageIndex,
  OCI_MEDIA_TYPES.dockerManifest,
  OCI_MEDIA_TYPES.dockerManifestList,
].join(', ');

/**
 * GETs (or HEADs) a path of the hub's OCI API (`/v2/releases/app/manifests/sha256:…`) with the store's token; the
 * caller reads the body. A 401 is told to the hub link (`onRefused`), which drops that token so the next try exchanges
 * the credential again. Throws `HubRegistryUnreachable` only when there is no answer (`signal` bounds the token's
 * exchange too).
 */
export type HubRegistryGet = (
  path: string,
  accept?: string,
  signal?: AbortSignal,
  method?: 'GET' | 'HEAD',
) => Promise<Response>;

export function hubRegistryGetter(
  hubUrl: string,
  token: () => Promise<string>,
  onRefused?: (token: string, detail: string) => void,
  timeoutMs = 120_000,
  /** The hub link's `fetch`, pinned to the hub's CA (issue #27); node's own by default. */
  fetchImpl: (url: string, init?: RequestInit) => Promise<Response> = (url, init) => fetch(url, init),
): HubRegistryGet {
  return async (path, accept, signal, method = 'GET') => {
    let bearer: string;
    let res: Response;
    try {
      bearer = await (signal ? untilAborted(token(), signal) : token());
      res = await fetchImpl(`${hubUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, ...(accept ? { accept } : {}) },
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new HubRegistryUnreachable(`the hub did not answer: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    }
    if (res.status === 401) onRefused?.(bearer, 'HTTP 401 pulling from the hub’s registry');
    return res;
  };
}

/** `p`, or the signal's reason once it aborts first (a token exchange with a hub that does not answer). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

/** The bytes fetched are not a manifest this node can follow. */
export class ManifestError extends Error {}

/** What a manifest names: child manifests (an index) or blobs (config and layers), each with its size. */
export interface ManifestRefs {
  readonly manifests: readonly { readonly digest: string; readonly size: number }[];
  readonly blobs: readonly { readonly digest: string; readonly size: number }[];
}

/** Reads the descriptors of a manifest's bytes; throws with the reason when they are not a manifest. */
export function manifestRefs(body: Buffer): ManifestRefs {
  let m: unknown;
  try {
    m = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ManifestError('the manifest is not JSON');
  }
  const o = m as { manifests?: unknown; config?: unknown; layers?: unknown; blobs?: unknown };
  const descriptor = (d: unknown) => {
    const x = d as { digest?: unknown; size?: unknown };
    if (typeof x?.digest !== 'string' || !OCI_DIGEST.test(x.digest) || !Number.isSafeInteger(x.size))
      throw new ManifestError('the manifest names a descriptor without a sha256 digest and a size');
    return { digest: x.digest, size: x.size as number };
  };
  const list = (v: unknown) => (Array.isArray(v) ? v.map(descriptor) : []);
  if (Array.isArray(o.manifests)) return { manifests: list(o.manifests), blobs: [] };
  return { manifests: [], blobs: [...(o.config ? [descriptor(o.config)] : []), ...list(o.layers), ...list(o.blobs)] };
}

/** The hub's refusal of a pull, as an error naming what was asked and the hub's words. */
export async function refusal(res: Response, what: string): Promise<Error> {
  const text = (await res.text().catch(() => '')).slice(0, 300);
  let message = text;
  let code = '';
  try {
    const j = JSON.parse(text) as { errors?: { code?: string; message?: string }[]; detail?: string };
    message = j.errors?.[0] ? `${j.errors[0].code}: ${j.errors[0].message}` : (j.detail ?? text);
    code = typeof j.errors?.[0]?.code === 'string' ? j.errors[0].code : '';
  } catch {
    // not JSON: the text as it is
  }
  const e = new HubRefusal(`the hub answered ${res.status} for ${what}${message ? ` (${message})` : ''}`);
  e.status = res.status;
  e.code = code;
  return e;
}

/** The hub answered, and not with the bytes (404, 403, 5xx); `code` is the OCI code it gave ('' when none). */
export class HubRefusal extends Error {
  status = 0;
  code = '';
}
