/**
 * GETs a document's content from the hub with the store's token, streamed (the caller reads the body). A 401 is told
 * to the hub link (`onRefused`), which drops that token so the next try exchanges the credential again. Throws only
 * when there is no answer (no network, the timeout): `HubContentUnreachable`.
 */
export type VaultHubFetch = (documentId: string, versionNo: number, signal?: AbortSignal) => Promise<Response>;

export class HubContentUnreachable extends Error {}

export function vaultHubFetcher(
  hubUrl: string,
  token: () => Promise<string>,
  onRefused?: (token: string, detail: string) => void,
  timeoutMs = 120_000,
  /** The hub link's `fetch`, pinned to the hub's CA (issue #27); node's own by default. */
  fetchImpl: (url: string, init?: RequestInit) => Promise<Response> = (url, init) => fetch(url, init),
): VaultHubFetch {
  return async (documentId, versionNo, signal) => {
    let bearer: string;
    let res: Response;
    try {
      bearer = await token();
      const timeout = AbortSignal.timeout(timeoutMs);
      res = await fetchImpl(
        `${hubUrl}/api/vault/documents/${encodeURIComponent(documentId)}/content?version=${versionNo}`,
        {
          headers: { authorization: `Bearer ${bearer}` },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        },
      );
    } catch (err) {
      throw new HubContentUnreachable(`the hub did not answer: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    }
    if (res.status === 401) onRefused?.(bearer, 'HTTP 401 fetching a vault document');
    return res;
  };
}
