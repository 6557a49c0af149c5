/** GETs JSON from the hub with the store's token; a refusal throws with the hub's problem detail. */
export type HubGet = (path: string) => Promise<unknown>;

export function hubGetter(hubUrl: string, token: () => Promise<string>, timeoutMs = 30_000): HubGet {
  return async (path) => {
    const res = await fetch(hubUrl + path, { headers: { authorization: `Bearer ${await token()}` }, signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => ({}))) as { detail?: string };
    if (!res.ok) throw new Error(`GET ${path} → ${res.status} ${body.detail ?? ''}`.trim());
    return body;
  };
}
