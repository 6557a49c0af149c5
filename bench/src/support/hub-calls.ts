import type { Hub } from '@storefleet/central';

/** How a bench caller proves who it is to the hub's API: a session cookie (a person) or a bearer token (a store). */
export type Caller = { readonly cookie: string } | { readonly token: string };

const headersOf = (who: Caller | undefined): Record<string, string> => ({
  'content-type': 'application/json',
  ...(who && 'cookie' in who ? { cookie: who.cookie } : {}),
  ...(who && 'token' in who ? { authorization: `Bearer ${who.token}` } : {}),
});

/** One call to the hub's API (fetch: keep-alive); a status not in `expect` throws with the answer's text. */
export async function call<T>(
  url: string,
  method: string,
  path: string,
  who?: Caller,
  body?: unknown,
  expect: readonly number[] = [200, 201],
): Promise<T> {
  const res = await fetch(`${url}/api${path}`, {
    method,
    headers: headersOf(who),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Signs a person in through `POST /api/auth/login`; the caller carries the session cookie it sets. */
export async function signIn(url: string, email: string, password: string): Promise<Caller> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${email} answered ${res.status}: ${await res.text()}`);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
}

export const BENCH_PASSWORD = 'a long enough password';

/** A head-office user made through the hub's auth service (as a first-admin setup does), signed in over HTTP. */
export async function headOffice(hub: Hub, email = 'bench-admin@example.test'): Promise<Caller> {
  await hub.auth.createUser({ email, password: BENCH_PASSWORD, name: 'Bench admin', role: 'ADMIN' });
  return signIn(hub.url!, email, BENCH_PASSWORD);
}

/** A store's token, exchanged for its credential through `POST /api/auth/store-token` (as a store node does). */
export async function storeCaller(url: string, credential: { storeId: string; secret: string }): Promise<Caller> {
  const { token } = await call<{ token: string }>(url, 'POST', '/auth/store-token', undefined, credential);
  return { token };
}

/** Puts `count` products (`SF-00001` …) into the hub's catalog through `POST /api/catalog/products/import`. */
export async function importCatalog(url: string, admin: Caller, count: number): Promise<string[]> {
  const skus = Array.from({ length: count }, (_, i) => `SF-${String(i + 1).padStart(5, '0')}`);
  for (let i = 0; i < skus.length; i += 5000) {
    const items = skus
      .slice(i, i + 5000)
      .map((sku, k) => ({ sku, name: `Product ${i + k + 1}`, category: 'Bench', priceMinor: 199 + ((i + k) % 800) }));
    await call(url, 'POST', '/catalog/products/import', admin, { items });
  }
  return skus;
}

/** One figure per sku at one store (on hand, or reserved), as the hub's inventory API answers it (every page). */
export async function hubStock(
  url: string,
  who: Caller,
  storeId: string,
  field: 'onHand' | 'reserved' = 'onHand',
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let after: string | undefined; ; ) {
    const q = `limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const { items } = await call<{ items: { sku: string; onHand: number; reserved: number }[] }>(
      url,
      'GET',
      `/inventory/stores/${storeId}/stock?${q}`,
      who,
    );
    for (const i of items) out.set(i.sku, i[field]);
    if (items.length < 500) return out;
    after = items.at(-1)!.sku;
  }
}

/** The skus whose counts differ between two tallies (a sku missing on one side counts as 0 there). */
export function differing(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((sku) => (a.get(sku) ?? 0) !== (b.get(sku) ?? 0));
}
